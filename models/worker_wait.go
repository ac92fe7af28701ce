package models

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// WorkerWaitAfter is how long a READY batch waits, with no worker having
// taken a batch meanwhile, before its report says it is waiting for a worker.
// An idle worker takes a queued batch within a second or two, and a busy one
// starts a slice of some batch at least every DefaultSliceBudget (25 s), so a
// minute of neither means no worker is running (or every one is stuck).
const WorkerWaitAfter = time.Minute

// LastBatchTaken is when a worker last took a batch, of any account: the
// newest start of a batch or attempt of a process_batch job (an attempt is a
// slice of at most 25 s of a long batch, so a busy worker keeps it fresh;
// River deletes finished jobs after a day, started_at stays). It is the zero
// time when no worker has taken a batch yet. Only this time leaves the
// query, nothing of any batch.
func LastBatchTaken(ctx context.Context, db *gorm.DB) (time.Time, error) {
	var last sql.NullTime
	err := db.WithContext(ctx).Raw(`SELECT greatest((SELECT max(started_at) FROM batches),
		(SELECT max(attempted_at) FROM river_job WHERE kind = 'process_batch'))`).Row().Scan(&last)
	if err != nil {
		return time.Time{}, fmt.Errorf("finding when a worker last took a batch: %w", err)
	}
	return last.Time, nil
}

// WaitsForWorker reports whether batch b, READY since readyAt, is waiting for
// a worker at now: READY for longer than WorkerWaitAfter while no worker took
// a batch (lastTaken, the zero time for never) for as long.
func WaitsForWorker(status Status, readyAt *time.Time, lastTaken, now time.Time) bool {
	if status != StatusReady || readyAt == nil || now.Sub(*readyAt) < WorkerWaitAfter {
		return false
	}
	return now.Sub(lastTaken) >= WorkerWaitAfter
}
