package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

// smallChunks makes worker processes commit often, so that a test sees many
// chunk boundaries in a batch of moderate size.
const smallChunks = "FLOWBATCH_CHUNK_SIZE=1000"

// waitExit waits for cmd to exit and returns its error.
func waitExit(t *testing.T, cmd *exec.Cmd, timeout time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		require.FailNow(t, "the worker process did not exit")
		return nil
	}
}

// jobErrors returns the state of the batch's process_batch job and the
// number of errors (failed attempts) it has recorded.
func (tb *testBundle) jobErrors(t *testing.T, b *models.Batch) (state string, errs int) {
	t.Helper()
	require.NoError(t, tb.db.Pool.QueryRow(context.Background(), `SELECT state, coalesce(array_length(errors, 1), 0)
		FROM river_job WHERE kind = 'process_batch' AND args->>'batch_id' = $1`, b.ID.String()).Scan(&state, &errs))
	return state, errs
}

// jobCompleted waits until River has completed the process_batch job of
// batch b, which has ended (River completes a job once its attempt
// returns), and returns the number of errors it recorded.
func (tb *testBundle) jobCompleted(t *testing.T, b *models.Batch) (errs int) {
	t.Helper()
	require.Eventually(t, func() bool {
		var state string
		state, errs = tb.jobErrors(t, b)
		return state == "completed"
	}, 30*time.Second, 10*time.Millisecond, "the job of batch %s is completed", b.ID)
	return errs
}

// requireExactResults checks a FINISHED batch of n generated contacts:
// counts, one record per good index, and output.json naming exactly the
// batch's records in index order.
func (tb *testBundle) requireExactResults(t *testing.T, b *models.Batch, n int, opts ingesttest.Options) {
	t.Helper()
	require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
	bad := ingesttest.CountBad(n, opts)
	require.EqualValues(t, n, b.ProcessedCount)
	require.EqualValues(t, bad, b.FailedCount)
	require.EqualValues(t, n-bad, b.InsertedCount)
	require.Equal(t, n-bad, tb.count(t, "SELECT count(*) FROM records WHERE batch_id = $1", b.ID))
	require.Equal(t, n-bad, tb.count(t, "SELECT count(DISTINCT batch_index) FROM records WHERE batch_id = $1", b.ID))

	ids := tb.results(t, b)
	rows, err := tb.db.Pool.Query(context.Background(), "SELECT id, batch_index FROM records WHERE batch_id = $1 ORDER BY batch_index", b.ID)
	require.NoError(t, err)
	var want []*uuid.UUID
	next := 0
	for rows.Next() {
		var id uuid.UUID
		var index int
		require.NoError(t, rows.Scan(&id, &index))
		for ; next < index; next++ {
			want = append(want, nil)
		}
		want = append(want, &id)
		next++
	}
	require.NoError(t, rows.Err())
	for ; next < n; next++ {
		want = append(want, nil)
	}
	got, err := json.Marshal(ids)
	require.NoError(t, err)
	wantJSON, err := json.Marshal(want)
	require.NoError(t, err)
	require.JSONEq(t, string(wantJSON), string(got), "output.json names exactly the batch's records, in order")
	for i, id := range ids {
		require.Equal(t, ingesttest.IsBad(i, opts), id == nil, "index %d", i)
	}
}

