package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

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

// InsertOpts keeps at most one watchdog queued per interval.
func (BatchWatchdogArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: watchdogInterval}}
}

// watchdogInterval spaces the watchdog's runs.
const watchdogInterval = time.Minute

// OrphanedBatchMessage is the error message of a batch ended by the watchdog.
const OrphanedBatchMessage = "processing stopped: its job ended without finishing the batch; clone it to run it again"

// BatchWatchdogWorker ends orphaned batches.
type BatchWatchdogWorker struct {
	river.WorkerDefaults[BatchWatchdogArgs]
	Pool *pgxpool.Pool
	Log  *slog.Logger
}

// Timeout bounds one run.
func (w *BatchWatchdogWorker) Timeout(*river.Job[BatchWatchdogArgs]) time.Duration {
	return time.Minute
}

// Work ends every READY or PROCESSING batch that no process_batch job will
// work on again, in one transaction with the notifications of the live pages.
// RunBatch inserts a batch's job in the transaction that makes it READY, and
// a job completes in the transaction that ends its batch, so a batch without
// a live job can only be an orphan.
func (w *BatchWatchdogWorker) Work(ctx context.Context, _ *river.Job[BatchWatchdogArgs]) error {
	tx, err := w.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("checking for orphaned batches: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	rows, err := tx.Query(ctx, `UPDATE batches b SET status = 'ERROR', error_message = $1, finished_at = now(), updated_at = now()
		WHERE b.status IN ('READY', 'PROCESSING') AND NOT EXISTS (
			SELECT 1 FROM river_job j WHERE j.kind = 'process_batch' AND j.args @> jsonb_build_object('batch_id', b.id)
				AND j.state IN ('available', 'pending', 'retryable', 'running', 'scheduled'))
		RETURNING `+batchColumns, OrphanedBatchMessage)
	if err != nil {
		return fmt.Errorf("ending orphaned batches: %w", err)
	}
	var ended []*models.Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			rows.Close()
			return err
		}
		ended = append(ended, b)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ending orphaned batches: %w", err)
	}
	for _, b := range ended {
		if err := notifyTx(ctx, tx, b); err != nil {
			return err
		}
		if err := enqueueBatchWebhooksTx(ctx, tx, b); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("ending orphaned batches: %w", err)
	}
	for _, b := range ended {
		w.Log.Warn("ended a batch left without a job", "batch_id", b.ID, "account_id", b.AccountID, "processed", b.ProcessedCount)
	}
	return nil
}
