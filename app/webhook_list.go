package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// webhooksPage lists the account's webhooks, with a banner when some are disabled.
func (s *Server) webhooksPage(c *fiber.Ctx) error {
	id := identity(c)
	hooks, err := models.ListWebhooks(c.UserContext(), s.db, id.AccountID)
	if err != nil {
		return err
	}
	v := pages.WebhookListView{Layout: s.layout(c, id, layouts.SectionWebhooks, "Webhooks")}
	for i := range hooks {
		v.Webhooks = append(v.Webhooks, webhookRow(&hooks[i]))
	}
	return renderComponent(c, pages.Webhooks(v))
}
