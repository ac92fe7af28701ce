package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiWebhookUpdate answers PATCH /api/v1/webhooks/{id}: members present in
// the body change; "enabled": true enables a disabled webhook again and
// clears its failure count.
func (s *Server) apiWebhookUpdate(c *fiber.Ctx) error {
	w, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	var in webhookInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	in.apply(w)
	if err := models.UpdateWebhook(c.UserContext(), s.db, w, s.cfg.WebhookAllowPrivate); err != nil {
		return err
	}
	if in.Enabled != nil && *in.Enabled != w.Enabled() {
		if err := models.SetWebhookEnabled(c.UserContext(), s.db, w, *in.Enabled); err != nil {
			return err
		}
	}
	return c.JSON(newWebhookDoc(w))
}
