package jobs_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/models"
)

// receivedHook is one request a test receiver got.
type receivedHook struct {
	header http.Header
	body   []byte
}

// hookReceiver is a webhook endpoint on 127.0.0.1 that answers with the
// statuses in answers, one per request (the last one repeats).
type hookReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	answers  []int
	location string
	got      []receivedHook
}

func newHookReceiver(t *testing.T, answers ...int) *hookReceiver {
	t.Helper()
	r := &hookReceiver{answers: answers}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, receivedHook{header: req.Header.Clone(), body: body})
		status := r.answers[min(len(r.got), len(r.answers))-1]
		r.mu.Unlock()
		if r.location != "" {
			w.Header().Set("Location", r.location)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) requests() []receivedHook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedHook(nil), r.got...)
}

// verify checks a request's signature the way a receiver does, from the
// documented scheme rather than with the sender's code.
func verify(t *testing.T, secret string, h receivedHook) {
	t.Helper()
	ts := h.header.Get("Flowbatch-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), time.Unix(sec, 0), 5*time.Minute, "a receiver refuses old timestamps")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(h.body)))
	want := "v1=" + hex.EncodeToString(mac.Sum(nil))
	require.True(t, hmac.Equal([]byte(want), []byte(h.header.Get("Flowbatch-Signature"))), "signature")
}

func (tb *testBundle) newWebhook(t *testing.T, url string, events ...string) *models.Webhook {
	t.Helper()
	if len(events) == 0 {
		events = models.WebhookEventNames
	}
	w := &models.Webhook{AccountID: tb.account.ID, URL: url, Events: events}
	require.NoError(t, models.CreateWebhook(context.Background(), tb.gdb, w, true))
	return w
}

// ended stores a batch that ended in status with msg, as the engine leaves it.
func (tb *testBundle) ended(t *testing.T, status models.Status, msg string) *models.Batch {
	t.Helper()
	iface := tb.newInterface(t, models.FormatJSON)
	b := tb.newBatch(t, iface, nil)
	now := time.Now()
	require.NoError(t, tb.gdb.Model(b).Updates(map[string]any{"status": status, "error_message": msg, "ready_at": now, "started_at": now, "finished_at": now}).Error)
	return tb.batch(t, b.ID)
}

func (tb *testBundle) deliveries(t *testing.T, hook *models.Webhook) []models.WebhookDelivery {
	t.Helper()
	d, err := models.ListWebhookDeliveries(context.Background(), tb.gdb, tb.account.ID, hook.ID, 100)
	require.NoError(t, err)
	return d
}

// waitDeliveries polls the webhook's log until it has n attempts, oldest first.
func (tb *testBundle) waitDeliveries(t *testing.T, hook *models.Webhook, n int) []models.WebhookDelivery {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if d := tb.deliveries(t, hook); len(d) >= n {
			require.Len(t, d, n)
			for i, j := 0, len(d)-1; i < j; i, j = i+1, j-1 {
				d[i], d[j] = d[j], d[i]
			}
			return d
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.FailNowf(t, "delivery log incomplete", "want %d attempts, have %+v", n, tb.deliveries(t, hook))
	return nil
}

func (tb *testBundle) deliver(t *testing.T, hook *models.Webhook, event string, batchID *uuid.UUID) uuid.UUID {
	t.Helper()
	id := uuid.New()
	_, err := tb.client.Insert(context.Background(), jobs.WebhookDeliverArgs{AccountID: tb.account.ID, WebhookID: hook.ID,
		DeliveryID: id, Event: event, BatchID: batchID}, nil)
	require.NoError(t, err)
	return id
}

func TestWebhookDeliversTheSignedBatchDocumentWhenABatchFinishes(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.deps.WebhookAllowPrivate = true
	tb.deps.BaseURL = "https://flowbatch.example"
	recv := newHookReceiver(t, http.StatusNoContent)
	hook := tb.newWebhook(t, recv.URL+"/hooks?source=flowbatch", models.EventBatchFinished)
	other := tb.newWebhook(t, recv.URL+"/failed-only", models.EventBatchFailed)
	tb.startWorkers(t, 0)

	iface := tb.newInterface(t, models.FormatJSON)
	b := tb.run(t, tb.newBatch(t, iface, []byte(`[{"external_id": "a1", "email": "ann@example.com"}]`)))
	require.Equal(t, models.StatusFinished, b.Status)

	log := tb.waitDeliveries(t, hook, 1)
	require.Equal(t, models.DeliverySucceeded, log[0].Status)
	require.Equal(t, http.StatusNoContent, *log[0].ResponseCode)
	require.Equal(t, 1, log[0].Attempt)
	require.Nil(t, log[0].NextRetryAt)
	require.Equal(t, b.ID, *log[0].BatchID)

	got := recv.requests()
	require.Len(t, got, 1)
	verify(t, hook.Secret, got[0])
	require.Equal(t, "batch.finished", got[0].header.Get("Flowbatch-Event"))
	require.Equal(t, log[0].DeliveryID.String(), got[0].header.Get("Flowbatch-Delivery"))
	require.Equal(t, "application/json", got[0].header.Get("Content-Type"))
	var doc models.BatchDocument
	require.NoError(t, json.Unmarshal(got[0].body, &doc))
	require.Equal(t, b.ID, doc.ID)
	require.Equal(t, models.StatusFinished, doc.Status)
	require.Equal(t, "https://flowbatch.example/api/v1/batches/"+b.ID.String(), doc.URL)
	require.EqualValues(t, 1, doc.Counts.Inserted)
	require.NotEmpty(t, doc.Files, "the files registered in the finishing transaction are in the body")

	require.Empty(t, tb.deliveries(t, other), "a webhook without batch.finished gets nothing")
}

func TestWebhookRetriesAfterServerErrors(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.deps.WebhookAllowPrivate = true
	tb.deps.WebhookRetryDelays = []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}
	recv := newHookReceiver(t, 500, 503, 200)
	hook := tb.newWebhook(t, recv.URL)
	b := tb.ended(t, models.StatusError, "cancelled")
	tb.startWorkers(t, 0)
	tb.deliver(t, hook, models.EventBatchCancelled, &b.ID)

	log := tb.waitDeliveries(t, hook, 3)
	for i, want := range []int{500, 503} {
		require.Equal(t, models.DeliveryFailed, log[i].Status)
		require.Equal(t, want, *log[i].ResponseCode)
		require.Equal(t, i+1, log[i].Attempt)
		require.NotNil(t, log[i].NextRetryAt, "a failed attempt with attempts left says when the next comes")
		require.Contains(t, log[i].Error, strconv.Itoa(want))
	}
	require.Equal(t, models.DeliverySucceeded, log[2].Status)
	require.Nil(t, log[2].NextRetryAt)

	got := recv.requests()
	require.Len(t, got, 3)
	for _, h := range got {
		verify(t, hook.Secret, h)
		require.Equal(t, got[0].header.Get("Flowbatch-Delivery"), h.header.Get("Flowbatch-Delivery"), "one delivery, retried")
		require.Equal(t, "batch.cancelled", h.header.Get("Flowbatch-Event"))
	}
	hook, err := models.WebhookByID(context.Background(), tb.gdb, tb.account.ID, hook.ID)
	require.NoError(t, err)
	require.True(t, hook.Enabled())
	require.Zero(t, hook.FailedDeliveries)
}

func TestWebhookIsDisabledAfterDeliveriesFailEveryAttempt(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.deps.WebhookAllowPrivate = true
	tb.deps.WebhookRetryDelays = []time.Duration{time.Millisecond}
	recv := newHookReceiver(t, 500)
	hook := tb.newWebhook(t, recv.URL)
	b := tb.ended(t, models.StatusError, "the payload is not valid JSON")
	tb.startWorkers(t, 0)
	for range models.WebhookDisableAfter {
		tb.deliver(t, hook, models.EventBatchFailed, &b.ID)
	}

	log := tb.waitDeliveries(t, hook, 2*models.WebhookDisableAfter)
	last := 0
	for _, d := range log {
		require.Equal(t, models.DeliveryFailed, d.Status)
		if d.Attempt == 2 {
			last++
			require.Nil(t, d.NextRetryAt, "the last attempt schedules nothing")
		}
	}
	require.Equal(t, models.WebhookDisableAfter, last)
	hook, err := models.WebhookByID(context.Background(), tb.gdb, tb.account.ID, hook.ID)
	require.NoError(t, err)
	require.False(t, hook.Enabled())
	require.Contains(t, hook.DisabledReason, "500")

	// A delivery queued before the webhook was disabled sends nothing.
	tb.deliver(t, hook, models.EventBatchFailed, &b.ID)
	log = tb.waitDeliveries(t, hook, 2*models.WebhookDisableAfter+1)
	require.Equal(t, models.DeliverySkipped, log[len(log)-1].Status)
	require.Len(t, recv.requests(), 2*models.WebhookDisableAfter)

	// Enabling it again clears the count.
	require.NoError(t, models.SetWebhookEnabled(context.Background(), tb.gdb, hook, true))
	require.True(t, hook.Enabled())
	require.Zero(t, hook.FailedDeliveries)
}

func TestWebhookRefusesLoopbackTargetsWithoutTheSetting(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.deps.WebhookRetryDelays = []time.Duration{time.Millisecond, time.Millisecond}
	recv := newHookReceiver(t, 200)
	port := recv.Listener.Addr().(*net.TCPAddr).Port
	byIP := tb.newWebhook(t, recv.URL)
	byName := tb.newWebhook(t, "http://localhost:"+strconv.Itoa(port)+"/")
	b := tb.ended(t, models.StatusFinished, "")
	tb.startWorkers(t, 0)
	tb.deliver(t, byIP, models.EventBatchFinished, &b.ID)
	tb.deliver(t, byName, models.EventPing, nil)

	for _, hook := range []*models.Webhook{byIP, byName} {
		log := tb.waitDeliveries(t, hook, 1)
		require.Equal(t, models.DeliveryFailed, log[0].Status)
		require.Contains(t, log[0].Error, "refused to connect to")
		require.Contains(t, log[0].Error, "a loopback address")
		require.Nil(t, log[0].ResponseCode)
		require.Nil(t, log[0].NextRetryAt, "a refused address is not retried")
	}
	deadline := time.Now().Add(10 * time.Second)
	for tb.count(t, `SELECT count(*) FROM river_job WHERE kind = 'webhook_deliver' AND state = 'cancelled' AND attempt = 1`) < 2 {
		require.True(t, time.Now().Before(deadline), "the deliveries end after one attempt")
		time.Sleep(20 * time.Millisecond)
	}
	require.Empty(t, recv.requests(), "the refusal comes before the connection")
}

func TestWebhookDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.deps.WebhookAllowPrivate = true
	target := newHookReceiver(t, 200)
	recv := newHookReceiver(t, http.StatusTemporaryRedirect)
	recv.location = target.URL + "/elsewhere"
	hook := tb.newWebhook(t, recv.URL)
	tb.startWorkers(t, 0)
	tb.deliver(t, hook, models.EventPing, nil)

	log := tb.waitDeliveries(t, hook, 1)
	require.Equal(t, models.DeliveryFailed, log[0].Status)
	require.Equal(t, http.StatusTemporaryRedirect, *log[0].ResponseCode)
	require.Contains(t, log[0].Error, "do not follow redirects")
	require.Len(t, recv.requests(), 1)
	require.Empty(t, target.requests())
}

