package app

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/views/pages"
)

// webhookShow shows a webhook: its settings, actions and delivery log.
func (s *Server) webhookShow(c *fiber.Ctx) error {
	w, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	return s.webhookPage(c, w, "")
}

// webhookDeliveries renders the delivery log fragment; with ?wait= it keeps
// polling until that delivery has an attempt (see pages.WebhookDeliveries).
// A browser that asks for it directly is sent to the webhook's page.
func (s *Server) webhookDeliveries(c *fiber.Ctx) error {
	w, err := s.webhookParam(c)
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		return redirect(c, "/webhooks/"+w.ID.String())
	}
	polls, _ := strconv.Atoi(c.Query("polls"))
	wait, err := uuid.Parse(c.Query("wait"))
	waitFor := wait.String()
	if err != nil {
		waitFor = ""
	}
	v, err := s.webhookDeliveriesView(c, w, waitFor, polls)
	if err != nil {
		return err
	}
	c.Vary("HX-Request")
	return renderComponent(c, pages.WebhookDeliveries(v))
}
