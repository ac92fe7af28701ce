package jobs

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/flowbatch/flowbatch/models"
)

// Metrics are the workers' Prometheus metrics. Counters count what this
// process did; the queue gauges read the shared queue, so every process
// reports the same values (aggregate them with max, not sum).
type Metrics struct {
	// BatchesEnded counts batches this process ended, by status, outcome and source.
	BatchesEnded *prometheus.CounterVec
	// Records counts records this process processed, by result.
	Records *prometheus.CounterVec
	// ChunkDuration is how long a chunk took from its first row to its commit.
	ChunkDuration prometheus.Histogram
	// BatchDuration is how long batches took from started_at to finished_at.
	BatchDuration prometheus.Histogram
	// BatchesExpired counts batches deleted by the retention job.
	BatchesExpired prometheus.Counter

	jobRun, jobWait *prometheus.HistogramVec
	jobEnds         *prometheus.CounterVec
}

// NewMetrics creates the workers' metrics and registers them, with a
// collector of the queue's depth read from pool at each scrape.
func NewMetrics(reg prometheus.Registerer, pool *pgxpool.Pool) *Metrics {
	m := &Metrics{
		BatchesEnded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowbatch_batches_finished_total",
			Help: "Batches ended by this process, by final status (FINISHED, ERROR), outcome and source.",
		}, []string{"status", "outcome", "source"}),
		Records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowbatch_records_processed_total",
			Help: "Records processed by this process, by result (inserted, updated, failed; discarded: inserted records removed again when a payload fault found after their chunk ended the batch).",
		}, []string{"result"}),
		ChunkDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "flowbatch_chunk_duration_seconds",
			Help:    "Time to insert and commit one chunk of records.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}),
		BatchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "flowbatch_batch_processing_seconds",
			Help:    "Time from a batch's start to its end, for batches this process ended.",
			Buckets: prometheus.ExponentialBuckets(0.01, 3, 12),
		}),
		BatchesExpired: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flowbatch_batches_expired_total",
			Help: "Ended batches this process deleted because they were older than FLOWBATCH_RETENTION.",
		}),
		jobRun: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flowbatch_job_run_seconds",
			Help:    "Time River jobs ran in this process, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"kind"}),
		jobWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flowbatch_job_queue_wait_seconds",
			Help:    "Time River jobs waited available before this process started them, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"kind"}),
		jobEnds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowbatch_job_attempts_total",
			Help: "Attempts of River jobs worked by this process, by kind and how the attempt ended (completed, failed, snoozed, cancelled).",
		}, []string{"kind", "result"}),
	}
	reg.MustRegister(m.BatchesEnded, m.Records, m.ChunkDuration, m.BatchDuration, m.BatchesExpired, m.jobRun, m.jobWait, m.jobEnds,
		newQueueCollector(pool))
	return m
}

// batchEnded records a batch this process ended.
func (m *Metrics) batchEnded(b *models.Batch) {
	if m == nil {
		return
	}
	m.BatchesEnded.WithLabelValues(string(b.Status), string(b.Outcome()), string(b.Source)).Inc()
	if b.StartedAt != nil && b.FinishedAt != nil {
		m.BatchDuration.Observe(b.FinishedAt.Sub(*b.StartedAt).Seconds())
	}
}

// batchesExpired records batches deleted by the retention job.
func (m *Metrics) batchesExpired(n int) {
	if m != nil {
		m.BatchesExpired.Add(float64(n))
	}
}

// chunkCommitted records a committed chunk.
func (m *Metrics) chunkCommitted(inserted, updated, failed int64, took time.Duration) {
	if m == nil {
		return
	}
	m.Records.WithLabelValues("inserted").Add(float64(inserted))
	m.Records.WithLabelValues("updated").Add(float64(updated))
	m.Records.WithLabelValues("failed").Add(float64(failed))
	m.ChunkDuration.Observe(took.Seconds())
}

// recordsDiscarded records the inserted records of a batch that a payload
// fault ended after its chunks had committed, removed again.
func (m *Metrics) recordsDiscarded(n int64) {
	if m != nil {
		m.Records.WithLabelValues("discarded").Add(float64(n))
	}
}

// ObserveJobs records the attempts client works until ctx ends.
func (m *Metrics) ObserveJobs(ctx context.Context, client *Client) {
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobSnoozed, river.EventKindJobCancelled)
	go func() {
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				result := map[river.EventKind]string{
					river.EventKindJobCompleted: "completed", river.EventKindJobFailed: "failed",
					river.EventKindJobSnoozed: "snoozed", river.EventKindJobCancelled: "cancelled",
				}[ev.Kind]
				m.jobEnds.WithLabelValues(ev.Job.Kind, result).Inc()
				if ev.JobStats != nil {
					m.jobRun.WithLabelValues(ev.Job.Kind).Observe(ev.JobStats.RunDuration.Seconds())
					m.jobWait.WithLabelValues(ev.Job.Kind).Observe(ev.JobStats.QueueWaitDuration.Seconds())
				}
			}
		}
	}()
}

// queueCollector reads the queue's depth and age from River's table at scrape time.
type queueCollector struct {
	pool        *pgxpool.Pool
	jobs, age   *prometheus.Desc
	scrapeError *prometheus.Desc
}

func newQueueCollector(pool *pgxpool.Pool) *queueCollector {
	return &queueCollector{
		pool: pool,
		jobs: prometheus.NewDesc("flowbatch_jobs",
			"River jobs not yet finished, by kind and state (available, scheduled, retryable, running, pending).",
			[]string{"kind", "state"}, nil),
		age: prometheus.NewDesc("flowbatch_job_queue_oldest_seconds",
			"Age of the oldest available River job, by kind: how long work has waited for a worker.",
			[]string{"kind"}, nil),
		scrapeError: prometheus.NewDesc("flowbatch_jobs_scrape_error",
			"1 when the queue could not be read at this scrape.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.jobs
	ch <- c.age
	ch <- c.scrapeError
}

// Collect implements prometheus.Collector.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	failed := 0.0
	defer func() { ch <- prometheus.MustNewConstMetric(c.scrapeError, prometheus.GaugeValue, failed) }()
	rows, err := c.pool.Query(ctx, `SELECT kind, state::text, count(*),
		coalesce(extract(epoch FROM now() - min(scheduled_at) FILTER (WHERE state = 'available'))::float8, 0)
		FROM river_job WHERE state IN ('available', 'scheduled', 'retryable', 'running', 'pending')
		GROUP BY kind, state`)
	if err != nil {
		failed = 1
		return
	}
	defer rows.Close()
	for rows.Next() {
		var kind, state string
		var n int64
		var age float64
		if err := rows.Scan(&kind, &state, &n, &age); err != nil {
			failed = 1
			return
		}
		ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(n), kind, state)
		if state == "available" {
			ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, max(age, 0), kind)
		}
	}
	if rows.Err() != nil {
		failed = 1
	}
}
