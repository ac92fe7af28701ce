package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/models"
)

// DefaultSweepAge is how old an unreferenced object must be before the
// storage sweep deletes it, when Deps.SweepAge is zero.
const DefaultSweepAge = 24 * time.Hour

// sweepInterval is how often the storage sweep runs.
const sweepInterval = time.Hour

// sweepBatch is how many listed keys are checked against the files table at once.
const sweepBatch = 500

// StorageSweepArgs asks for storage left behind by interrupted work to be
// deleted: objects no file row references, temporary files of the file://
// backend and unfinished S3 multipart uploads, all older than the sweep age.
// It runs every hour.
type StorageSweepArgs struct{}

// Kind names the job.
func (StorageSweepArgs) Kind() string { return "storage_sweep" }

// InsertOpts keeps at most one sweep queued at a time.
func (StorageSweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: sweepInterval}}
}

// StorageSweepWorker deletes orphaned storage. An object is kept when a
// files row references it, when it belongs to a READY or PROCESSING batch
// (its result segments, tmp/batch/<id>/…, and result files being written),
// or when it is younger than Age: uploads store their object before the row
// that references it commits, so a young object may be about to be
// referenced.
type StorageSweepWorker struct {
	river.WorkerDefaults[StorageSweepArgs]
	Pool  *pgxpool.Pool
	Store *storage.Store
	Log   *slog.Logger
	Age   time.Duration
}

// Timeout bounds one sweep below River's rescue time; a sweep cut short
// deletes the rest an hour later.
func (w *StorageSweepWorker) Timeout(*river.Job[StorageSweepArgs]) time.Duration {
	return time.Minute
}

// Work sweeps the store once.
func (w *StorageSweepWorker) Work(ctx context.Context, _ *river.Job[StorageSweepArgs]) error {
	age := w.Age
	if age <= 0 {
		age = DefaultSweepAge
	}
	n, err := SweepStorage(ctx, w.Pool, w.Store, time.Now().Add(-age))
	if n.Objects+n.Temp+n.Uploads > 0 {
		w.Log.Info("storage swept", "objects", n.Objects, "temp_files", n.Temp, "multipart_uploads", n.Uploads)
	}
	return err
}

// Swept counts what a sweep deleted.
type Swept struct {
	Objects, Temp, Uploads int
}

// SweepStorage deletes what StorageSweepWorker describes, for objects last
// written before cutoff.
func SweepStorage(ctx context.Context, pool *pgxpool.Pool, store *storage.Store, cutoff time.Time) (Swept, error) {
	var n Swept
	live, err := liveBatchKeys(ctx, pool)
	if err != nil {
		return n, err
	}
	var pending []string
	flush := func() error {
		deleted, err := deleteUnreferenced(ctx, pool, store, pending)
		n.Objects += deleted
		pending = pending[:0]
		return err
	}
	err = store.Walk(ctx, func(o storage.Listed) error {
		switch {
		case !o.ModTime.Before(cutoff) || live.has(o.Key):
			return nil
		case storage.IsTemp(o.Key):
			if err := store.Delete(ctx, o.Key); err != nil {
				return err
			}
			n.Temp++
			return nil
		}
		pending = append(pending, o.Key)
		if len(pending) == sweepBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return n, fmt.Errorf("sweeping storage: %w", err)
	}
	n.Uploads, err = store.AbortUploadsBefore(ctx, cutoff)
	return n, err
}

// liveKeys are the storage keys and key prefixes of READY and PROCESSING batches.
type liveKeys struct {
	prefixes []string
	keys     map[string]bool
}

func (l liveKeys) has(key string) bool {
	if l.keys[key] {
		return true
	}
	for _, p := range l.prefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

func liveBatchKeys(ctx context.Context, pool *pgxpool.Pool) (liveKeys, error) {
	l := liveKeys{keys: map[string]bool{}}
	rows, err := pool.Query(ctx, "SELECT id FROM batches WHERE status IN ('READY', 'PROCESSING')")
	if err != nil {
		return l, fmt.Errorf("listing live batches: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return l, fmt.Errorf("listing live batches: %w", err)
		}
		l.prefixes = append(l.prefixes, "tmp/batch/"+id.String()+"/")
		for _, kind := range []models.FileKind{models.KindOutput, models.KindProcess, models.KindError} {
			l.keys[resultKey(id, kind)] = true
		}
	}
	return l, rows.Err()
}

// deleteUnreferenced deletes those of keys that no files row references.
// The check runs across accounts: storage keys are global and generated.
func deleteUnreferenced(ctx context.Context, pool *pgxpool.Pool, store *storage.Store, keys []string) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	rows, err := pool.Query(ctx, "SELECT storage_key FROM files WHERE storage_key = ANY($1)", keys)
	if err != nil {
		return 0, fmt.Errorf("checking stored objects: %w", err)
	}
	referenced := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return 0, fmt.Errorf("checking stored objects: %w", err)
		}
		referenced[k] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("checking stored objects: %w", err)
	}
	deleted := 0
	for _, k := range keys {
		if referenced[k] {
			continue
		}
		if err := store.Delete(ctx, k); err != nil {
			return deleted, err
		}
		deleted++
	}
	return deleted, nil
}
