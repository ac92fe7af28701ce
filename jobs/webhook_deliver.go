package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/models/textclip"
)

// WebhookDeliverArgs delivers one event to one webhook. DeliveryID is the
// same for every attempt, and is sent as Flowbatch-Delivery so receivers can
// drop repeats. BatchID is nil for a ping.
type WebhookDeliverArgs struct {
	AccountID  uuid.UUID  `json:"account_id"`
	WebhookID  uuid.UUID  `json:"webhook_id"`
	DeliveryID uuid.UUID  `json:"delivery_id"`
	Event      string     `json:"event"`
	BatchID    *uuid.UUID `json:"batch_id,omitempty"`
}

// Kind names the job.
func (WebhookDeliverArgs) Kind() string { return "webhook_deliver" }

// InsertOpts puts deliveries in their own queue, so slow endpoints never
// hold the workers that process batches, and bounds their attempts.
func (WebhookDeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: webhookQueue, MaxAttempts: len(DefaultWebhookRetryDelays) + 1}
}

// webhookQueue is the River queue of webhook deliveries, worked by
// webhookWorkers at a time in every process that works jobs.
const (
	webhookQueue   = "webhooks"
	webhookWorkers = 8
)

// DefaultWebhookRetryDelays are the waits after each failed attempt of a
// delivery: 10 attempts over about 11 hours. Deps.WebhookRetryDelays
// replaces them (tests); the delivery ends after len(delays)+1 attempts.
var DefaultWebhookRetryDelays = []time.Duration{
	30 * time.Second, 2 * time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour,
}

// maxDeliveryError bounds the error text kept in the delivery log.
const maxDeliveryError = 500

// WebhookDeliverWorker sends a webhook's event and records each attempt in
// the delivery log.
type WebhookDeliverWorker struct {
	river.WorkerDefaults[WebhookDeliverArgs]
	Deps
	client *http.Client
}

func newWebhookDeliverWorker(d Deps) *WebhookDeliverWorker {
	return &WebhookDeliverWorker{Deps: d, client: newWebhookHTTPClient(d.WebhookAllowPrivate)}
}

// Timeout covers the request's own 10 s, loading the batch and recording
// the attempt.
func (w *WebhookDeliverWorker) Timeout(*river.Job[WebhookDeliverArgs]) time.Duration {
	return 30 * time.Second
}

func (w *WebhookDeliverWorker) delays() []time.Duration {
	if w.WebhookRetryDelays != nil {
		return w.WebhookRetryDelays
	}
	return DefaultWebhookRetryDelays
}

// retryDelay is the wait after failed attempt number attempt (from 1).
func (w *WebhookDeliverWorker) retryDelay(attempt int) time.Duration {
	d := w.delays()
	return d[min(max(attempt, 1), len(d))-1]
}

// NextRetry schedules the next attempt by the delivery schedule.
func (w *WebhookDeliverWorker) NextRetry(job *river.Job[WebhookDeliverArgs]) time.Time {
	return time.Now().Add(w.retryDelay(job.Attempt))
}

