package app

import (
	"time"

	"github.com/flowbatch/flowbatch/models"
)

// webhookDoc is a webhook as the API shows it. Secret is set only in the
// answer that creates the webhook: it is shown once.
type webhookDoc struct {
	ID               string               `json:"id"`
	URL              string               `json:"url"`
	Description      string               `json:"description"`
	Events           models.WebhookEvents `json:"events"`
	Enabled          bool                 `json:"enabled"`
	DisabledAt       *time.Time           `json:"disabled_at"`
	DisabledReason   string               `json:"disabled_reason"`
	FailedDeliveries int                  `json:"failed_deliveries"`
	SecretPrefix     string               `json:"secret_prefix"`
	Secret           string               `json:"secret,omitempty"`
	LastDeliveryAt   *time.Time           `json:"last_delivery_at"`
	CreatedAt        time.Time            `json:"created_at"`
	UpdatedAt        time.Time            `json:"updated_at"`
}

func newWebhookDoc(w *models.Webhook) webhookDoc {
	return webhookDoc{ID: w.ID.String(), URL: w.URL, Description: w.Description, Events: w.Events, Enabled: w.Enabled(),
		DisabledAt: w.DisabledAt, DisabledReason: w.DisabledReason, FailedDeliveries: w.FailedDeliveries,
		SecretPrefix: w.SecretPrefix, LastDeliveryAt: w.LastDeliveryAt, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

// webhookInput is the body of POST and PATCH /api/v1/webhooks: absent
// members keep their value.
type webhookInput struct {
	URL         *string   `json:"url"`
	Description *string   `json:"description"`
	Events      *[]string `json:"events"`
	Enabled     *bool     `json:"enabled"`
}

func (in *webhookInput) apply(w *models.Webhook) {
	if in.URL != nil {
		w.URL = *in.URL
	}
	if in.Description != nil {
		w.Description = *in.Description
	}
	if in.Events != nil {
		w.Events = *in.Events
	}
}

// webhookDeliveryDoc is one attempt of the delivery log.
type webhookDeliveryDoc struct {
	ID           string     `json:"id"`
	DeliveryID   string     `json:"delivery_id"`
	Event        string     `json:"event"`
	BatchID      *string    `json:"batch_id"`
	Attempt      int        `json:"attempt"`
	Status       string     `json:"status"`
	ResponseCode *int       `json:"response_code"`
	DurationMS   int        `json:"duration_ms"`
	Error        string     `json:"error"`
	NextRetryAt  *time.Time `json:"next_retry_at"`
	CreatedAt    time.Time  `json:"created_at"`
}

func newWebhookDeliveryDoc(d *models.WebhookDelivery) webhookDeliveryDoc {
	doc := webhookDeliveryDoc{ID: d.ID.String(), DeliveryID: d.DeliveryID.String(), Event: d.Event, Attempt: d.Attempt,
		Status: d.Status, ResponseCode: d.ResponseCode, DurationMS: d.DurationMS, Error: d.Error,
		NextRetryAt: d.NextRetryAt, CreatedAt: d.CreatedAt}
	if d.BatchID != nil {
		id := d.BatchID.String()
		doc.BatchID = &id
	}
	return doc
}
