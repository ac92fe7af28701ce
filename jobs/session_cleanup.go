package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
)

// SessionCleanupArgs asks for expired browser sessions, rate-limit counters
// and Idempotency-Keys to be deleted. It runs every hour.
type SessionCleanupArgs struct{}

// Kind names the job.
func (SessionCleanupArgs) Kind() string { return "session_cleanup" }

// InsertOpts keeps at most one cleanup queued at a time.
func (SessionCleanupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

// SessionCleanupWorker deletes expired sessions, counters and idempotency keys.
type SessionCleanupWorker struct {
	river.WorkerDefaults[SessionCleanupArgs]
	Pool *pgxpool.Pool
}

// Timeout bounds one cleanup.
func (w *SessionCleanupWorker) Timeout(*river.Job[SessionCleanupArgs]) time.Duration {
	return time.Minute
}

// Work deletes what has expired.
func (w *SessionCleanupWorker) Work(ctx context.Context, _ *river.Job[SessionCleanupArgs]) error {
	for _, table := range []string{"sessions", "rate_limits", "idempotency_keys"} {
		if _, err := w.Pool.Exec(ctx, "DELETE FROM "+table+" WHERE expires_at < now()"); err != nil {
			return fmt.Errorf("deleting expired %s: %w", table, err)
		}
	}
	return nil
}
