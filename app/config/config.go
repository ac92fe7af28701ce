// Package config reads Flowbatch's configuration from the environment, once,
// into one typed struct that is passed down to whatever needs it.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of a Flowbatch process.
type Config struct {
	DatabaseURL    string
	Addr           string
	StorageURL     string
	BaseURL        string
	Workers        int
	V1MaxBytes     int64
	V2MaxBytes     int64
	APIRateLimit   int
	LoginRateLimit int
	LogLevel       string
	ReadTimeout    time.Duration
	ShutdownGrace  time.Duration
	SweepAge       time.Duration
	AccountQuota   int64
	MetricsAddr    string
	// Pprof serves Go's /debug/pprof/ profiles on the metrics listener.
	Pprof bool
	// TracingEndpoint is OTEL_EXPORTER_OTLP_ENDPOINT: spans go there when set.
	TracingEndpoint string
	LogFormat       string
	Retention       time.Duration
	// WebhookAllowPrivate lets webhooks reach loopback, private and
	// link-local addresses.
	WebhookAllowPrivate bool
	ChunkSize           int
	// InsertStreams is FLOWBATCH_INSERT_STREAMS; 0 lets the process decide (jobs.InsertStreams).
	InsertStreams int
	// TrustedProxies are the addresses and CIDR ranges of the load balancers
	// whose X-Forwarded-For and X-Forwarded-Proto headers are believed.
	TrustedProxies []string
}

// Var describes one environment variable: its name, default and meaning.
type Var struct {
	Name, Default, Help string
	set                 func(c *Config, v string) error
}

// Vars lists every variable Flowbatch reads, in the order `flowbatch --help` prints them.
var Vars = []Var{
	{"DATABASE_URL", "postgres://postgres@127.0.0.1:5432/flowbatch?sslmode=disable",
		"PostgreSQL connection URL; the database is created when missing",
		func(c *Config, v string) error { c.DatabaseURL = v; return checkDatabaseURL(v) }},
	{"FLOWBATCH_ADDR", "127.0.0.1:8080", "address the web server listens on (host:port)",
		func(c *Config, v string) error { c.Addr = v; return checkAddr(v) }},
	{"FLOWBATCH_STORAGE_URL", "file://./data/files",
		"where files are stored: file://DIR, or s3://bucket?endpoint=…&region=… for an S3-compatible bucket",
		func(c *Config, v string) error { c.StorageURL = v; return checkStorageURL(v) }},
	{"FLOWBATCH_BASE_URL", "", "public URL of the app, used in API examples and to mark cookies Secure under https (default: http://FLOWBATCH_ADDR)",
		func(c *Config, v string) error { c.BaseURL = strings.TrimRight(v, "/"); return checkBaseURL(v) }},
	{"FLOWBATCH_WORKERS", "4", "batches processed at once by this process (serve and worker; 0 on serve = web only)",
		func(c *Config, v string) error { return setInt(&c.Workers, v, 0, 256) }},
	{"FLOWBATCH_V1_MAX_BYTES", "67108864", "largest body accepted by the v1 batch API, in bytes (64 MiB)",
		func(c *Config, v string) error { return setInt64(&c.V1MaxBytes, v, 1, 1<<40) }},
	{"FLOWBATCH_V2_MAX_BYTES", "1073741824", "largest file accepted by the v2 batch API and uploads, in bytes (1 GiB)",
		func(c *Config, v string) error { return setInt64(&c.V2MaxBytes, v, 1, 1<<42) }},
	{"FLOWBATCH_API_RATE_LIMIT", "600", "API requests allowed per key per minute",
		func(c *Config, v string) error { return setInt(&c.APIRateLimit, v, 1, 1_000_000) }},
	{"FLOWBATCH_LOGIN_RATE_LIMIT", "10", "login and sign-up attempts allowed per client address per minute",
		func(c *Config, v string) error { return setInt(&c.LoginRateLimit, v, 1, 1_000_000) }},
	{"FLOWBATCH_LOG_LEVEL", "info", "debug, info, warn or error",
		func(c *Config, v string) error { c.LogLevel = v; return checkLogLevel(v) }},
	{"FLOWBATCH_READ_TIMEOUT", "5m", "how long one request, upload included, may take to arrive (a 1 GiB upload needs 3.5 MB/s at 5m)",
		func(c *Config, v string) error { return setPositiveDuration(&c.ReadTimeout, v) }},
	{"FLOWBATCH_SHUTDOWN_GRACE", "10s", "how long a stopping process waits for requests and jobs to finish",
		func(c *Config, v string) error { return setDuration(&c.ShutdownGrace, v) }},
	{"FLOWBATCH_SWEEP_AGE", "24h", "how old stored objects no file references, temporary files and unfinished S3 multipart uploads must be before the hourly sweep deletes them (at least 1h)",
		func(c *Config, v string) error { return setMinDuration(&c.SweepAge, v, time.Hour) }},
	{"FLOWBATCH_ACCOUNT_QUOTA", "53687091200", "bytes of files one account may store (50 GiB); uploads and batch runs beyond it are refused",
		func(c *Config, v string) error { return setInt64(&c.AccountQuota, v, 1, 1<<50) }},
	{"FLOWBATCH_METRICS_ADDR", "", "address of the Prometheus /metrics listener, apart from the app (host:port; empty: no metrics)",
		func(c *Config, v string) error {
			c.MetricsAddr = v
			if v == "" {
				return nil
			}
			return checkAddr(v)
		}},
	{"FLOWBATCH_PPROF", "false", "true also serves Go's profiles (/debug/pprof/) on the metrics listener, for diagnosing CPU and memory use",
		func(c *Config, v string) error { return setBool(&c.Pprof, v) }},
	{"FLOWBATCH_RETENTION", "", "how long FINISHED and ERROR batches are kept before they and their files are deleted (records stay), e.g. 90d or 720h; empty: forever",
		func(c *Config, v string) error { return setRetention(&c.Retention, v) }},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "", "OpenTelemetry collector (OTLP over HTTP, e.g. http://127.0.0.1:4318) that receives spans of requests and jobs; empty: no tracing",
		func(c *Config, v string) error { c.TracingEndpoint = v; return checkBaseURL(v) }},
	{"FLOWBATCH_LOG_FORMAT", "text", "log lines as text (key=value) or json",
		func(c *Config, v string) error {
			c.LogFormat = v
			if v != "text" && v != "json" {
				return errors.New("must be text or json")
			}
			return nil
		}},
	{"FLOWBATCH_WEBHOOK_ALLOW_PRIVATE", "false",
		"true lets webhooks reach loopback, private and link-local addresses (only for webhooks into your own network)",
		func(c *Config, v string) error { return setBool(&c.WebhookAllowPrivate, v) }},
	{"FLOWBATCH_CHUNK_SIZE", "10000", "records a batch worker inserts per transaction (docs/engine.md)",
		func(c *Config, v string) error { return setInt(&c.ChunkSize, v, 100, 1_000_000) }},
	{"FLOWBATCH_INSERT_STREAMS", "0", "connections a batch without key field copies its chunks on at once; 0: one per CPU core, 2 to 8, within the connection pool (docs/engine.md)",
		func(c *Config, v string) error { return setInt(&c.InsertStreams, v, 0, 32) }},
	{"FLOWBATCH_TRUSTED_PROXIES", "", "comma-separated addresses or CIDR ranges of load balancers whose X-Forwarded-For (client address) and X-Forwarded-Proto are believed; empty: none",
		func(c *Config, v string) error { return setTrustedProxies(&c.TrustedProxies, v) }},
}

