// Package jobs holds Flowbatch's River workers. Each job kind has its own
// file: an args struct carrying IDs only, and a worker with its dependencies
// as fields.
package jobs

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/app/storage"
)

// Deps are what workers need.
type Deps struct {
	Pool  *pgxpool.Pool
	DB    *gorm.DB
	Store *storage.Store
	Log   *slog.Logger
}

// Client is the River client type used across Flowbatch.
type Client = river.Client[pgx.Tx]

// NewClient builds a River client. With workers > 0 it works jobs (call
// Start); with workers == 0 it only inserts them, for web-only processes.
func NewClient(d Deps, workers int) (*Client, error) {
	w := river.NewWorkers()
	river.AddWorker(w, &SessionCleanupWorker{Pool: d.Pool})
	river.AddWorker(w, &ProcessBatchWorker{Deps: d})

	cfg := &river.Config{
		Logger:  d.Log.With("component", "river"),
		Workers: w,
	}
	if workers > 0 {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}}
		cfg.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return SessionCleanupArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		}
	}
	client, err := river.NewClient(riverpgxv5.New(d.Pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("creating river client: %w", err)
	}
	return client, nil
}
