package models

import (
	"context"
	"crypto/rand"
	"database/sql/driver"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Webhook events. The batch events are what a webhook subscribes to; ping is
// sent only by "Send test".
const (
	EventBatchFinished  = "batch.finished"
	EventBatchFailed    = "batch.failed"
	EventBatchCancelled = "batch.cancelled"
	EventPing           = "ping"
)

// WebhookEventNames are the events a webhook may subscribe to, in the order
// pages and documents list them.
var WebhookEventNames = []string{EventBatchFinished, EventBatchFailed, EventBatchCancelled}

// cancelledMessage is the error message of a batch that ended ERROR because
// it was cancelled (the engine writes it).
const cancelledMessage = "cancelled"

// BatchEndEvent is the webhook event of a batch that has ended: FINISHED is
// batch.finished, ERROR after a cancel is batch.cancelled, any other ERROR is
// batch.failed. A batch that has not ended has none ("").
func BatchEndEvent(b *Batch) string {
	switch {
	case b.Status == StatusFinished:
		return EventBatchFinished
	case b.Status == StatusError && b.ErrorMessage == cancelledMessage:
		return EventBatchCancelled
	case b.Status == StatusError:
		return EventBatchFailed
	}
	return ""
}

// WebhookDisableAfter is how many deliveries in a row may fail every attempt
// before their webhook is disabled. One such delivery means the endpoint
// failed for the whole retry schedule (about 11 hours); three keep one
// payload the receiver chokes on from disabling it.
const WebhookDisableAfter = 3

// WebhookEvents is the set of events a webhook receives, stored as a JSON array.
type WebhookEvents []string

// Value implements driver.Valuer.
func (e WebhookEvents) Value() (driver.Value, error) { return jsonValue(e) }

// Scan implements sql.Scanner.
func (e *WebhookEvents) Scan(src any) error { return jsonScan(src, e) }

// Webhook is a URL of an account that receives the batch document, signed
// with Secret, when one of Events happens.
type Webhook struct {
	ID          uuid.UUID     `gorm:"type:uuid;primaryKey;default:gen_random_uuid()"`
	AccountID   uuid.UUID     `gorm:"type:uuid"`
	URL         string        `gorm:"column:url"`
	Description string        `gorm:"column:description"`
	Events      WebhookEvents `gorm:"type:jsonb"`
	// Secret is the HMAC key; it must be stored as it is to sign, and is
	// shown to the account once, at creation.
	Secret       string
	SecretPrefix string
	// FailedDeliveries counts the deliveries in a row that failed every
	// attempt; a success resets it.
	FailedDeliveries int
	DisabledAt       *time.Time
	DisabledReason   string
	LastDeliveryAt   *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Enabled reports whether the webhook receives events.
func (w *Webhook) Enabled() bool { return w.DisabledAt == nil }

// webhookSecretPrefix starts every secret, so that a leaked one is easy to recognise.
const webhookSecretPrefix = "whsec_"

// newWebhookSecret returns a secret of 256 random bits.
func newWebhookSecret() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generating webhook secret: %w", err)
	}
	return webhookSecretPrefix + base64.RawURLEncoding.EncodeToString(raw), nil
}

// WebhookByID loads a webhook of an account.
func WebhookByID(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) (*Webhook, error) {
	var w Webhook
	if err := db.WithContext(ctx).Where("account_id = ? AND id = ?", accountID, id).Take(&w).Error; err != nil {
		return nil, notFound("loading webhook", err)
	}
	return &w, nil
}

// ListWebhooks lists an account's webhooks, oldest first.
func ListWebhooks(ctx context.Context, db *gorm.DB, accountID uuid.UUID) ([]Webhook, error) {
	var hooks []Webhook
	if err := db.WithContext(ctx).Where("account_id = ?", accountID).Order("created_at, id").Find(&hooks).Error; err != nil {
		return nil, notFound("listing webhooks", err)
	}
	return hooks, nil
}

// CreateWebhook validates w (see Webhook.Check), gives it a new secret and
// inserts it; w.AccountID must be set. The secret is in w.Secret afterwards.
func CreateWebhook(ctx context.Context, db *gorm.DB, w *Webhook, allowPrivate bool) error {
	w.Normalize()
	if errs := w.Check(allowPrivate); errs != nil {
		return &ValidationError{Fields: errs}
	}
	secret, err := newWebhookSecret()
	if err != nil {
		return err
	}
	w.ID, w.Secret, w.SecretPrefix = uuid.Nil, secret, secret[:len(webhookSecretPrefix)+6]
	if err := db.WithContext(ctx).Create(w).Error; err != nil {
		return notFound("creating webhook", err)
	}
	return nil
}

// UpdateWebhook validates w and saves its URL, description and events.
func UpdateWebhook(ctx context.Context, db *gorm.DB, w *Webhook, allowPrivate bool) error {
	w.Normalize()
	if errs := w.Check(allowPrivate); errs != nil {
		return &ValidationError{Fields: errs}
	}
	res := db.WithContext(ctx).Model(&Webhook{}).Where("account_id = ? AND id = ?", w.AccountID, w.ID).
		Updates(map[string]any{"url": w.URL, "description": w.Description, "events": w.Events, "updated_at": gorm.Expr("now()")})
	if res.Error != nil {
		return notFound("updating webhook", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound("updating webhook", gorm.ErrRecordNotFound)
	}
	return reloadWebhook(ctx, db, w)
}

// SetWebhookEnabled enables or disables a webhook of an account. Enabling
// clears the failure count and the reason it was disabled; disabling by hand
// records that a person did it. w is reloaded.
func SetWebhookEnabled(ctx context.Context, db *gorm.DB, w *Webhook, enabled bool) error {
	changes := map[string]any{"disabled_at": nil, "disabled_reason": "", "failed_deliveries": 0, "updated_at": gorm.Expr("now()")}
	q := db.WithContext(ctx).Model(&Webhook{}).Where("account_id = ? AND id = ?", w.AccountID, w.ID)
	if !enabled {
		changes = map[string]any{"disabled_at": gorm.Expr("now()"), "disabled_reason": "Disabled by hand.", "updated_at": gorm.Expr("now()")}
		q = q.Where("disabled_at IS NULL")
	}
	if err := q.Updates(changes).Error; err != nil {
		return notFound("changing webhook", err)
	}
	return reloadWebhook(ctx, db, w)
}

func reloadWebhook(ctx context.Context, db *gorm.DB, w *Webhook) error {
	loaded, err := WebhookByID(ctx, db, w.AccountID, w.ID)
	if err != nil {
		return err
	}
	*w = *loaded
	return nil
}

// DeleteWebhook deletes a webhook of an account with its delivery log;
// deliveries still queued find it gone and are dropped.
func DeleteWebhook(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) error {
	res := db.WithContext(ctx).Where("account_id = ? AND id = ?", accountID, id).Delete(&Webhook{})
	if res.Error != nil {
		return notFound("deleting webhook", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound("deleting webhook", gorm.ErrRecordNotFound)
	}
	return nil
}
