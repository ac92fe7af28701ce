package app

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics count the web server's requests by route pattern (never the
// raw path, so the number of series stays bounded), method and status.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// instrument registers the web process's metrics with reg: requests, SSE
// clients and batches created.
func (s *Server) instrument(reg prometheus.Registerer) {
	s.metrics = &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowbatch_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flowbatch_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern and method (streams count until they end).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}, []string{"route", "method"}),
	}
	s.batches.Created = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flowbatch_batches_created_total",
		Help: "Batches created by this process, by source (ui, api_v1, api_v2).",
	}, []string{"source"})
	sse := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "flowbatch_sse_clients",
		Help: "Live pages (server-sent event streams) open on this process.",
	}, func() float64 { return float64(s.live.Subscribers()) })
	reg.MustRegister(s.metrics.requests, s.metrics.duration, s.batches.Created, sse)
}

// measure is the middleware that feeds httpMetrics.
func (s *Server) measure(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		status = classify(err).Status
	}
	route := c.Route().Path
	if status == fiber.StatusNotFound && route == "/" {
		route = "unmatched" // no route took it: the middleware's own pattern says nothing
	}
	// The method aliases fasthttp's reused buffer: the label keeps a copy.
	method := utils.CopyString(c.Method())
	s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	s.metrics.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
	return err
}
