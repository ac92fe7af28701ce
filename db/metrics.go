package db

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// PoolCollector exports the statistics of a pgx pool as Prometheus metrics.
type PoolCollector struct {
	pool                                         *pgxpool.Pool
	acquired, idle, total, max                   *prometheus.Desc
	acquires, emptyAcquires, canceled, waitTotal *prometheus.Desc
}

// NewPoolCollector returns a collector of pool's statistics.
func NewPoolCollector(pool *pgxpool.Pool) *PoolCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("flowbatch_db_pool_"+name, help, nil, nil)
	}
	return &PoolCollector{
		pool:          pool,
		acquired:      d("acquired_connections", "Connections of the pool in use."),
		idle:          d("idle_connections", "Idle connections of the pool."),
		total:         d("connections", "Connections of the pool, in use, idle or being opened."),
		max:           d("max_connections", "Largest number of connections the pool opens."),
		acquires:      d("acquires_total", "Connections taken from the pool."),
		emptyAcquires: d("empty_acquires_total", "Acquires that had to wait or open a connection because none was idle."),
		canceled:      d("canceled_acquires_total", "Acquires given up because their context ended."),
		waitTotal:     d("acquire_wait_seconds_total", "Time spent waiting for a connection."),
	}
}

// Describe implements prometheus.Collector.
func (c *PoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.acquired, c.idle, c.total, c.max, c.acquires, c.emptyAcquires, c.canceled, c.waitTotal} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(c.acquired, prometheus.GaugeValue, float64(s.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(s.IdleConns()))
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(s.TotalConns()))
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(c.acquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.emptyAcquires, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.canceled, prometheus.CounterValue, float64(s.CanceledAcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.waitTotal, prometheus.CounterValue, s.AcquireDuration().Seconds())
}
