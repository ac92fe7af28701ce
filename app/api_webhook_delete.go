package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiWebhookDelete answers DELETE /api/v1/webhooks/{id}: the webhook and its
// delivery log are deleted; deliveries still queued are dropped.
func (s *Server) apiWebhookDelete(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := models.DeleteWebhook(c.UserContext(), s.db, identity(c).AccountID, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
