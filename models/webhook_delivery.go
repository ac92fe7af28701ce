package models

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Delivery attempt statuses.
const (
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
	// DeliverySkipped is an attempt that sent nothing: its batch was deleted
	// before it could be sent, or its webhook was disabled meanwhile.
	DeliverySkipped = "skipped"
)

// keptWebhookAttempts is how many attempts the delivery log keeps per
// webhook; older ones are deleted as new ones are recorded.
const keptWebhookAttempts = 500

// WebhookDelivery is one attempt to deliver one event to one webhook.
// DeliveryID is the same for every attempt of a delivery.
type WebhookDelivery struct {
	ID           uuid.UUID  `gorm:"type:uuid;primaryKey;default:gen_random_uuid()"`
	AccountID    uuid.UUID  `gorm:"type:uuid"`
	WebhookID    uuid.UUID  `gorm:"type:uuid"`
	DeliveryID   uuid.UUID  `gorm:"type:uuid"`
	Event        string     `gorm:"column:event"`
	BatchID      *uuid.UUID `gorm:"type:uuid"`
	Attempt      int
	Status       string
	ResponseCode *int
	DurationMS   int `gorm:"column:duration_ms"`
	Error        string
	// NextRetryAt is when the delivery is tried again after this failed
	// attempt; nil when it is not (success, or the last attempt).
	NextRetryAt *time.Time
	CreatedAt   time.Time
}

// ListWebhookDeliveries lists the newest attempts of a webhook of an account,
// newest first, at most limit.
func ListWebhookDeliveries(ctx context.Context, db *gorm.DB, accountID, webhookID uuid.UUID, limit int) ([]WebhookDelivery, error) {
	var out []WebhookDelivery
	err := db.WithContext(ctx).Where("account_id = ? AND webhook_id = ?", accountID, webhookID).
		Order("created_at DESC, id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, notFound("listing webhook deliveries", err)
	}
	return out, nil
}

// RecordWebhookAttempt saves attempt d in the delivery log and updates its
// webhook in one transaction. final says the delivery ends with d. A
// successful batch delivery resets the webhook's failure count; a batch
// delivery whose last attempt failed adds one, and the WebhookDisableAfter-th
// disables the webhook with the reason. Tests (ping) neither count nor reset.
// It reports whether this attempt disabled the webhook.
func RecordWebhookAttempt(ctx context.Context, db *gorm.DB, d *WebhookDelivery, final bool) (disabled bool, err error) {
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(d).Error; err != nil {
			return fmt.Errorf("recording webhook delivery: %w", err)
		}
		hook := tx.Model(&Webhook{}).Where("account_id = ? AND id = ?", d.AccountID, d.WebhookID)
		changes := map[string]any{"last_delivery_at": gorm.Expr("now()")}
		switch {
		case d.Event == EventPing || d.Status == DeliverySkipped:
		case d.Status == DeliverySucceeded:
			changes["failed_deliveries"] = 0
		case final:
			changes["failed_deliveries"] = gorm.Expr("failed_deliveries + 1")
		}
		if err := hook.Updates(changes).Error; err != nil {
			return fmt.Errorf("updating webhook after delivery: %w", err)
		}
		if d.Status == DeliveryFailed && final && d.Event != EventPing {
			reason := fmt.Sprintf("Disabled after %d deliveries in a row failed every attempt. The last error: %s", WebhookDisableAfter, d.Error)
			res := tx.Model(&Webhook{}).
				Where("account_id = ? AND id = ? AND disabled_at IS NULL AND failed_deliveries >= ?", d.AccountID, d.WebhookID, WebhookDisableAfter).
				Updates(map[string]any{"disabled_at": gorm.Expr("now()"), "disabled_reason": reason})
			if res.Error != nil {
				return fmt.Errorf("disabling webhook: %w", res.Error)
			}
			disabled = res.RowsAffected > 0
		}
		err := tx.Exec(`DELETE FROM webhook_deliveries WHERE id IN (
				SELECT id FROM webhook_deliveries WHERE account_id = ? AND webhook_id = ?
				ORDER BY created_at DESC, id DESC OFFSET ?)`, d.AccountID, d.WebhookID, keptWebhookAttempts).Error
		if err != nil {
			return fmt.Errorf("trimming webhook deliveries: %w", err)
		}
		return nil
	})
	return disabled, err
}