func TestWebhookPingIsSignedAndTriedOnce(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.deps.WebhookAllowPrivate = true
	recv := newHookReceiver(t, 500)
	hook := tb.newWebhook(t, recv.URL)
	require.NoError(t, models.SetWebhookEnabled(context.Background(), tb.gdb, hook, false))
	tb.startWorkers(t, 0)
	id, err := jobs.SendWebhookTest(context.Background(), tb.client, hook)
	require.NoError(t, err)

	log := tb.waitDeliveries(t, hook, 1)
	require.Equal(t, id, log[0].DeliveryID)
	require.Equal(t, models.DeliveryFailed, log[0].Status, "a disabled webhook can be tested")
	require.Nil(t, log[0].NextRetryAt)
	got := recv.requests()
	require.Len(t, got, 1)
	verify(t, hook.Secret, got[0])
	var ping map[string]any
	require.NoError(t, json.Unmarshal(got[0].body, &ping))
	require.Equal(t, "ping", ping["event"])
	require.Equal(t, hook.ID.String(), ping["webhook_id"])
	hook, err = models.WebhookByID(context.Background(), tb.gdb, tb.account.ID, hook.ID)
	require.NoError(t, err)
	require.Zero(t, hook.FailedDeliveries, "tests do not count towards disabling")
}

