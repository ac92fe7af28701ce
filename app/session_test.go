package app_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

func sessionRows(t *testing.T, h *apptest.Harness) int {
	t.Helper()
	var n int
	require.NoError(t, h.Pool.QueryRow(context.Background(), "SELECT count(*) FROM sessions").Scan(&n))
	return n
}

// setCookie replaces one cookie of the browser's jar.
func setCookie(t *testing.T, b *apptest.Browser, h *apptest.Harness, name, value string) {
	t.Helper()
	u, err := url.Parse(h.URL)
	require.NoError(t, err)
	b.Client.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

func jarCookie(t *testing.T, b *apptest.Browser, h *apptest.Harness, name string) string {
	t.Helper()
	u, err := url.Parse(h.URL)
	require.NoError(t, err)
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func TestAnonymousRequestsStoreNoSession(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	for _, path := range []string{"/", "/login", "/signup", "/nope", "/flows?x=1", "/api/v1/batches", "/api/nope", "/api/docs"} {
		res, err := http.Get(h.URL + path)
		require.NoError(t, err)
		require.NoError(t, res.Body.Close())
		require.Less(t, res.StatusCode, 500, path)
	}
	// A visitor with cookies who fails to sign in and to sign up stores nothing either.
	b := h.NewBrowser(t)
	b.Get("/login")
	require.Equal(t, http.StatusUnprocessableEntity,
		b.PostForm("/login", url.Values{"email": {"x@example.com"}, "password": {"wrong password"}}).StatusCode)
	b.Get("/signup")
	require.Equal(t, http.StatusUnprocessableEntity,
		b.PostForm("/signup", url.Values{"email": {"not-an-email"}, "password": {"short"}}).StatusCode)
	require.Zero(t, sessionRows(t, h))

	a := h.CreateAccount(t, "rows@example.com", false)
	signedIn := h.SignIn(t, a)
	require.Equal(t, 1, sessionRows(t, h))
	signedIn.Get("/")
	require.Equal(t, http.StatusSeeOther, signedIn.PostForm("/logout", nil).StatusCode)
	require.Zero(t, sessionRows(t, h), "logout deletes the row")
}

func TestTamperedCSRFCookieRefused(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "tamper@example.com", false)
	form := func() url.Values { return url.Values{"email": {a.Email}, "password": {a.Password}} }

	b := h.NewBrowser(t)
	b.Get("/login")
	cookie := jarCookie(t, b, h, "flowbatch_csrf")
	token, rest, ok := strings.Cut(cookie, ".")
	require.True(t, ok, cookie)
	require.Equal(t, b.CSRF, token, "the form carries the cookie's token")
	issued, mac, ok := strings.Cut(rest, ".")
	require.True(t, ok, cookie)

	flip := func(s string) string {
		if s[0] == 'A' {
			return "B" + s[1:]
		}
		return "A" + s[1:]
	}
	tampered := map[string]struct{ cookie, token string }{
		"signature changed":      {token + "." + issued + "." + flip(mac), token},
		"token changed":          {flip(token) + "." + issued + "." + mac, flip(token)},
		"issue time changed":     {token + ".9999999999." + mac, token},
		"unsigned":               {token, token},
		"signature from nothing": {token + "." + issued + ".", token},
	}
	for name, tc := range tampered {
		setCookie(t, b, h, "flowbatch_csrf", tc.cookie)
		f := form()
		f.Set("_csrf", tc.token)
		res := b.PostForm("/login", f)
		require.Equal(t, http.StatusForbidden, res.StatusCode, name)
		require.Contains(t, res.Body, "did not come from Flowbatch", name)
	}
	require.Zero(t, sessionRows(t, h))

	setCookie(t, b, h, "flowbatch_csrf", cookie)
	f := form()
	f.Set("_csrf", token)
	require.Equal(t, http.StatusSeeOther, b.PostForm("/login", f).StatusCode, "the untouched cookie still signs in")
}

func TestCSRFTokenBelongsToItsSession(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	alice := h.SignIn(t, h.CreateAccount(t, "alice@example.com", false))
	bob := h.SignIn(t, h.CreateAccount(t, "bob@example.com", false))

	// The token of the sign-in form is not valid after sign-in.
	require.Equal(t, http.StatusForbidden, alice.PostForm("/logout", nil).StatusCode)

	alice.Get("/")
	bob.Get("/")
	// Alice's cookie and token, planted in Bob's browser, are refused.
	aliceCookie := jarCookie(t, alice, h, "flowbatch_csrf")
	setCookie(t, bob, h, "flowbatch_csrf", aliceCookie)
	require.Equal(t, http.StatusForbidden, bob.PostForm("/logout", url.Values{"_csrf": {alice.CSRF}}).StatusCode)

	// An anonymous visitor's valid pair is refused in a signed-in session too.
	anon := h.NewBrowser(t)
	anon.Get("/login")
	setCookie(t, bob, h, "flowbatch_csrf", jarCookie(t, anon, h, "flowbatch_csrf"))
	require.Equal(t, http.StatusForbidden, bob.PostForm("/logout", url.Values{"_csrf": {anon.CSRF}}).StatusCode)

	require.Equal(t, http.StatusSeeOther, alice.PostForm("/logout", nil).StatusCode, "Alice's own pair works")
}

// TestSessionInUseIsRenewed checks that a session whose renewal is due gets
// its full lifetime back on the next request, with no renewal before then.
func TestSessionInUseIsRenewed(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "renew@example.com", false)
	b := h.SignIn(t, a)
	ctx := context.Background()
	expiresIn := func() time.Duration {
		var d time.Duration
		require.NoError(t, h.Pool.QueryRow(ctx, "SELECT expires_at - now() FROM sessions").Scan(&d))
		return d
	}
	require.Greater(t, expiresIn(), 13*24*time.Hour)

	// Not due: the expiry stays where it is.
	_, err := h.Pool.Exec(ctx, "UPDATE sessions SET expires_at = now() + interval '1 hour'")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, b.Get("/").StatusCode)
	require.Less(t, expiresIn(), 2*time.Hour)

	// Due (the stored renewal time has passed): the next request renews it.
	var data map[string]any
	var raw []byte
	require.NoError(t, h.Pool.QueryRow(ctx, "SELECT v FROM sessions").Scan(&raw))
	require.NoError(t, gob.NewDecoder(bytes.NewReader(raw)).Decode(&data))
	data["renew_at"] = time.Now().Add(-time.Minute).Unix()
	var buf bytes.Buffer
	require.NoError(t, gob.NewEncoder(&buf).Encode(&data))
	_, err = h.Pool.Exec(ctx, "UPDATE sessions SET v = $1", buf.Bytes())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, b.Get("/").StatusCode)
	require.Greater(t, expiresIn(), 13*24*time.Hour)
	require.Equal(t, http.StatusOK, b.Get("/flows").StatusCode, "still signed in")
}
