// Package jobs holds Flowbatch's River workers. Each job kind has its own
// file: an args struct carrying IDs only, and a worker with its dependencies
// as fields.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/riverqueue/rivercontrib/otelriver"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/db/storage"
)

// Deps are what workers need.
type Deps struct {
	Pool  *pgxpool.Pool
	DB    *gorm.DB
	Store *storage.Store
	Log   *slog.Logger
	// ChunkSize is the number of records inserted per transaction; zero
	// means DefaultChunkSize.
	ChunkSize int
	// InsertStreams is how many chunks of a batch without key field are
	// copied at once, each on its own connection (InsertStreams); zero
	// means DefaultInsertStreams.
	InsertStreams int
	// SliceBudget is how long a process_batch attempt keeps starting new
	// chunks before it snoozes to go on in a new attempt; zero means
	// DefaultSliceBudget.
	SliceBudget time.Duration
	// StoredErrors is how many failed records of a batch are stored row by
	// row for its report; zero means models.MaxStoredErrors.
	StoredErrors int64
	// SweepAge is how old unreferenced stored objects must be before the
	// storage sweep deletes them; zero means DefaultSweepAge.
	SweepAge time.Duration
	// Metrics, when set, count what the workers do.
	Metrics *Metrics
	// Retention, when positive, is how long ended batches are kept
	// (FLOWBATCH_RETENTION); the batch_retention job deletes older ones.
	Retention time.Duration
	// BaseURL is the app's public URL, for the URLs in webhook bodies.
	BaseURL string
	// WebhookAllowPrivate lets webhooks reach loopback, private and
	// link-local addresses (FLOWBATCH_WEBHOOK_ALLOW_PRIVATE).
	WebhookAllowPrivate bool
	// WebhookRetryDelays replaces DefaultWebhookRetryDelays when not nil.
	WebhookRetryDelays []time.Duration
	// TracerProvider, when set, receives a span of every job inserted and
	// worked, linked to the trace that inserted it.
	TracerProvider trace.TracerProvider
	// Stopping is closed when the process begins a graceful stop. A
	// process_batch attempt then ends its slice early, as at the end of its
	// budget: the chunks in flight commit and the job snoozes, which does not
	// count as an attempt, so that another process resumes the batch. Nil
	// never closes.
	Stopping <-chan struct{}
}

// stopping reports whether the process is stopping.
func (d *Deps) stopping() bool {
	select {
	case <-d.Stopping:
		return true
	default:
		return false
	}
}

// Bounds of the engine's transactions, so that a worker that stalls (a
// stopped process, a cut network) cannot block the others for long: the
// server ends a session left idle inside a transaction after
// idleInTxTimeout, which releases its locks, and a statement or a lock wait
// fails after its bound instead of waiting without end. docs/engine.md
// ("Stalls") explains the numbers.
const (
	lockTimeout      = 10 * time.Second
	statementTimeout = 30 * time.Second
	idleInTxTimeout  = 10 * time.Second
	// startLockTimeout is the lock wait of an attempt taking over a batch:
	// longer than a stalled holder can keep the row locked, so that taking
	// over waits it out rather than failing the attempt.
	startLockTimeout = 30 * time.Second
)

// txLimitsSQL applies the bounds to the current transaction only.
var txLimitsSQL = fmt.Sprintf("SET LOCAL lock_timeout = %d; SET LOCAL statement_timeout = %d; SET LOCAL idle_in_transaction_session_timeout = %d",
	lockTimeout.Milliseconds(), statementTimeout.Milliseconds(), idleInTxTimeout.Milliseconds())

// txBeginner is a pool or a connection.
type txBeginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// beginTx begins a transaction bounded by the engine's timeouts.
func beginTx(ctx context.Context, db txBeginner) (pgx.Tx, error) {
	return beginTxWith(ctx, db, "")
}

// beginTxWith begins a transaction bounded by the engine's timeouts, then
// by the SET LOCAL statements of extra, in the one round trip of BEGIN.
func beginTxWith(ctx context.Context, db txBeginner, extra string) (pgx.Tx, error) {
	q := "BEGIN; " + txLimitsSQL
	if extra != "" {
		q += "; " + extra
	}
	tx, err := db.BeginTx(ctx, pgx.TxOptions{BeginQuery: q})
	if conn, ok := db.(*pgx.Conn); ok && err != nil {
		// BEGIN may have run before the statement failed. (The pool
		// closes a connection given back inside a transaction.)
		_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
	}
	return tx, err
}

// Client is the River client type used across Flowbatch.
type Client = river.Client[pgx.Tx]

// rescueStuckJobsAfter is how long a job may run before River considers its
// worker dead. It must exceed every worker's Timeout.
const rescueStuckJobsAfter = 70 * time.Second

