package app

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// webhookNewPage shows an empty webhook form with every event chosen.
func (s *Server) webhookNewPage(c *fiber.Ctx) error {
	w := &models.Webhook{Events: models.WebhookEventNames}
	v := pages.WebhookNewView{Layout: s.layout(c, identity(c), layouts.SectionWebhooks, "New webhook"), Form: webhookFormView(c, w, nil)}
	return renderComponent(c, pages.WebhookNewPage(v))
}

// webhookCreate creates a webhook and answers with its page, which shows
// the signing secret this once; or re-renders the form with a message per
// invalid field.
func (s *Server) webhookCreate(c *fiber.Ctx) error {
	id := identity(c)
	w := parseWebhookForm(c, id.AccountID, uuid.Nil)
	errs, err := fieldErrors(nil, models.CreateWebhook(c.UserContext(), s.db, w, s.cfg.WebhookAllowPrivate))
	if err != nil {
		return err
	}
	if errs != nil {
		v := pages.WebhookNewView{Layout: s.layout(c, id, layouts.SectionWebhooks, "New webhook"), Form: webhookFormView(c, w, errs)}
		c.Status(fiber.StatusUnprocessableEntity)
		return renderComponent(c, pages.WebhookNewPage(v))
	}
	// The secret must not be kept by any cache or restored from history.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.webhookPage(c, w, w.Secret)
}
