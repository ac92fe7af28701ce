package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// webhookDelete deletes a webhook with its delivery log.
func (s *Server) webhookDelete(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := models.DeleteWebhook(c.UserContext(), s.db, identity(c).AccountID, id); err != nil {
		return err
	}
	return redirect(c, "/webhooks")
}