// TestRollingRestartsSpendNoAttempt stops worker processes with SIGTERM, one
// after the other, while they process a batch: each finishes its chunks in
// flight and hands the batch back without spending an attempt, and the
// batch ends FINISHED with exact results.
func TestRollingRestartsSpendNoAttempt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	const n = 200000
	opts := ingesttest.Options{Seed: 13, BadEvery: 1000}
	b := tb.newBatch(t, tb.newInterface(t, models.FormatCSV), payload(t, models.FormatCSV, n, opts))
	_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)

	var seen int64
	for cycle := range 6 {
		worker := tb.startWorkerProcess(t, smallChunks)
		tb.waitFor(t, b.ID, 2*time.Minute, func(b *models.Batch) bool { return b.ProcessedCount > seen })
		require.NoError(t, worker.Process.Signal(syscall.SIGTERM))
		require.NoError(t, waitExit(t, worker, time.Minute), "a stopped worker exits cleanly")

		b = tb.batch(t, b.ID)
		require.Equal(t, models.StatusProcessing, b.Status, "cycle %d: stopped mid-batch", cycle)
		require.Less(t, b.ProcessedCount, int64(n), "cycle %d: stopped mid-batch", cycle)
		require.Zero(t, b.ProcessedCount%1000, "cycle %d: stopped at a chunk boundary", cycle)
		state, errs := tb.jobErrors(t, b)
		require.Equal(t, "available", state, "cycle %d: the job was handed back", cycle)
		require.Zero(t, errs, "cycle %d: no attempt failed", cycle)
		t.Logf("cycle %d: stopped at %d of %d records", cycle, b.ProcessedCount, n)
		seen = b.ProcessedCount
	}

	last := tb.startWorkerProcess(t, smallChunks)
	b = tb.waitFor(t, b.ID, 3*time.Minute, func(b *models.Batch) bool {
		return b.Status == models.StatusFinished || b.Status == models.StatusError
	})
	tb.requireExactResults(t, b, n, opts)
	require.Zero(t, tb.jobCompleted(t, b), "failed attempts")
	require.NoError(t, last.Process.Kill())
}

// rescueRunningJobs makes River take the running jobs of a stopped worker
// process as dead without waiting for RescueStuckJobsAfter and the leader's
// lease, as the kill -9 test does: the other worker's rescuer does the rest.
func (tb *testBundle) rescueRunningJobs(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	_, err := tb.db.Pool.Exec(ctx, "DELETE FROM river_leader")
	require.NoError(t, err)
	_, err = tb.db.Pool.Exec(ctx, "UPDATE river_job SET attempted_at = now() - interval '1 hour' WHERE state = 'running' AND kind = 'process_batch'")
	require.NoError(t, err)
}

// TestStalledWorkerCannotWriteOverItsSuccessor stops a worker process
// (SIGSTOP) mid-batch until River hands its job to another worker, then
// resumes it while the other is still processing: the stalled worker must
// write nothing the other's results are made of, and leave the job alone.
func TestStalledWorkerCannotWriteOverItsSuccessor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	const n = 200000
	opts := ingesttest.Options{Seed: 17, BadEvery: 500}
	b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, n, opts))
	_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)

	stalled := tb.startWorkerProcess(t, smallChunks)
	tb.waitFor(t, b.ID, 2*time.Minute, func(b *models.Batch) bool { return b.ProcessedCount > 0 })
	require.NoError(t, stalled.Process.Signal(syscall.SIGSTOP))
	stoppedAt := tb.batch(t, b.ID).ProcessedCount
	tb.rescueRunningJobs(t)

	successor := tb.startWorkerProcess(t, smallChunks)
	mid := tb.waitFor(t, b.ID, 3*time.Minute, func(b *models.Batch) bool { return b.ProcessedCount >= stoppedAt+5000 })
	require.Equal(t, models.StatusProcessing, mid.Status, "the successor is still at work")
	require.Less(t, mid.ProcessedCount, int64(n))
	t.Logf("stalled at %d, resumed with the successor at %d of %d", stoppedAt, mid.ProcessedCount, n)
	require.NoError(t, stalled.Process.Signal(syscall.SIGCONT))

	b = tb.waitFor(t, b.ID, 3*time.Minute, func(b *models.Batch) bool {
		return b.Status == models.StatusFinished || b.Status == models.StatusError
	})
	tb.requireExactResults(t, b, n, opts)
	tb.jobCompleted(t, b)
	require.NoError(t, successor.Process.Kill())
	require.NoError(t, stalled.Process.Kill())
}

