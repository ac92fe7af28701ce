package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
)

// signInFrom posts a failing sign-in as if a load balancer forwarded it for client.
func signInFrom(t *testing.T, b *apptest.Browser, h *apptest.Harness, client string) int {
	t.Helper()
	form := url.Values{"email": {"x@example.com"}, "password": {"wrong password"}, "_csrf": {b.CSRF}}
	req, err := http.NewRequest(http.MethodPost, h.URL+"/login", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", client)
	return b.Do(req).StatusCode
}

func TestSignInLimitKeysOnForwardedAddressFromTrustedProxy(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) {
		c.LoginRateLimit = 2
		c.TrustedProxies = []string{"127.0.0.0/8"} // the test client connects from loopback
	})
	b := h.NewBrowser(t)
	b.Get("/login")
	for range 2 {
		require.NotEqual(t, http.StatusTooManyRequests, signInFrom(t, b, h, "203.0.113.1"))
	}
	require.Equal(t, http.StatusTooManyRequests, signInFrom(t, b, h, "203.0.113.1"))
	require.NotEqual(t, http.StatusTooManyRequests, signInFrom(t, b, h, "203.0.113.2"), "another client behind the proxy has its own count")
}

func TestSignInLimitIgnoresForwardedAddressFromUntrustedPeer(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) {
		c.LoginRateLimit = 2
		c.TrustedProxies = []string{"10.0.0.0/8"}
	})
	b := h.NewBrowser(t)
	b.Get("/login")
	for range 2 {
		require.NotEqual(t, http.StatusTooManyRequests, signInFrom(t, b, h, "203.0.113.1"))
	}
	require.Equal(t, http.StatusTooManyRequests, signInFrom(t, b, h, "203.0.113.2"), "a made-up X-Forwarded-For must not reset the count")
}

func TestStrictTransportSecurityOnlyUnderHTTPS(t *testing.T) {
	t.Parallel()
	plain := apptest.New(t, noWorkers)
	res, err := http.Get(plain.URL + "/login")
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Empty(t, res.Header.Get("Strict-Transport-Security"))

	tls := apptest.New(t, noWorkers, func(c *config.Config) { c.BaseURL = "https://flowbatch.example.com" })
	for _, path := range []string{"/login", "/nope", "/api/v1/batches"} {
		res, err := http.Get(tls.URL + path)
		require.NoError(t, err)
		require.NoError(t, res.Body.Close())
		require.Equal(t, "max-age=31536000", res.Header.Get("Strict-Transport-Security"), path)
	}
}