// How often a producer may fetch jobs (at most once per fetchCooldown, on an
// insert NOTIFY or a freed worker slot) and how often it looks without
// being told (fetchPollInterval).
const (
	fetchCooldown     = 5 * time.Millisecond
	fetchPollInterval = 250 * time.Millisecond
)

// retryPolicy retries quickly and boundedly: about 1 s after the first error,
// then doubling up to 15 s. The delay depends on the number of errors, not of
// attempts, so the snoozes between slices of a long batch do not lengthen it.
type retryPolicy struct{}

// NextRetry schedules the next attempt of a failed job.
func (retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	delay := time.Second << min(len(job.Errors), 4)
	return time.Now().Add(min(delay, 15*time.Second))
}

// NewClient builds a River client. With workers > 0 it works jobs (call
// Start); with workers == 0 it only inserts them, for web-only processes.
func NewClient(d Deps, workers int) (*Client, error) {
	w := river.NewWorkers()
	river.AddWorker(w, &SessionCleanupWorker{Pool: d.Pool})
	river.AddWorker(w, &ProcessBatchWorker{Deps: d})
	river.AddWorker(w, &StorageSweepWorker{Pool: d.Pool, Store: d.Store, Log: d.Log, Age: d.SweepAge})
	river.AddWorker(w, &BatchRetentionWorker{Pool: d.Pool, Store: d.Store, Log: d.Log, Retention: d.Retention, Metrics: d.Metrics})
	river.AddWorker(w, newWebhookDeliverWorker(d))
	river.AddWorker(w, &BatchWatchdogWorker{Pool: d.Pool, Store: d.Store, Log: d.Log})

	cfg := &river.Config{
		Logger:  d.Log.With("component", "river"),
		Workers: w,
		// A job whose worker died (kill -9, lost machine) stays running
		// until the rescuer, which runs every 30 s, finds it older than
		// RescueStuckJobsAfter; it is then retried after retryDelay. Every
		// job's Timeout is below it, so no live job is ever rescued.
		JobTimeout:           processTimeout,
		RescueStuckJobsAfter: rescueStuckJobsAfter,
		RetryPolicy:          retryPolicy{},
		// A job is fetched within milliseconds of its insert instead of
		// River's 100 ms cooldown, which also limited a queue to ten fetches
		// a second and suppressed the insert NOTIFY of a job queued within
		// the cooldown of another, leaving it to the 1 s poll.
		// docs/engine.md ("River settings") has the figures.
		FetchCooldown:     fetchCooldown,
		FetchPollInterval: fetchPollInterval,
	}
	if workers > 0 {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}}
		cfg.Queues[webhookQueue] = river.QueueConfig{MaxWorkers: webhookWorkers}
		cfg.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return SessionCleanupArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(watchdogInterval),
				func() (river.JobArgs, *river.InsertOpts) { return BatchWatchdogArgs{}, nil },
				nil),
			river.NewPeriodicJob(river.PeriodicInterval(sweepInterval),
				func() (river.JobArgs, *river.InsertOpts) { return StorageSweepArgs{}, nil },
				nil),
		}
		if d.Retention > 0 {
			cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(retentionInterval),
				func() (river.JobArgs, *river.InsertOpts) { return BatchRetentionArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}))
		}
	}
	cfg.Middleware = d.middleware()
	client, err := river.NewClient(riverpgxv5.New(d.Pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("creating river client: %w", err)
	}
	return client, nil
}

// middleware is River's tracing middleware when d has a TracerProvider.
func (d Deps) middleware() []rivertype.Middleware {
	if d.TracerProvider == nil {
		return nil
	}
	return []rivertype.Middleware{otelriver.NewMiddleware(&otelriver.MiddlewareConfig{
		TracerProvider: d.TracerProvider, MeterProvider: noopmetric.NewMeterProvider(),
		EnableTracePropagation: true, EnableWorkSpanJobKindSuffix: true,
	})}
}

// Inserter inserts jobs in transactions of database/sql, the ones GORM
// runs: RunBatch queues a batch in the transaction that creates it.
type Inserter = river.Client[*sql.Tx]

// NewInserter builds an insert-only River client over d.DB's connections,
// with NewClient's tracing and insert notifications (at most one per
// fetchCooldown, which wakes the workers of every process).
func NewInserter(d Deps) (*Inserter, error) {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return nil, fmt.Errorf("creating river inserter: %w", err)
	}
	ins, err := river.NewClient(riverdatabasesql.New(sqlDB), &river.Config{
		Logger:        d.Log.With("component", "river"),
		FetchCooldown: fetchCooldown,
		Middleware:    d.middleware(),
	})
	if err != nil {
		return nil, fmt.Errorf("creating river inserter: %w", err)
	}
	return ins, nil
}
