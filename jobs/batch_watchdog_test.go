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
	"github.com/flowbatch/flowbatch/models"
)

func TestBatchWatchdogEndsOnlyBatchesWithoutALiveJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	iface := tb.newInterface(t, models.FormatJSON)
	queued := func(name string) *models.Batch {
		b := tb.newBatch(t, iface, []byte(`[{"external_id": "`+name+`"}]`))
		_, err := jobs.RunBatch(ctx, tb.db.Pool, tb.client, tb.account.ID, b.ID)
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
	for _, b := range []*models.Batch{discarded, cancelled} {
		got := tb.batch(t, b.ID)
		require.Equal(t, models.StatusError, got.Status, b.Name)
		require.Equal(t, jobs.OrphanedBatchMessage, got.ErrorMessage)
		require.NotNil(t, got.FinishedAt)
		_, content, ok := tb.file(t, got, models.KindError)
		require.True(t, ok, "error.log of %s", b.Name)
		require.Equal(t, []errorLine{{Index: got.ProcessedCount, Message: jobs.OrphanedBatchMessage}}, ndjson[errorLine](t, content))
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
