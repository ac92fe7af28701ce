// Package apptest runs a real Flowbatch web server on a loopback port, over
// a database of the test's own, and gives tests browser-like and API clients.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/app"
	"github.com/flowbatch/flowbatch/app/accounts"
	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/db"
	"github.com/flowbatch/flowbatch/db/dbtest"
	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/models"
)

// Harness is one running server with its database and storage.
type Harness struct {
	URL    string
	Config *config.Config
	DBURL  string
	Pool   *pgxpool.Pool
	DB     *gorm.DB
	Store  *storage.Store
	// StorageDir is the folder behind Store, for tests that check what is
	// stored ("" with WithStorage).
	StorageDir string
	Jobs       *jobs.Client
	Server     *app.Server
}

// Option changes the configuration before the server starts. Config.Workers
// is how many batches the test server processes at once (default 1; 0: none).
type Option func(*config.Config)

// WithStorage stores files at url (FLOWBATCH_STORAGE_URL) instead of a
// temporary folder, e.g. an in-process S3-compatible server.
func WithStorage(url string) Option {
	return func(c *config.Config) { c.StorageURL = url }
}

// New starts a server for t; it stops when t ends.
func New(t testing.TB, opts ...Option) *Harness {
	t.Helper()
	tdb := dbtest.New(t)
	gdb, err := db.Gorm(tdb.Pool)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg, err := config.Load(func(k string) string {
		switch k {
		case "FLOWBATCH_ADDR":
			return ln.Addr().String()
		case "FLOWBATCH_LOGIN_RATE_LIMIT":
			return "1000"
		}
		return ""
	})
	require.NoError(t, err)
	cfg.DatabaseURL = tdb.URL
	storageDir := t.TempDir()
	cfg.StorageURL = "file://" + storageDir
	cfg.Workers = 1
	for _, o := range opts {
		o(cfg)
	}
	if cfg.StorageURL != "file://"+storageDir {
		storageDir = ""
	}
	store, err := storage.Open(context.Background(), cfg.StorageURL, tdb.Pool)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	level := slog.LevelWarn
	if os.Getenv("FLOWBATCH_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	jobDeps := jobs.Deps{Pool: tdb.Pool, DB: gdb, Store: store, Log: log,
		BaseURL: cfg.BaseURL, WebhookAllowPrivate: cfg.WebhookAllowPrivate}
	river, err := jobs.NewClient(jobDeps, cfg.Workers)
	require.NoError(t, err)
	queue, err := jobs.NewInserter(jobDeps)
	require.NoError(t, err)
	if cfg.Workers > 0 {
		require.NoError(t, river.Start(context.Background()))
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = river.Stop(ctx)
		})
	}
	srv := app.New(app.Deps{Config: cfg, Pool: tdb.Pool, DB: gdb, Store: store, Jobs: river, Queue: queue, Log: log})
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = srv.App().Shutdown() })
	return &Harness{
		URL: "http://" + ln.Addr().String(), Config: cfg, DBURL: tdb.URL,
		Pool: tdb.Pool, DB: gdb, Store: store, StorageDir: storageDir, Jobs: river, Server: srv,
	}
}

// Account is a registered account with its first user's credentials.
type Account struct {
	ID       uuid.UUID
	UserID   uuid.UUID
	Email    string
	Password string
}

// CreateAccount registers an account directly (no HTTP), with starter content when asked.
func (h *Harness) CreateAccount(t testing.TB, email string, starter bool) Account {
	t.Helper()
	const password = "correct horse battery"
	a, u, err := accounts.Register(context.Background(), h.DB, h.Store, accounts.Registration{Email: email, Password: password, Starter: starter})
	require.NoError(t, err)
	return Account{ID: a.ID, UserID: u.ID, Email: email, Password: password}
}

// APIKey creates an API key for an account's first user and returns it.
func (h *Harness) APIKey(t testing.TB, a Account) string {
	t.Helper()
	_, key, err := models.CreateAPIKey(context.Background(), h.DB, a.ID, &a.UserID, "test key")
	require.NoError(t, err)
	return key
}

// Browser is an HTTP client with a cookie jar that carries the CSRF token
// the last page gave it, as a real browser session does.
type Browser struct {
	t      testing.TB
	h      *Harness
	Client *http.Client
	CSRF   string
}

// NewBrowser returns a client with an empty cookie jar that does not follow redirects.
func (h *Harness) NewBrowser(t testing.TB) *Browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &Browser{t: t, h: h, Client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// SignIn returns a browser signed in as a.
func (h *Harness) SignIn(t testing.TB, a Account) *Browser {
	t.Helper()
	b := h.NewBrowser(t)
	b.Get("/login")
	res := b.PostForm("/login", url.Values{"email": {a.Email}, "password": {a.Password}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, "signing in %s", a.Email)
	return b
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body string
}

var csrfPattern = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// Do sends req and remembers any CSRF token found in an HTML answer.
func (b *Browser) Do(req *http.Request) *Response {
	b.t.Helper()
	res, err := b.Client.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	if m := csrfPattern.FindSubmatch(body); m != nil {
		b.CSRF = string(m[1])
	}
	return &Response{Response: res, Body: string(body)}
}

// Get loads a page.
func (b *Browser) Get(path string) *Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.h.URL+path, nil)
	require.NoError(b.t, err)
	return b.Do(req)
}

// PostForm submits a url-encoded form as a plain browser form would, with the CSRF token field.
func (b *Browser) PostForm(path string, form url.Values) *Response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" && b.CSRF != "" {
		form.Set("_csrf", b.CSRF)
	}
	req, err := http.NewRequest(http.MethodPost, b.h.URL+path, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.Do(req)
}

// HTMX sends an htmx request (HX-Request and the X-CSRF-Token header) with an optional url-encoded form.
func (b *Browser) HTMX(method, path string, form url.Values) *Response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.h.URL+path, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", b.CSRF)
	return b.Do(req)
}

// API sends an API request with key as Bearer token; body may be nil.
func (h *Harness) API(t testing.TB, key, method, path string, body io.Reader, header http.Header) *Response {
	t.Helper()
	req, err := http.NewRequest(method, h.URL+path, body)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return &Response{Response: res, Body: string(b)}
}

// Peer starts a second web process over the harness's database and storage,
// with a connection pool of its own and no workers, as a second `flowbatch
// serve --workers 0` would be, and returns its base URL.
func (h *Harness) Peer(t testing.TB) string {
	t.Helper()
	pool, err := db.Connect(context.Background(), h.DBURL, 0)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	gdb, err := db.Gorm(pool)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg := *h.Config
	cfg.Addr = ln.Addr().String()
	cfg.Workers = 0
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	jobDeps := jobs.Deps{Pool: pool, DB: gdb, Store: h.Store, Log: log}
	river, err := jobs.NewClient(jobDeps, 0)
	require.NoError(t, err)
	queue, err := jobs.NewInserter(jobDeps)
	require.NoError(t, err)
	srv := app.New(app.Deps{Config: &cfg, Pool: pool, DB: gdb, Store: h.Store, Jobs: river, Queue: queue, Log: log})
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = srv.App().Shutdown() })
	return "http://" + ln.Addr().String()
}
