package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// webhookUpdate saves a webhook's URL, description and events, or
// re-renders the form with a message per invalid field.
func (s *Server) webhookUpdate(c *fiber.Ctx) error {
	old, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	w := parseWebhookForm(c, old.AccountID, old.ID)
	errs, err := fieldErrors(nil, models.UpdateWebhook(c.UserContext(), s.db, w, s.cfg.WebhookAllowPrivate))
	if err != nil {
		return err
	}
	if errs != nil {
		c.Status(formStatus(c))
		if isHTMX(c) {
			return renderComponent(c, pages.WebhookForm(webhookFormView(c, w, errs)))
		}
		deliveries, err := s.webhookDeliveriesView(c, old, "", 0)
		if err != nil {
			return err
		}
		v := pages.WebhookView{Layout: s.layout(c, identity(c), layouts.SectionWebhooks, "Webhook"), Webhook: webhookRow(old),
			SecretPrefix: old.SecretPrefix, Form: webhookFormView(c, w, errs), Deliveries: deliveries, RetryPolicy: webhookRetryPolicy()}
		return renderComponent(c, pages.WebhookPage(v))
	}
	return redirect(c, "/webhooks/"+w.ID.String())
}
