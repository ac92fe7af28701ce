package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/models"
)

// BatchRetentionArgs asks for ended batches older than the retention period
// (FLOWBATCH_RETENTION) to be deleted. It runs every hour when a period is set.
type BatchRetentionArgs struct{}

// Kind names the job.
func (BatchRetentionArgs) Kind() string { return "batch_retention" }

// InsertOpts keeps at most one retention run queued at a time.
func (BatchRetentionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: retentionInterval}}
}

// retentionInterval spaces the retention runs; retentionPage bounds one
// transaction's deletions.
const (
	retentionInterval = time.Hour
	retentionPage     = 500
)

// BatchRetentionWorker deletes FINISHED and ERROR batches whose finished_at
// is older than Retention, with their files (rows and stored objects), the
// way Delete does. The records they inserted stay in their flows.
type BatchRetentionWorker struct {
	river.WorkerDefaults[BatchRetentionArgs]
	Pool      *pgxpool.Pool
	Store     *storage.Store
	Log       *slog.Logger
	Retention time.Duration
	Metrics   *Metrics
}

// Timeout bounds one run; what is left goes to the next.
func (w *BatchRetentionWorker) Timeout(*river.Job[BatchRetentionArgs]) time.Duration {
	return 5 * time.Minute
}

// Work deletes expired batches, a page per transaction, until none is left.
func (w *BatchRetentionWorker) Work(ctx context.Context, _ *river.Job[BatchRetentionArgs]) error {
	cutoff := time.Now().Add(-w.Retention)
	for {
		n, err := w.deletePage(ctx, cutoff)
		if err != nil {
			return err
		}
		if n > 0 {
			w.Log.Info("deleted batches past their retention", "batches", n, "finished_before", cutoff)
		}
		if n < retentionPage {
			return nil
		}
	}
}

// deletePage deletes up to retentionPage expired batches in one transaction,
// announces each deletion to live pages, then removes their stored objects.
func (w *BatchRetentionWorker) deletePage(ctx context.Context, cutoff time.Time) (int, error) {
	var keys []string
	var n int
	err := pgx.BeginFunc(ctx, w.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `DELETE FROM batches WHERE id IN (
				SELECT id FROM batches WHERE status IN ('FINISHED', 'ERROR') AND finished_at < $1
				ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED)
			RETURNING account_id, id, status,
				coalesce((SELECT array_agg(storage_key) FROM files f WHERE f.account_id = batches.account_id AND f.batch_id = batches.id), '{}')`,
			cutoff, retentionPage)
		if err != nil {
			return fmt.Errorf("deleting expired batches: %w", err)
		}
		var events []models.BatchEvent
		for rows.Next() {
			var ev models.BatchEvent
			var batchKeys []string
			if err := rows.Scan(&ev.AccountID, &ev.BatchID, &ev.Status, &batchKeys); err != nil {
				return fmt.Errorf("deleting expired batches: %w", err)
			}
			ev.Deleted = true
			events = append(events, ev)
			keys = append(keys, batchKeys...)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("deleting expired batches: %w", err)
		}
		for _, ev := range events {
			if _, err := tx.Exec(ctx, models.NotifySQL, models.BatchEventsChannel, ev.Payload()); err != nil {
				return fmt.Errorf("announcing deletion of batch %s: %w", ev.BatchID, err)
			}
		}
		n = len(events)
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := w.Store.Delete(context.WithoutCancel(ctx), k); err != nil {
			w.Log.Warn("leaving an unreferenced stored object", "key", k, "error", err)
		}
	}
	w.Metrics.batchesExpired(n)
	return n, nil
}
