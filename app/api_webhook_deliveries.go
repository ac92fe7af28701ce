package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// webhookLogLength is how many attempts the API and the page show.
const webhookLogLength = 100

// apiWebhookDeliveries answers GET /api/v1/webhooks/{id}/deliveries: the
// newest attempts of the webhook's deliveries, newest first.
func (s *Server) apiWebhookDeliveries(c *fiber.Ctx) error {
	w, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	log, err := models.ListWebhookDeliveries(c.UserContext(), s.db, w.AccountID, w.ID, webhookLogLength)
	if err != nil {
		return err
	}
	docs := make([]webhookDeliveryDoc, 0, len(log))
	for i := range log {
		docs = append(docs, newWebhookDeliveryDoc(&log[i]))
	}
	return c.JSON(fiber.Map{"data": docs})
}