func TestBatchEndQueuesDeliveriesOfItsEventInTheSameTransaction(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := rivertest.WorkContext(context.Background(), tb.client)
	finished := tb.newWebhook(t, "https://a.example/", models.EventBatchFinished)
	failed := tb.newWebhook(t, "https://b.example/", models.EventBatchFailed)
	cancelled := tb.newWebhook(t, "https://c.example/", models.EventBatchCancelled)
	all := tb.newWebhook(t, "https://d.example/")
	off := tb.newWebhook(t, "https://e.example/")
	require.NoError(t, models.SetWebhookEnabled(ctx, tb.gdb, off, false))
	stranger := &models.Account{Name: "Other"}
	require.NoError(t, tb.gdb.Create(stranger).Error)
	require.NoError(t, models.CreateWebhook(ctx, tb.gdb, &models.Webhook{AccountID: stranger.ID, URL: "https://f.example/", Events: models.WebhookEventNames}, false))

	end := func(status models.Status, msg string, commit bool) map[uuid.UUID]string {
		b := &models.Batch{ID: uuid.New(), AccountID: tb.account.ID, Status: status, ErrorMessage: msg}
		tx, err := tb.db.Pool.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		require.NoError(t, jobs.EndTx(ctx, tx, b))
		if commit {
			require.NoError(t, tx.Commit(ctx))
		} else {
			require.NoError(t, tx.Rollback(ctx))
		}
		rows, err := tb.db.Pool.Query(ctx, `SELECT args->>'webhook_id', args->>'event' FROM river_job
			WHERE kind = 'webhook_deliver' AND args->>'batch_id' = $1 AND queue = 'webhooks'`, b.ID.String())
		require.NoError(t, err)
		got := map[uuid.UUID]string{}
		for rows.Next() {
			var id uuid.UUID
			var event string
			require.NoError(t, rows.Scan(&id, &event))
			got[id] = event
		}
		require.NoError(t, rows.Err())
		return got
	}

	require.Empty(t, end(models.StatusFinished, "", false), "a rolled-back finish queues nothing")
	require.Equal(t, map[uuid.UUID]string{finished.ID: "batch.finished", all.ID: "batch.finished"}, end(models.StatusFinished, "", true))
	require.Equal(t, map[uuid.UUID]string{failed.ID: "batch.failed", all.ID: "batch.failed"}, end(models.StatusError, "processing failed after 25 attempts", true))
	require.Equal(t, map[uuid.UUID]string{cancelled.ID: "batch.cancelled", all.ID: "batch.cancelled"}, end(models.StatusError, "cancelled", true))
	require.Empty(t, end(models.StatusProcessing, "", true), "a batch that has not ended has no event")
}

