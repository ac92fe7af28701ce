package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiWebhookCreate answers POST /api/v1/webhooks: 201 with the webhook and
// its signing secret, shown this once, or 422 with a message per invalid field.
func (s *Server) apiWebhookCreate(c *fiber.Ctx) error {
	var in webhookInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	w := &models.Webhook{AccountID: identity(c).AccountID}
	in.apply(w)
	if err := models.CreateWebhook(c.UserContext(), s.db, w, s.cfg.WebhookAllowPrivate); err != nil {
		return err
	}
	if in.Enabled != nil && !*in.Enabled {
		if err := models.SetWebhookEnabled(c.UserContext(), s.db, w, false); err != nil {
			return err
		}
	}
	doc := newWebhookDoc(w)
	doc.Secret = w.Secret
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Location("/api/v1/webhooks/" + w.ID.String())
	return c.Status(fiber.StatusCreated).JSON(doc)
}
