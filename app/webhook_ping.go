package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/views/pages"
)

// webhookPing is "Send test": a ping is queued through the delivery job,
// and htmx gets the delivery log back, polling until the ping's attempt is in it.
func (s *Server) webhookPing(c *fiber.Ctx) error {
	w, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	id, err := jobs.SendWebhookTest(c.UserContext(), s.jobs, w)
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		return redirect(c, "/webhooks/"+w.ID.String())
	}
	v, err := s.webhookDeliveriesView(c, w, id.String(), 0)
	if err != nil {
		return err
	}
	return renderComponent(c, pages.WebhookDeliveries(v))
}