// Load reads the configuration from getenv (os.Getenv when nil) and
// validates every value, returning all problems at once.
func Load(getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := &Config{}
	var errs []error
	for _, v := range Vars {
		value := getenv(v.Name)
		if value == "" {
			value = v.Default
		}
		if err := v.set(c, value); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", v.Name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.SweepAge <= c.ReadTimeout {
		// An upload stores its object before the row that references it.
		return nil, errors.New("FLOWBATCH_SWEEP_AGE: must be longer than FLOWBATCH_READ_TIMEOUT, so that no upload still arriving is swept")
	}
	if c.Pprof && c.MetricsAddr == "" {
		return nil, errors.New("FLOWBATCH_PPROF: the profiles are served on the metrics listener; set FLOWBATCH_METRICS_ADDR too")
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	return c, nil
}

// SecureCookies reports whether the app is served over TLS, so cookies get the Secure flag.
func (c *Config) SecureCookies() bool {
	return strings.HasPrefix(c.BaseURL, "https://")
}

func checkDatabaseURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || strings.TrimPrefix(u.Path, "/") == "" {
		return errors.New("must look like postgres://user@host:5432/dbname")
	}
	return nil
}

func checkAddr(v string) error {
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		return errors.New("must be host:port, e.g. 127.0.0.1:8080")
	}
	return nil
}

func checkStorageURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return errors.New("is not a URL")
	}
	switch u.Scheme {
	case "file", "s3", "mem":
		return nil
	}
	return errors.New("must start with file:// or s3://")
}

func checkBaseURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an http:// or https:// URL")
	}
	return nil
}

func setTrustedProxies(dst *[]string, v string) error {
	var proxies []string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return fmt.Errorf("%q is neither an IP address nor a CIDR range such as 10.0.0.0/8", p)
		}
		proxies = append(proxies, p)
	}
	*dst = proxies
	return nil
}

func checkLogLevel(v string) error {
	switch v {
	case "debug", "info", "warn", "error":
		return nil
	}
	return errors.New("must be debug, info, warn or error")
}

func setInt(dst *int, v string, lo, hi int) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("must be a whole number from %d to %d", lo, hi)
	}
	*dst = n
	return nil
}

func setInt64(dst *int64, v string, lo, hi int64) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("must be a whole number of bytes from %d to %d", lo, hi)
	}
	*dst = n
	return nil
}

func setBool(dst *bool, v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return errors.New("must be true or false")
	}
	*dst = b
	return nil
}

func setPositiveDuration(dst *time.Duration, v string) error {
	if err := setDuration(dst, v); err != nil || *dst == 0 {
		return errors.New("must be a positive duration such as 30s or 10m")
	}
	return nil
}

func setMinDuration(dst *time.Duration, v string, least time.Duration) error {
	if err := setDuration(dst, v); err != nil || *dst < least {
		return fmt.Errorf("must be a duration of at least %s, such as 24h", least)
	}
	return nil
}

// setRetention reads a retention period: days ("90d") or a Go duration
// ("720h"), at least an hour; empty means none.
func setRetention(dst *time.Duration, v string) error {
	if v == "" {
		*dst = 0
		return nil
	}
	d, err := time.ParseDuration(v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	}
	if err != nil || d < time.Hour || d > 100*365*24*time.Hour {
		return errors.New("must be a number of days such as 90d, or a duration of at least 1h such as 720h")
	}
	*dst = d
	return nil
}

func setDuration(dst *time.Duration, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return errors.New("must be a duration such as 10s or 1m")
	}
	*dst = d
	return nil
}
