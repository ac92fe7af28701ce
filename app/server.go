// Package app is Flowbatch's web application: routes, middleware and one
// handler file per action. Handlers parse input, call models and jobs, and
// render templ components; errors are mapped to HTTP in errorHandler alone.
package app

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/gofiber/fiber/v2/middleware/session"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/app/batches"
	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/app/live"
	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/jobs"
)

// Deps are the long-lived things the web app needs, built once by the command.
type Deps struct {
	Config *config.Config
	Pool   *pgxpool.Pool
	DB     *gorm.DB
	Store  *storage.Store
	Jobs   *jobs.Client
	// Queue inserts jobs in GORM's transactions (a batch queued as it is created).
	Queue *jobs.Inserter
	Log   *slog.Logger
	// Metrics registers the web process's Prometheus metrics; nil: none are exported.
	Metrics prometheus.Registerer
	// JobMetrics count the batches the web process ends itself (a READY
	// batch cancelled before a worker took it); nil: not counted.
	JobMetrics *jobs.Metrics
	// TracerProvider, when set, receives a server span of every request.
	TracerProvider trace.TracerProvider
}

// Server holds the web app's dependencies; handlers are its methods.
type Server struct {
	cfg      *config.Config
	pool     *pgxpool.Pool
	db       *gorm.DB
	store    *storage.Store
	jobs     *jobs.Client
	queue    *jobs.Inserter
	batches  *batches.Service
	live     *live.Hub
	log      *slog.Logger
	sessions *session.Store
	app      *fiber.App
	// dashboard is River UI for operators; nil without a River client.
	dashboard  fiber.Handler
	metrics    *httpMetrics
	jobMetrics *jobs.Metrics
	// signingKeys holds the keys shared by every process (the CSRF cookie's).
	signingKeys *signingKeys
}

// contentSecurityPolicy allows only same-origin scripts, styles and connections.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"

// readBufferSize is the most a request line and its headers may take
// (fasthttp's default is 4 KiB, which long cookies or tokens outgrow); a
// request with more is answered 431.
const readBufferSize = 16 << 10

// New builds the Fiber app with its middleware and routes.
func New(d Deps) *Server {
	s := &Server{cfg: d.Config, pool: d.Pool, db: d.DB, store: d.Store, jobs: d.Jobs, queue: d.Queue, log: d.Log, jobMetrics: d.JobMetrics}
	s.signingKeys = &signingKeys{pool: d.Pool}
	s.batches = &batches.Service{DB: d.DB, Store: d.Store, Log: d.Log}
	s.sessions = session.New(session.Config{
		Storage:        &pgStorage{pool: d.Pool, table: "sessions"},
		Expiration:     sessionLifetime,
		KeyLookup:      "cookie:" + sessionCookieName,
		CookieHTTPOnly: true,
		CookieSameSite: "Lax",
		CookieSecure:   d.Config.SecureCookies(),
	})
	// Sessions stored when the CSRF token lived in the session still hold
	// one; they must keep decoding until they expire.
	s.sessions.RegisterType(csrf.Token{})
	s.app = fiber.New(fiber.Config{
		AppName:                      "Flowbatch",
		ErrorHandler:                 s.errorHandler,
		DisableStartupMessage:        true,
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		// The server reads at most this much of a body before the handler
		// runs; the rest streams. limitBody caps what handlers may read.
		BodyLimit:      preReadLimit,
		ReadBufferSize: readBufferSize,
		ReadTimeout:    d.Config.ReadTimeout,
		IdleTimeout:    2 * time.Minute,
		// Only the configured load balancers may name the client's address
		// and scheme; anyone else's X-Forwarded-* headers are ignored, so
		// c.IP() (the sign-in limiter's key) is the socket's address.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          d.Config.TrustedProxies,
		ProxyHeader:             fiber.HeaderXForwardedFor,
		EnableIPValidation:      true,
	})
	// Requests the server cannot read get problem+json like any other error,
	// without fasthttp's copy of the request in the message or in the log,
	// and `Expect: 100-continue` is answered from the route's limits.
	fasthttpServer := s.app.Server()
	fasthttpServer.ErrorHandler = s.serverErrorHandler
	fasthttpServer.SecureErrorLogMessage = true
	fasthttpServer.ContinueHandler = s.expectContinue
	s.app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	if d.TracerProvider != nil {
		s.app.Use(traceRequests(d.TracerProvider))
	}
	s.app.Use(requestid.New())
	s.app.Use(s.accessLog)
	s.app.Use(s.measure)
	s.app.Use(helmet.New(helmet.Config{
		ContentSecurityPolicy:     contentSecurityPolicy,
		CrossOriginEmbedderPolicy: "unsafe-none",
		HSTSMaxAge:                0,
	}))
	if d.Config.SecureCookies() {
		s.app.Use(strictTransportSecurity)
	}
	// One LISTEN connection per process feeds every live page; it stops
	// after the server has shut down (SSE streams end on shutdown themselves).
	liveCtx, stopLive := context.WithCancel(context.Background())
	s.live = live.NewHub(d.Pool, d.Log)
	s.instrument(cmp.Or[prometheus.Registerer](d.Metrics, prometheus.NewRegistry()))
	go s.live.Run(liveCtx)
	s.app.Hooks().OnShutdown(func() error { stopLive(); return nil })
	if d.Jobs != nil {
		dashboard, err := s.newJobsDashboard(liveCtx)
		if err != nil {
			s.log.Error("the job dashboard is not available", "error", err)
		}
		s.dashboard = dashboard
	}
	s.routes()
	return s
}

// App returns the Fiber app, for serving and for tests.
func (s *Server) App() *fiber.App { return s.app }

func (s *Server) logPanic(c *fiber.Ctx, e any) {
	s.log.Error("panic while serving", "path", c.Path(), "request_id", requestID(c), "panic", e)
}