// stopWhileHoldingTheBatchRow stops worker with SIGSTOP at a moment when its
// chunk transaction holds batch b's row lock (between saving progress and
// committing), trying at successive chunk commits.
func (tb *testBundle) stopWhileHoldingTheBatchRow(t *testing.T, worker *exec.Cmd, b *models.Batch) {
	t.Helper()
	ctx := context.Background()
	locked := func() bool {
		tx, err := tb.db.Pool.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx) //nolint:errcheck // read only
		_, err = tx.Exec(ctx, "SELECT 1 FROM batches WHERE id = $1 FOR UPDATE NOWAIT", b.ID)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "55P03" {
			return true
		}
		require.NoError(t, err)
		return false
	}
	progress := func() int64 {
		var p int64
		require.NoError(t, tb.db.Pool.QueryRow(ctx, "SELECT processed_count FROM batches WHERE id = $1", b.ID).Scan(&p))
		return p
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		// Right after a commit is seen, the next chunk (copied meanwhile on
		// the other connection) saves its progress and commits.
		for before := progress(); progress() == before; {
			require.True(t, time.Now().Before(deadline), "the worker made no progress")
		}
		require.NoError(t, worker.Process.Signal(syscall.SIGSTOP))
		if locked() {
			return
		}
		require.NoError(t, worker.Process.Signal(syscall.SIGCONT))
	}
	require.FailNow(t, "never caught the worker holding the batch row")
}

// TestStalledWorkerBlocksNobody stops a worker process while its chunk
// transaction holds the batch row: cancel answers at once, another worker
// processes new batches, the watchdog runs, and the stalled batch ends
// (cancelled) once River hands its job to the other worker.
func TestStalledWorkerBlocksNobody(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	iface := tb.newInterface(t, models.FormatCSV)
	const n = 300000
	b := tb.newBatch(t, iface, payload(t, models.FormatCSV, n, ingesttest.Options{Seed: 19}))
	_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)

	stalled := tb.startWorkerProcess(t, smallChunks)
	tb.waitFor(t, b.ID, 2*time.Minute, func(b *models.Batch) bool { return b.ProcessedCount > 0 })
	tb.stopWhileHoldingTheBatchRow(t, stalled, b)
	other := tb.startWorkerProcess(t, smallChunks)

	cancelCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, err := jobs.CancelBatch(cancelCtx, tb.deps, tb.account.ID, b.ID)
	require.NoError(t, err, "cancel does not wait for the stalled worker")
	require.NotNil(t, got.CancelRequestedAt)

	fresh := tb.run(t, tb.newBatch(t, iface, payload(t, models.FormatCSV, 3000, ingesttest.Options{Seed: 20})))
	require.Equal(t, models.StatusFinished, fresh.Status, fresh.ErrorMessage)
	require.EqualValues(t, 3000, fresh.InsertedCount)

	watchdogCtx, stop := context.WithTimeout(ctx, 20*time.Second)
	defer stop()
	tw := rivertest.NewWorker(t, riverpgxv5.New(tb.db.Pool), nil, &jobs.BatchWatchdogWorker{Pool: tb.db.Pool, Store: tb.store, Log: testLogger()})
	tx, err := tb.db.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck // the job row only
	_, err = tw.Work(watchdogCtx, t, tx, jobs.BatchWatchdogArgs{}, nil)
	require.NoError(t, err, "the watchdog does not wait for the stalled worker")
	require.Equal(t, models.StatusProcessing, tb.batch(t, b.ID).Status, "a batch with a live job is no orphan")

	tb.rescueRunningJobs(t)
	b = tb.waitFor(t, b.ID, 3*time.Minute, func(b *models.Batch) bool { return b.Status != models.StatusProcessing })
	require.Equal(t, models.StatusError, b.Status)
	require.Equal(t, "cancelled", b.ErrorMessage)
	require.Less(t, b.ProcessedCount, int64(n))
	require.EqualValues(t, b.ProcessedCount, tb.count(t, "SELECT count(*) FROM records WHERE batch_id = $1", b.ID))
	tb.results(t, b)
	_, content, ok := tb.file(t, b, models.KindError)
	require.True(t, ok)
	lines := ndjson[errorLine](t, content)
	require.Equal(t, errorLine{Index: b.ProcessedCount, Message: "cancelled"}, lines[len(lines)-1])

	require.NoError(t, stalled.Process.Signal(syscall.SIGCONT))
	require.NoError(t, other.Process.Kill())
	require.NoError(t, stalled.Process.Kill())
}
