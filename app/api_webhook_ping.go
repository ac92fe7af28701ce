package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/jobs"
)

// apiWebhookPing answers POST /api/v1/webhooks/{id}/test: a ping is queued
// (tried once, even when the webhook is disabled) and 202 names its
// delivery, whose attempt appears in the delivery log.
func (s *Server) apiWebhookPing(c *fiber.Ctx) error {
	w, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	id, err := jobs.SendWebhookTest(c.UserContext(), s.jobs, w)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"delivery_id": id.String(), "event": "ping"})
}
