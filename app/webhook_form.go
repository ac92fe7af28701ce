package app

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// webhookParam loads the webhook named by the route's :id in the request's
// account; an unknown, malformed or foreign ID is models.ErrNotFound.
func (s *Server) webhookParam(c *fiber.Ctx) (*models.Webhook, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	return models.WebhookByID(c.UserContext(), s.db, identity(c).AccountID, id)
}

// parseWebhookForm reads the new and edit webhook form into a webhook of
// the account; validation is models.CreateWebhook's and UpdateWebhook's.
func parseWebhookForm(c *fiber.Ctx, accountID, id uuid.UUID) *models.Webhook {
	w := &models.Webhook{ID: id, AccountID: accountID, URL: c.FormValue("url"), Description: c.FormValue("description"), Events: models.WebhookEvents{}}
	for _, e := range c.Request().PostArgs().PeekMulti("events") {
		w.Events = append(w.Events, string(e))
	}
	return w
}

func webhookFormView(c *fiber.Ctx, w *models.Webhook, errs map[string]string) pages.WebhookFormView {
	v := pages.WebhookFormView{CSRFToken: csrfToken(c), URL: w.URL, Description: w.Description, Events: w.Events, Errors: errs}
	if w.ID != uuid.Nil {
		v.ID = w.ID.String()
	}
	return v
}

func webhookRow(w *models.Webhook) pages.WebhookRow {
	return pages.WebhookRow{ID: w.ID.String(), URL: w.URL, Description: w.Description, Events: w.Events, Enabled: w.Enabled(),
		DisabledReason: w.DisabledReason, LastDelivery: components.MaybeTimestamp(w.LastDeliveryAt, "never"),
		CreatedAt: components.Timestamp(w.CreatedAt)}
}

// webhookRetryPolicy says how failed deliveries are retried, from the
// schedule the worker uses.
func webhookRetryPolicy() string {
	var total time.Duration
	for _, d := range jobs.DefaultWebhookRetryDelays {
		total += d
	}
	return fmt.Sprintf("A delivery that gets no 2xx answer within 10 seconds is retried %d times over about %d hours. "+
		"After %d deliveries in a row fail every attempt, the webhook is disabled.",
		len(jobs.DefaultWebhookRetryDelays), int(math.Round(total.Hours())), models.WebhookDisableAfter)
}

// webhookDeliveriesView is the delivery log of w, waiting for the delivery
// waitFor (when set) for the polls-th time.
func (s *Server) webhookDeliveriesView(c *fiber.Ctx, w *models.Webhook, waitFor string, polls int) (pages.WebhookDeliveriesView, error) {
	log, err := models.ListWebhookDeliveries(c.UserContext(), s.db, w.AccountID, w.ID, webhookLogLength)
	if err != nil {
		return pages.WebhookDeliveriesView{}, err
	}
	v := pages.WebhookDeliveriesView{WebhookID: w.ID.String(), WaitFor: waitFor, Polls: polls}
	for _, d := range log {
		row := pages.WebhookDeliveryRow{DeliveryID: d.DeliveryID.String(), Event: d.Event, Attempt: d.Attempt, Status: d.Status,
			Duration: strconv.Itoa(d.DurationMS) + " ms", Error: d.Error, NextRetry: components.MaybeTimestamp(d.NextRetryAt, "—"),
			At: components.Timestamp(d.CreatedAt)}
		if d.BatchID != nil {
			row.BatchID = d.BatchID.String()
		}
		if d.ResponseCode != nil {
			row.ResponseCode = strconv.Itoa(*d.ResponseCode)
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

// webhookPage renders w's page; newSecret is shown once, right after creation.
func (s *Server) webhookPage(c *fiber.Ctx, w *models.Webhook, newSecret string) error {
	deliveries, err := s.webhookDeliveriesView(c, w, "", 0)
	if err != nil {
		return err
	}
	v := pages.WebhookView{Layout: s.layout(c, identity(c), layouts.SectionWebhooks, "Webhook"), Webhook: webhookRow(w),
		SecretPrefix: w.SecretPrefix, NewSecret: newSecret, Form: webhookFormView(c, w, nil), Deliveries: deliveries,
		RetryPolicy: webhookRetryPolicy()}
	return renderComponent(c, pages.WebhookPage(v))
}