func TestWebhookRetryScheduleSpansAtLeastAnHour(t *testing.T) {
	t.Parallel()
	var total time.Duration
	for _, d := range jobs.DefaultWebhookRetryDelays {
		total += d
	}
	attempts := len(jobs.DefaultWebhookRetryDelays) + 1
	require.GreaterOrEqual(t, attempts, 8)
	require.GreaterOrEqual(t, total, time.Hour)
	require.Equal(t, attempts, jobs.WebhookDeliverArgs{}.InsertOpts().MaxAttempts)
}

func TestWebhookLogsRefusedConnectionsAndSkipsDeletedBatches(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.deps.WebhookAllowPrivate = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String() + "/"
	require.NoError(t, ln.Close())
	recv := newHookReceiver(t, 200)
	down := tb.newWebhook(t, closed)
	hook := tb.newWebhook(t, recv.URL)
	b := tb.ended(t, models.StatusFinished, "")
	require.NoError(t, tb.gdb.Delete(b).Error)
	tb.startWorkers(t, 0)
	tb.deliver(t, down, models.EventPing, nil)
	tb.deliver(t, hook, models.EventBatchFinished, &b.ID)

	log := tb.waitDeliveries(t, down, 1)
	require.Equal(t, models.DeliveryFailed, log[0].Status)
	require.Equal(t, "The connection was refused: nothing listens at that address and port.", log[0].Error)
	log = tb.waitDeliveries(t, hook, 1)
	require.Equal(t, models.DeliverySkipped, log[0].Status)
	require.Contains(t, log[0].Error, "The batch was deleted")
	require.Empty(t, recv.requests())
}

func TestWebhookOfEveryWayABatchFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	tb.deps.WebhookAllowPrivate = true
	recv := newHookReceiver(t, 200)
	hook := tb.newWebhook(t, recv.URL, models.EventBatchFailed)

	// The watchdog ends a batch whose job is gone and queues its delivery.
	iface := tb.newInterface(t, models.FormatJSON)
	orphan := tb.newBatch(t, iface, []byte(`[{"external_id": "x"}]`))
	_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, orphan.ID)
	require.NoError(t, err)
	_, err = tb.db.Pool.Exec(ctx, `UPDATE river_job SET state = 'discarded', finalized_at = now() WHERE kind = 'process_batch'`)
	require.NoError(t, err)
	tw := rivertest.NewWorker(t, riverpgxv5.New(tb.db.Pool), nil, &jobs.BatchWatchdogWorker{Pool: tb.db.Pool, Store: tb.store, Log: testLogger()})
	tx, err := tb.db.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	_, err = tw.Work(ctx, t, tx, jobs.BatchWatchdogArgs{}, nil)
	require.NoError(t, err)
	require.Equal(t, models.StatusError, tb.batch(t, orphan.ID).Status)

	// A batch whose input is gone fails at its start (the worker's fail),
	// a broken payload when it is read (finish).
	noInput := tb.newBatch(t, iface, []byte(`[{"external_id": "y"}]`))
	_, err = jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, noInput.ID)
	require.NoError(t, err)
	_, err = tb.db.Pool.Exec(ctx, `DELETE FROM files WHERE batch_id = $1`, noInput.ID)
	require.NoError(t, err)
	tb.startWorkers(t, 0)
	broken := tb.run(t, tb.newBatch(t, iface, []byte(`[{"external_id": "a1",`)))
	require.Equal(t, models.StatusError, broken.Status)

	log := tb.waitDeliveries(t, hook, 3)
	delivered := map[uuid.UUID]string{}
	for _, d := range log {
		require.Equal(t, models.DeliverySucceeded, d.Status)
		delivered[*d.BatchID] = d.Event
	}
	require.Equal(t, map[uuid.UUID]string{orphan.ID: "batch.failed", noInput.ID: "batch.failed", broken.ID: "batch.failed"}, delivered)
	for _, h := range recv.requests() {
		var doc models.BatchDocument
		require.NoError(t, json.Unmarshal(h.body, &doc))
		require.Equal(t, models.StatusError, doc.Status)
		require.NotEmpty(t, doc.ErrorMessage)
	}
}
