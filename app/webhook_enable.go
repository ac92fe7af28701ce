package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// webhookEnable enables a webhook again and clears its failure count.
func (s *Server) webhookEnable(c *fiber.Ctx) error { return s.setWebhookEnabled(c, true) }

// webhookDisable stops a webhook from receiving events.
func (s *Server) webhookDisable(c *fiber.Ctx) error { return s.setWebhookEnabled(c, false) }

func (s *Server) setWebhookEnabled(c *fiber.Ctx, enabled bool) error {
	w, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	if err := models.SetWebhookEnabled(c.UserContext(), s.db, w, enabled); err != nil {
		return err
	}
	return redirect(c, "/webhooks/"+w.ID.String())
}
