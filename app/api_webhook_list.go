package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiWebhookList answers GET /api/v1/webhooks: the account's webhooks, oldest first.
func (s *Server) apiWebhookList(c *fiber.Ctx) error {
	hooks, err := models.ListWebhooks(c.UserContext(), s.db, identity(c).AccountID)
	if err != nil {
		return err
	}
	docs := make([]webhookDoc, 0, len(hooks))
	for i := range hooks {
		docs = append(docs, newWebhookDoc(&hooks[i]))
	}
	return c.JSON(fiber.Map{"data": docs})
}

// apiWebhookShow answers GET /api/v1/webhooks/{id}.
func (s *Server) apiWebhookShow(c *fiber.Ctx) error {
	w, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	return c.JSON(newWebhookDoc(w))
}
