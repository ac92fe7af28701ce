package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

func TestBatchWatchdogEndsOnlyBatchesWithoutALiveJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	iface := tb.newInterface(t, models.FormatJSON)
	queued := func(name string) *models.Batch {
		b := tb.newBatch(t, iface, []byte(`[{"external_id": "`+name+`"}]`))
		_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
		require.NoError(t, err)
		return b
	}
	setJob := func(b *models.Batch, state string) {
		_, err := tb.db.Pool.Exec(ctx, `UPDATE river_job SET state = $2::river_job_state, finalized_at = CASE WHEN $2::text IN ('discarded', 'cancelled') THEN now() END
			WHERE kind = 'process_batch' AND args->>'batch_id' = $1::text`, b.ID, state)
		require.NoError(t, err)
	}

	ready := queued("ready") // READY with its job available: left alone
	running := queued("running")
	setJob(running, "running")
	require.NoError(t, tb.gdb.Model(running).Update("status", models.StatusProcessing).Error)
	discarded := queued("discarded") // the rescuer gave up on its dead worker
	setJob(discarded, "discarded")
	require.NoError(t, tb.gdb.Model(discarded).Updates(map[string]any{"status": models.StatusProcessing, "processed_count": 1}).Error)
	cancelled := queued("cancelled") // cancelled by an operator before it ran
	setJob(cancelled, "cancelled")
	draft := tb.newBatch(t, iface, []byte(`[]`))

	worker := &jobs.BatchWatchdogWorker{Pool: tb.db.Pool, Store: tb.store, Log: testLogger()}
	tw := rivertest.NewWorker(t, riverpgxv5.New(tb.db.Pool), nil, worker)
	tx, err := tb.db.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	_, err = tw.Work(ctx, t, tx, jobs.BatchWatchdogArgs{}, nil)
	require.NoError(t, err)

	require.Equal(t, models.StatusReady, tb.batch(t, ready.ID).Status)
	require.Equal(t, models.StatusProcessing, tb.batch(t, running.ID).Status)
	require.Equal(t, models.StatusDraft, tb.batch(t, draft.ID).Status)
	// A job an operator cancelled (the job dashboard) cancels its batch.
	for b, msg := range map[*models.Batch]string{discarded: jobs.OrphanedBatchMessage, cancelled: models.CancelledMessage} {
		got := tb.batch(t, b.ID)
		require.Equal(t, models.StatusError, got.Status, b.Name)
		require.Equal(t, msg, got.ErrorMessage)
		require.NotNil(t, got.FinishedAt)
		_, content, ok := tb.file(t, got, models.KindError)
		require.True(t, ok, "error.log of %s", b.Name)
		require.Equal(t, []errorLine{{Index: got.ProcessedCount, Message: msg}}, ndjson[errorLine](t, content))
	}
	tb.results(t, tb.batch(t, cancelled.ID)) // no record done: output.json and process.log of none
	require.EqualValues(t, 1, tb.batch(t, discarded.ID).ProcessedCount, "progress is kept")
}

// stubTime is a clock a test moves.
type stubTime struct{ now time.Time }

func (s *stubTime) Now() time.Time       { return s.now }
func (s *stubTime) NowOrNil() *time.Time { return &s.now }

func TestBatchWatchdogRunsOneAtATime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	clock := &stubTime{now: time.Now()}
	client, err := river.NewClient(riverpgxv5.New(tb.db.Pool), &river.Config{Test: river.TestConfig{Time: clock}})
	require.NoError(t, err)

	first, err := client.Insert(ctx, jobs.BatchWatchdogArgs{}, nil)
	require.NoError(t, err)
	require.False(t, first.UniqueSkippedAsDuplicate)
	// It is still running (a database under strain) when the periodic
	// enqueuer's next runs come.
	_, err = tb.db.Pool.Exec(ctx, "UPDATE river_job SET state = 'running', attempted_at = now(), attempt = 1 WHERE id = $1", first.Job.ID)
	require.NoError(t, err)
	for range 3 {
		clock.now = clock.now.Add(time.Minute)
		next, err := client.Insert(ctx, jobs.BatchWatchdogArgs{}, nil)
		require.NoError(t, err)
		require.True(t, next.UniqueSkippedAsDuplicate)
	}
	require.Equal(t, 1, tb.count(t, "SELECT count(*) FROM river_job WHERE kind = 'batch_watchdog'"))
}

// TestCancellingARunningJobCancelsItsBatch cancels a batch's job as an
// operator does in the job dashboard, while a worker inserts its records: the
// batch ends ERROR "cancelled" with the files of what was done, like the
// report's Cancel, and the job ends cancelled.
func TestCancellingARunningJobCancelsItsBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	client := tb.startWorkers(t, 200)
	const n = 40000
	b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, n, ingesttest.Options{Seed: 5}))
	_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)
	tb.waitFor(t, b.ID, time.Minute, func(b *models.Batch) bool { return b.ProcessedCount > 0 })
	var jobID int64
	require.NoError(t, tb.db.Pool.QueryRow(ctx, "SELECT id FROM river_job WHERE kind = 'process_batch' AND args->>'batch_id' = $1", b.ID.String()).Scan(&jobID))
	_, err = client.JobCancel(ctx, jobID)
	require.NoError(t, err)

	// At once, not at the watchdog's next run a minute later.
	got := tb.waitFor(t, b.ID, 20*time.Second, func(b *models.Batch) bool { return b.Status == models.StatusError })
	require.Equal(t, models.CancelledMessage, got.ErrorMessage)
	require.Less(t, got.ProcessedCount, int64(n), "cancelled in the middle")
	require.Equal(t, int(got.ProcessedCount), tb.count(t, "SELECT count(*) FROM records WHERE batch_id = $1", b.ID), "the records done stay")
	_, content, ok := tb.file(t, got, models.KindError)
	require.True(t, ok)
	lines := ndjson[errorLine](t, content)
	require.Equal(t, errorLine{Index: got.ProcessedCount, Message: models.CancelledMessage}, lines[len(lines)-1])
	require.Len(t, tb.results(t, got), int(got.ProcessedCount), "output.json of the records done")
	require.Eventually(t, func() bool {
		job, err := client.JobGet(ctx, jobID)
		return err == nil && job.State == "cancelled"
	}, 30*time.Second, 20*time.Millisecond, "the job ends cancelled")
}
