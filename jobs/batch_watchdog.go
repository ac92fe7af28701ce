package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/models"
)

// BatchWatchdogArgs asks for batches left READY or PROCESSING without a live
// process_batch job to be ended ERROR. A job ends such a batch itself when it
// fails for good, but not when River gives up on it without running it again:
// the rescuer discards a job whose worker died on its last attempt, and a
// job can be cancelled or deleted by an operator. It runs every minute.
type BatchWatchdogArgs struct{}

// Kind names the job.
func (BatchWatchdogArgs) Kind() string { return "batch_watchdog" }

// InsertOpts keeps at most one watchdog queued or running at a time, so that
// runs that take long (a database under strain) never pile up.
func (BatchWatchdogArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

// watchdogInterval spaces the watchdog's runs.
const watchdogInterval = time.Minute

// OrphanedBatchMessage is the error message of a batch ended by the watchdog.
const OrphanedBatchMessage = "processing stopped: its job ended without finishing the batch; clone it to run it again"

// BatchWatchdogWorker ends orphaned batches.
type BatchWatchdogWorker struct {
	river.WorkerDefaults[BatchWatchdogArgs]
	Pool  *pgxpool.Pool
	Store *storage.Store
	Log   *slog.Logger
}

// Timeout bounds one run.
func (w *BatchWatchdogWorker) Timeout(*river.Job[BatchWatchdogArgs]) time.Duration {
	return 50 * time.Second
}

// Work ends every READY or PROCESSING batch that no process_batch job will
// work on again. RunBatch inserts a batch's job in the transaction that
// makes it READY, and a job completes in the transaction that ends its
// batch, so a batch without a live job can only be an orphan. The watchdog
// takes each orphan over as a slice would (a batch row locked by someone is
// skipped, not waited for: it is looked at again next minute), then ends it
// ERROR with its files: error.log with the reason, output.json and
// process.log of the records done.
func (w *BatchWatchdogWorker) Work(ctx context.Context, _ *river.Job[BatchWatchdogArgs]) error {
	tx, err := beginTx(ctx, w.Pool)
	if err != nil {
		return fmt.Errorf("checking for orphaned batches: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	rows, err := tx.Query(ctx, `UPDATE batches SET owner = gen_random_uuid()
		WHERE id IN (SELECT b.id FROM batches b WHERE b.status IN ('READY', 'PROCESSING') AND NOT EXISTS (
			SELECT 1 FROM river_job j WHERE j.kind = 'process_batch' AND j.args @> jsonb_build_object('batch_id', b.id)
				AND j.state IN ('available', 'pending', 'retryable', 'running', 'scheduled'))
			FOR NO KEY UPDATE SKIP LOCKED)
		RETURNING owner, EXISTS (SELECT 1 FROM river_job j WHERE j.kind = 'process_batch'
			AND j.args @> jsonb_build_object('batch_id', batches.id) AND j.state = 'cancelled'), `+batchColumns)
	if err != nil {
		return fmt.Errorf("finding orphaned batches: %w", err)
	}
	var orphans []*batchRun
	var cancelled []bool
	for rows.Next() {
		var owner uuid.UUID
		var jobCancelled bool
		b, err := scanBatch(&prefixRow{row: rows, first: []any{&owner, &jobCancelled}})
		if err != nil {
			rows.Close()
			return fmt.Errorf("finding orphaned batches: %w", err)
		}
		orphans = append(orphans, &batchRun{ProcessBatchWorker: &ProcessBatchWorker{Deps: Deps{Pool: w.Pool, Store: w.Store, Log: w.Log.With("batch_id", b.ID)}},
			batch: b, owner: owner, claimed: true})
		cancelled = append(cancelled, jobCancelled)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("finding orphaned batches: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("finding orphaned batches: %w", err)
	}
	var errs []error
	for i, r := range orphans {
		// An operator who cancelled the job (the job dashboard) cancelled the batch.
		msg := OrphanedBatchMessage
		if cancelled[i] {
			msg = models.CancelledMessage
		}
		if err := r.endWithError(ctx, msg, "owner = $3", r.owner); err != nil {
			errs = append(errs, err)
			continue
		}
		w.Log.Warn("ended a batch left without a job", "batch_id", r.batch.ID, "account_id", r.batch.AccountID, "processed", r.batch.ProcessedCount)
	}
	return errors.Join(errs...)
}

// prefixRow scans a row whose first columns go to first and the others to
// the Scan call's destinations.
type prefixRow struct {
	row   pgx.Row
	first []any
}

func (p *prefixRow) Scan(dest ...any) error {
	return p.row.Scan(append(append([]any{}, p.first...), dest...)...)
}
