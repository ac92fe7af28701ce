package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(func(string) string { return "" })
	require.NoError(t, err)
	require.Equal(t, "postgres://postgres@127.0.0.1:5432/flowbatch?sslmode=disable", c.DatabaseURL)
	require.Equal(t, "127.0.0.1:8080", c.Addr)
	require.Equal(t, "file://./data/files", c.StorageURL)
	require.Equal(t, "http://127.0.0.1:8080", c.BaseURL)
	require.Equal(t, int64(64<<20), c.V1MaxBytes)
	require.Equal(t, int64(1<<30), c.V2MaxBytes)
	require.Equal(t, 5*time.Minute, c.ReadTimeout)
	require.Equal(t, 24*time.Hour, c.SweepAge)
	require.Equal(t, int64(50<<30), c.AccountQuota)
	require.False(t, c.SecureCookies())
	require.Empty(t, c.TrustedProxies)
	require.Zero(t, c.InsertStreams, "the process decides from its cores")
}

func TestLoadReportsEveryBadValue(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"DATABASE_URL":             "mysql://x",
		"FLOWBATCH_ADDR":           "8080",
		"FLOWBATCH_WORKERS":        "-1",
		"FLOWBATCH_STORAGE_URL":    "ftp://x",
		"FLOWBATCH_READ_TIMEOUT":   "0s",
		"FLOWBATCH_SWEEP_AGE":      "30m",
		"FLOWBATCH_ACCOUNT_QUOTA":  "0",
		"FLOWBATCH_INSERT_STREAMS": "-2",
	}
	_, err := Load(func(k string) string { return env[k] })
	require.Error(t, err)
	for _, name := range []string{"DATABASE_URL", "FLOWBATCH_ADDR", "FLOWBATCH_WORKERS", "FLOWBATCH_STORAGE_URL", "FLOWBATCH_READ_TIMEOUT",
		"FLOWBATCH_SWEEP_AGE", "FLOWBATCH_ACCOUNT_QUOTA", "FLOWBATCH_INSERT_STREAMS"} {
		require.Contains(t, err.Error(), name)
	}
}

func TestSweepAgeOutlastsUploads(t *testing.T) {
	t.Parallel()
	env := map[string]string{"FLOWBATCH_READ_TIMEOUT": "3h", "FLOWBATCH_SWEEP_AGE": "2h"}
	_, err := Load(func(k string) string { return env[k] })
	require.ErrorContains(t, err, "FLOWBATCH_SWEEP_AGE")
	env["FLOWBATCH_SWEEP_AGE"] = "4h"
	c, err := Load(func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, 4*time.Hour, c.SweepAge)
}

func TestSecureCookiesUnderHTTPS(t *testing.T) {
	t.Parallel()
	c, err := Load(func(k string) string {
		if k == "FLOWBATCH_BASE_URL" {
			return "https://flowbatch.example.com/"
		}
		return ""
	})
	require.NoError(t, err)
	require.True(t, c.SecureCookies())
	require.Equal(t, "https://flowbatch.example.com", c.BaseURL)
}

func TestOperationsSettings(t *testing.T) {
	t.Parallel()
	load := func(env map[string]string) (*Config, error) {
		return Load(func(k string) string { return env[k] })
	}
	c, err := load(nil)
	require.NoError(t, err)
	require.Empty(t, c.MetricsAddr, "metrics are off by default")
	require.Equal(t, "text", c.LogFormat)
	require.Zero(t, c.Retention, "batches are kept forever by default")
	require.False(t, c.Pprof, "profiles are off by default")

	c, err = load(map[string]string{"FLOWBATCH_METRICS_ADDR": "127.0.0.1:9090", "FLOWBATCH_LOG_FORMAT": "json", "FLOWBATCH_RETENTION": "90d"})
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:9090", c.MetricsAddr)
	require.Equal(t, "json", c.LogFormat)
	require.Equal(t, 90*24*time.Hour, c.Retention)
	c, err = load(map[string]string{"FLOWBATCH_METRICS_ADDR": "127.0.0.1:9090", "FLOWBATCH_PPROF": "true"})
	require.NoError(t, err)
	require.True(t, c.Pprof)
	_, err = load(map[string]string{"FLOWBATCH_PPROF": "true"})
	require.ErrorContains(t, err, "FLOWBATCH_METRICS_ADDR", "profiles need the metrics listener")
	c, err = load(map[string]string{"FLOWBATCH_RETENTION": "720h"})
	require.NoError(t, err)
	require.Equal(t, 720*time.Hour, c.Retention)

	for name, bad := range map[string]string{
		"FLOWBATCH_METRICS_ADDR": "9090", "FLOWBATCH_LOG_FORMAT": "xml", "FLOWBATCH_RETENTION": "10m",
	} {
		_, err := load(map[string]string{name: bad})
		require.ErrorContains(t, err, name)
	}
	for _, bad := range []string{"0d", "-3d", "ninety days", "d"} {
		_, err := load(map[string]string{"FLOWBATCH_RETENTION": bad})
		require.ErrorContains(t, err, "FLOWBATCH_RETENTION", bad)
	}
}

func TestWebhookAllowPrivate(t *testing.T) {
	t.Parallel()
	load := func(v string) (*Config, error) {
		return Load(func(k string) string {
			if k == "FLOWBATCH_WEBHOOK_ALLOW_PRIVATE" {
				return v
			}
			return ""
		})
	}
	c, err := load("")
	require.NoError(t, err)
	require.False(t, c.WebhookAllowPrivate, "refused by default")
	c, err = load("true")
	require.NoError(t, err)
	require.True(t, c.WebhookAllowPrivate)
	_, err = load("sometimes")
	require.ErrorContains(t, err, "FLOWBATCH_WEBHOOK_ALLOW_PRIVATE: must be true or false")
}

func TestLoadTrustedProxies(t *testing.T) {
	t.Parallel()
	load := func(v string) (*Config, error) {
		return Load(func(k string) string {
			if k == "FLOWBATCH_TRUSTED_PROXIES" {
				return v
			}
			return ""
		})
	}
	c, err := load(" 10.0.0.0/8, 192.168.1.7 ,fd00::/8,")
	require.NoError(t, err)
	require.Equal(t, []string{"10.0.0.0/8", "192.168.1.7", "fd00::/8"}, c.TrustedProxies)

	for _, bad := range []string{"10.0.0.0/33", "lb.internal", "10.0.0.*", "192.168.1.7:80"} {
		_, err := load(bad)
		require.ErrorContains(t, err, "FLOWBATCH_TRUSTED_PROXIES", bad)
	}
}
