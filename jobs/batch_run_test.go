package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

func TestRunBatchQueuesOneJobAndNotifies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, 3, ingesttest.Options{}))

	conn, err := tb.db.Pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, "LISTEN "+models.BatchEventsChannel)
	require.NoError(t, err)

	got, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)
	require.Equal(t, models.StatusReady, got.Status)
	require.NotNil(t, got.ReadyAt)
	require.Equal(t, models.StatusReady, tb.batch(t, b.ID).Status)
	require.Equal(t, 1, tb.count(t, "SELECT count(*) FROM river_job WHERE kind = 'process_batch' AND args->>'batch_id' = $1", b.ID.String()))

	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	n, err := conn.Conn().WaitForNotification(waitCtx)
	require.NoError(t, err)
	ev, err := models.ParseBatchEvent(n.Payload)
	require.NoError(t, err)
	require.Equal(t, models.BatchEvent{AccountID: tb.account.ID, BatchID: b.ID, Status: models.StatusReady}, ev)

	_, err = jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	var notAllowed *models.NotAllowedError
	require.ErrorAs(t, err, &notAllowed)
	require.Equal(t, models.NotAllowedError{Action: models.ActionRun, Status: models.StatusReady}, *notAllowed)
	require.Equal(t, 1, tb.count(t, "SELECT count(*) FROM river_job"))
}

func TestRunBatchConcurrentlyQueuesOneJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	b := tb.newBatch(t, tb.newInterface(t, models.FormatCSV), payload(t, models.FormatCSV, 3, ingesttest.Options{}))

	const callers = 8
	errs := make([]error, callers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range callers {
		wg.Go(func() {
			<-start
			_, errs[i] = jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
		})
	}
	close(start)
	wg.Wait()

	succeeded := 0
	for _, err := range errs {
		if err == nil {
			succeeded++
			continue
		}
		var notAllowed *models.NotAllowedError
		require.ErrorAs(t, err, &notAllowed)
	}
	require.Equal(t, 1, succeeded)
	require.Equal(t, 1, tb.count(t, "SELECT count(*) FROM river_job WHERE kind = 'process_batch'"))
}

func TestRunBatchNamesWhatIsMissing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)

	t.Run("nothing", func(t *testing.T) {
		b := &models.Batch{AccountID: tb.account.ID, Name: "Empty", Format: models.FormatJSON, Source: models.SourceUI}
		require.NoError(t, models.CreateBatch(ctx, tb.gdb, b))
		_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
		var incomplete *models.IncompleteError
		require.ErrorAs(t, err, &incomplete)
		require.Equal(t, []string{jobs.MissingInterface, jobs.MissingFlow, jobs.MissingInput}, incomplete.Missing)
		require.Equal(t, models.StatusDraft, tb.batch(t, b.ID).Status)
	})
	t.Run("interface without the batch scope", func(t *testing.T) {
		b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON, models.ScopeAPI), []byte(`[{}]`))
		_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
		var incomplete *models.IncompleteError
		require.ErrorAs(t, err, &incomplete)
		require.Equal(t, []string{jobs.MissingInterface}, incomplete.Missing)
	})
	t.Run("interface of another format", func(t *testing.T) {
		b := tb.newBatch(t, tb.newInterface(t, models.FormatXML), []byte(`<a/>`))
		require.NoError(t, tb.gdb.Model(b).Update("format", models.FormatCSV).Error)
		_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
		var incomplete *models.IncompleteError
		require.ErrorAs(t, err, &incomplete)
		require.Equal(t, []string{jobs.MissingInterface}, incomplete.Missing)
	})
	t.Run("archived interface, no input", func(t *testing.T) {
		iface := tb.newInterface(t, models.FormatJSON)
		require.NoError(t, tb.gdb.Model(iface).Update("archived_at", time.Now()).Error)
		b := tb.newBatch(t, iface, nil)
		_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
		var incomplete *models.IncompleteError
		require.ErrorAs(t, err, &incomplete)
		require.Equal(t, []string{jobs.MissingInterface, jobs.MissingInput}, incomplete.Missing)
	})
	t.Run("output named like the process log", func(t *testing.T) {
		b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), []byte(`[{}]`))
		require.NoError(t, tb.gdb.Model(b).Update("output_name", "process.log").Error)
		_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
		var incomplete *models.IncompleteError
		require.ErrorAs(t, err, &incomplete)
		require.Equal(t, []string{jobs.MissingDistinctNames}, incomplete.Missing)
	})
	require.Equal(t, 0, tb.count(t, "SELECT count(*) FROM river_job"))
}

func TestRunBatchOfAnotherAccountIsNotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), []byte(`[{}]`))
	other := &models.Account{Name: "Other"}
	require.NoError(t, tb.gdb.Create(other).Error)

	_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, other.ID, b.ID)
	require.ErrorIs(t, err, models.ErrNotFound)
	_, err = jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, uuid.New())
	require.ErrorIs(t, err, models.ErrNotFound)
	_, err = jobs.CancelBatch(ctx, tb.deps, other.ID, b.ID)
	require.ErrorIs(t, err, models.ErrNotFound)
	require.Equal(t, models.StatusDraft, tb.batch(t, b.ID).Status)
}

func TestCancelBatchOnlyWhileReadyOrProcessing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), []byte(`[{}]`))

	for _, s := range []models.Status{models.StatusDraft, models.StatusFinished, models.StatusError} {
		require.NoError(t, tb.gdb.Model(b).Update("status", s).Error)
		_, err := jobs.CancelBatch(ctx, tb.deps, tb.account.ID, b.ID)
		var notAllowed *models.NotAllowedError
		require.ErrorAs(t, err, &notAllowed, s)
		require.Equal(t, models.NotAllowedError{Action: models.ActionCancel, Status: s}, *notAllowed)
		require.Nil(t, tb.batch(t, b.ID).CancelRequestedAt)
	}

	require.NoError(t, tb.gdb.Model(b).Update("status", models.StatusProcessing).Error)
	got, err := jobs.CancelBatch(ctx, tb.deps, tb.account.ID, b.ID)
	require.NoError(t, err)
	require.NotNil(t, got.CancelRequestedAt)
	first := *tb.batch(t, b.ID).CancelRequestedAt
	_, err = jobs.CancelBatch(ctx, tb.deps, tb.account.ID, b.ID)
	require.NoError(t, err, "cancelling twice is fine")
	require.True(t, first.Equal(*tb.batch(t, b.ID).CancelRequestedAt), "the first request time is kept")
}

// A READY batch has no worker to stop: Cancel ends it at once, with its
// files, and its job, when a worker takes it later, leaves it as it is.
func TestCancelReadyBatchEndsItWithoutAWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), []byte(`[{"external_id":"a"}]`))
	_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)

	got, err := jobs.CancelBatch(ctx, tb.deps, tb.account.ID, b.ID)
	require.NoError(t, err)
	require.Equal(t, models.StatusError, got.Status)
	require.Equal(t, models.CancelledMessage, got.ErrorMessage)
	require.Equal(t, models.OutcomeCancelled, got.Outcome())
	require.NotNil(t, got.FinishedAt)
	require.NotNil(t, got.CancelRequestedAt)
	_, content, ok := tb.file(t, got, models.KindError)
	require.True(t, ok, "error.log says why the batch ended")
	lines := ndjson[errorLine](t, content)
	require.Equal(t, models.CancelledMessage, lines[len(lines)-1].Message)

	var notAllowed *models.NotAllowedError
	_, err = jobs.CancelBatch(ctx, tb.deps, tb.account.ID, b.ID)
	require.ErrorAs(t, err, &notAllowed, "an ended batch cannot be cancelled again")

	tb.startWorkers(t, 100)
	require.Eventually(t, func() bool {
		return tb.count(t, "SELECT count(*) FROM river_job WHERE kind = 'process_batch' AND state = 'completed'") == 1
	}, 30*time.Second, 20*time.Millisecond, "the job runs and completes")
	after := tb.batch(t, b.ID)
	require.Equal(t, models.StatusError, after.Status)
	require.Equal(t, models.CancelledMessage, after.ErrorMessage)
	require.Nil(t, after.StartedAt, "no worker took the ended batch")
	require.Zero(t, tb.count(t, "SELECT count(*) FROM records WHERE batch_id = $1", b.ID))
}