// Work makes one attempt. A deleted webhook drops the delivery silently; a
// disabled one, or a deleted batch, records a skipped attempt. A ping is
// tried once; other events until the schedule is used up. A refused address
// ends the delivery at once: retrying cannot change the setting.
func (w *WebhookDeliverWorker) Work(ctx context.Context, job *river.Job[WebhookDeliverArgs]) error {
	a := job.Args
	hook, err := models.WebhookByID(ctx, w.DB, a.AccountID, a.WebhookID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	d := &models.WebhookDelivery{AccountID: a.AccountID, WebhookID: a.WebhookID, DeliveryID: a.DeliveryID,
		Event: a.Event, BatchID: a.BatchID, Attempt: job.Attempt}
	if !hook.Enabled() && a.Event != models.EventPing {
		d.Status, d.Error = models.DeliverySkipped, "The webhook was disabled before this delivery was sent."
		return w.record(ctx, hook, d, true)
	}
	body, err := w.body(ctx, a)
	if errors.Is(err, models.ErrNotFound) {
		d.Status, d.Error = models.DeliverySkipped, "The batch was deleted before this delivery was sent."
		return w.record(ctx, hook, d, true)
	}
	if err != nil {
		return err
	}

	sendErr := w.send(ctx, hook, a, body, d)
	if sendErr != nil && ctx.Err() != nil {
		// This process stopped the attempt (shutdown, job timeout), not the
		// endpoint: nothing to log against it.
		return sendErr
	}
	var refused *RefusedAddressError
	final := a.Event == models.EventPing || job.Attempt > len(w.delays()) || errors.As(sendErr, &refused)
	if sendErr == nil {
		d.Status = models.DeliverySucceeded
	} else {
		d.Status, d.Error = models.DeliveryFailed, textclip.Clip(sendErr.Error(), maxDeliveryError)
		if !final {
			next := time.Now().Add(w.retryDelay(job.Attempt))
			d.NextRetryAt = &next
		}
	}
	if err := w.record(ctx, hook, d, final); err != nil {
		return err
	}
	switch {
	case sendErr == nil:
		return nil
	case final:
		return river.JobCancel(sendErr)
	}
	return sendErr
}

func (w *WebhookDeliverWorker) record(ctx context.Context, hook *models.Webhook, d *models.WebhookDelivery, final bool) error {
	disabled, err := models.RecordWebhookAttempt(context.WithoutCancel(ctx), w.DB, d, final)
	if err != nil {
		return err
	}
	if disabled {
		w.Log.Warn("disabled a webhook after failed deliveries", "webhook_id", hook.ID, "account_id", hook.AccountID,
			"failed_deliveries", models.WebhookDisableAfter, "error", d.Error)
	}
	return nil
}

// webhookPing is the body of a test delivery.
type webhookPing struct {
	Event      string    `json:"event"`
	WebhookID  uuid.UUID `json:"webhook_id"`
	DeliveryID uuid.UUID `json:"delivery_id"`
	SentAt     time.Time `json:"sent_at"`
}

// body is what a delivery sends: the batch document as the batch is stored
// now (an ended batch no longer changes), or the ping document.
func (w *WebhookDeliverWorker) body(ctx context.Context, a WebhookDeliverArgs) ([]byte, error) {
	if a.BatchID == nil {
		return json.Marshal(webhookPing{Event: models.EventPing, WebhookID: a.WebhookID, DeliveryID: a.DeliveryID, SentAt: time.Now().UTC()})
	}
	b, err := models.BatchByID(ctx, w.DB, a.AccountID, *a.BatchID)
	if err != nil {
		return nil, err
	}
	files, err := models.FilesOfBatches(ctx, w.DB, a.AccountID, []uuid.UUID{b.ID})
	if err != nil {
		return nil, err
	}
	groups, err := models.BatchErrorGroups(ctx, w.DB, a.AccountID, []uuid.UUID{b.ID}, models.ErrorSummaryGroups)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(models.NewBatchDocument(b, files[b.ID], w.BaseURL, time.Now()).WithErrorSummary(groups[b.ID]))
	if err != nil {
		return nil, fmt.Errorf("encoding batch %s: %w", b.ID, err)
	}
	return body, nil
}

// send posts body to the webhook, signed, and fills in d's response code
// and duration. Any answer but 2xx is an error.
func (w *WebhookDeliverWorker) send(ctx context.Context, hook *models.Webhook, a WebhookDeliverArgs, body []byte, d *models.WebhookDelivery) error {
	ts := time.Now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Flowbatch-Webhooks/1")
	req.Header.Set("Flowbatch-Event", a.Event)
	req.Header.Set("Flowbatch-Delivery", a.DeliveryID.String())
	req.Header.Set("Flowbatch-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("Flowbatch-Signature", SignWebhook(hook.Secret, ts, body))
	start := time.Now()
	res, err := w.client.Do(req)
	defer func() { d.DurationMS = int(time.Since(start).Milliseconds()) }()
	if err != nil {
		msg, known := describeSendError(err)
		if !known {
			w.Log.Warn("webhook request failed", "webhook_id", hook.ID, "delivery_id", a.DeliveryID, "error", err)
		}
		return &deliveryError{msg: msg, err: err}
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, webhookResponseLimit))
	d.ResponseCode = &res.StatusCode
	switch {
	case res.StatusCode >= 300 && res.StatusCode < 400:
		return &deliveryError{msg: fmt.Sprintf("The endpoint answered %d, a redirect to %q; webhooks do not follow redirects.", res.StatusCode, res.Header.Get("Location"))}
	case res.StatusCode < 200 || res.StatusCode >= 300:
		return &deliveryError{msg: fmt.Sprintf("The endpoint answered %d.", res.StatusCode)}
	}
	return nil
}

// deliveryError is a failed attempt: msg is the sentence for the delivery
// log, err the transport's error when there was one.
type deliveryError struct {
	msg string
	err error
}

func (e *deliveryError) Error() string { return e.msg }

func (e *deliveryError) Unwrap() error { return e.err }

// webhooksSQL finds the enabled webhooks of an account ($1) that subscribe
// to an event ($2).
const webhooksSQL = `SELECT id FROM webhooks
	WHERE account_id = $1 AND disabled_at IS NULL AND events @> jsonb_build_array($2::text)`

// queueWebhooksTx queues one delivery of b's end event (see
// models.BatchEndEvent) per webhook in hooks (webhooksSQL's), in tx: the
// transaction that ends the batch, so a delivery exists exactly when the
// batch has ended. The River client comes from ctx (a worker's context).
func queueWebhooksTx(ctx context.Context, tx pgx.Tx, b *models.Batch, event string, hooks []uuid.UUID) error {
	if len(hooks) == 0 {
		return nil
	}
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return fmt.Errorf("queueing webhooks of batch %s: %w", b.ID, err)
	}
	params := make([]river.InsertManyParams, 0, len(hooks))
	for _, id := range hooks {
		params = append(params, river.InsertManyParams{Args: WebhookDeliverArgs{
			AccountID: b.AccountID, WebhookID: id, DeliveryID: uuid.New(), Event: event, BatchID: &b.ID,
		}})
	}
	if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("queueing webhooks of batch %s: %w", b.ID, err)
	}
	return nil
}

// SendWebhookTest queues a ping to a webhook of an account (enabled or
// not), through the same job as real deliveries, and returns its delivery ID.
func SendWebhookTest(ctx context.Context, client *Client, hook *models.Webhook) (uuid.UUID, error) {
	id := uuid.New()
	_, err := client.Insert(ctx, WebhookDeliverArgs{AccountID: hook.AccountID, WebhookID: hook.ID, DeliveryID: id, Event: models.EventPing}, nil)
	if err != nil {
		return uuid.Nil, fmt.Errorf("queueing a test of webhook %s: %w", hook.ID, err)
	}
	return id, nil
}
