package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/models"
)

func sessionCookie(t *testing.T, b *apptest.Browser, h *apptest.Harness) string {
	t.Helper()
	u, err := url.Parse(h.URL)
	require.NoError(t, err)
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == "flowbatch_session" {
			return c.Value
		}
	}
	return ""
}

func TestSignUpCreatesAccountWithStarterContent(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	b := h.NewBrowser(t)
	require.Equal(t, http.StatusOK, b.Get("/signup").StatusCode)

	res := b.PostForm("/signup", url.Values{"email": {"new@example.com"}, "password": {"long enough pw"}, "starter": {"1"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	require.Equal(t, "/", res.Header.Get("Location"))

	page := b.Get("/")
	require.Equal(t, http.StatusOK, page.StatusCode)
	for _, nav := range []string{"Batches", "Interfaces", "Flows", "Files", "API keys", "new@example.com"} {
		require.Contains(t, page.Body, nav)
	}

	ctx := context.Background()
	user, err := models.UserByEmail(ctx, h.DB, "NEW@example.com")
	require.NoError(t, err)
	flows, err := models.ListFlows(ctx, h.DB, user.AccountID, false)
	require.NoError(t, err)
	require.Len(t, flows, 1)
	require.Equal(t, "Contacts", flows[0].Name)
	require.Equal(t, "external_id", flows[0].KeyField)
	ifaces, err := models.ListInterfaces(ctx, h.DB, user.AccountID, false)
	require.NoError(t, err)
	var names []string
	for _, i := range ifaces {
		names = append(names, i.Name)
		require.True(t, i.Scopes.Has(models.ScopeBatch))
		require.Equal(t, flows[0].ID, *i.FlowID)
	}
	require.Equal(t, []string{"Contacts CSV", "Contacts JSON", "Contacts XML"}, names)
	var files []models.File
	require.NoError(t, h.DB.Where("account_id = ? AND folder = 'samples'", user.AccountID).Order("name").Find(&files).Error)
	require.Len(t, files, 3)
	for _, f := range files {
		ok, err := h.Store.Exists(ctx, f.StorageKey)
		require.NoError(t, err)
		require.True(t, ok, "%s is stored", f.Name)
		require.NotContains(t, f.StorageKey, f.Name, "storage keys never derive from names")
	}
}

func TestSignUpWithoutStarterContent(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	b := h.NewBrowser(t)
	b.Get("/signup")
	res := b.PostForm("/signup", url.Values{"email": {"bare@example.com"}, "password": {"long enough pw"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	user, err := models.UserByEmail(context.Background(), h.DB, "bare@example.com")
	require.NoError(t, err)
	flows, err := models.ListFlows(context.Background(), h.DB, user.AccountID, true)
	require.NoError(t, err)
	require.Empty(t, flows)
}

func TestSignUpBadInputRerendersWithMessages(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	h.CreateAccount(t, "taken@example.com", false)

	cases := []struct {
		name, email, password, field, message string
	}{
		{"existing email", "Taken@example.com", "long enough pw", "email", "already exists"},
		{"invalid email", "not-an-email", "long enough pw", "email", "valid email"},
		{"short password", "ok@example.com", "short", "password", "at least 10"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := h.NewBrowser(t)
			b.Get("/signup")
			form := url.Values{"email": {tc.email}, "password": {tc.password}}

			plain := b.PostForm("/signup", form)
			require.Equal(t, http.StatusUnprocessableEntity, plain.StatusCode)
			require.Contains(t, plain.Body, `id="`+tc.field+`-error"`)
			require.Contains(t, plain.Body, tc.message)
			require.Contains(t, plain.Body, "<html", "a plain post gets the whole page")

			swap := b.HTMX(http.MethodPost, "/signup", form)
			require.Equal(t, http.StatusOK, swap.StatusCode)
			require.Contains(t, swap.Body, `id="`+tc.field+`-error"`)
			require.NotContains(t, swap.Body, "<html", "an htmx post gets the form alone")
			require.Contains(t, swap.Header.Get("Vary"), "HX-Request")
		})
	}
}

func TestLoginLogout(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "user@example.com", false)

	b := h.NewBrowser(t)
	b.Get("/login")
	require.Empty(t, sessionCookie(t, b, h), "no session before sign-in")

	wrong := b.PostForm("/login", url.Values{"email": {a.Email}, "password": {"wrong password"}})
	require.Equal(t, http.StatusUnprocessableEntity, wrong.StatusCode)
	unknown := b.PostForm("/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password"}})
	require.Equal(t, http.StatusUnprocessableEntity, unknown.StatusCode)
	const generic = "That email and password do not match an account."
	require.Contains(t, wrong.Body, generic)
	require.Contains(t, unknown.Body, generic, "an unknown email reads the same as a wrong password")

	ok := b.PostForm("/login", url.Values{"email": {a.Email}, "password": {a.Password}, "next": {"/flows"}})
	require.Equal(t, http.StatusSeeOther, ok.StatusCode)
	require.Equal(t, "/flows", ok.Header.Get("Location"))
	after := sessionCookie(t, b, h)
	require.NotEmpty(t, after)
	require.Equal(t, 1, sessionRows(t, h), "sign-in stores the one session")
	require.Equal(t, http.StatusOK, b.Get("/flows").StatusCode)

	out := b.PostForm("/logout", nil)
	require.Equal(t, http.StatusSeeOther, out.StatusCode)
	res := b.Get("/flows")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.True(t, strings.HasPrefix(res.Header.Get("Location"), "/login"))
}

func TestLoginRefusesForeignRedirects(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "user@example.com", false)
	b := h.NewBrowser(t)
	b.Get("/login")
	res := b.PostForm("/login", url.Values{"email": {a.Email}, "password": {a.Password}, "next": {"//evil.example.com/"}})
	require.Equal(t, "/", res.Header.Get("Location"))
}

func TestCSRFTokenRequired(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "user@example.com", false)
	b := h.NewBrowser(t)
	b.Get("/login")

	refused := b.PostForm("/login", url.Values{"_csrf": {"forged"}, "email": {a.Email}, "password": {a.Password}})
	require.Equal(t, http.StatusForbidden, refused.StatusCode)
	require.Contains(t, refused.Body, "did not come from Flowbatch")

	req, err := http.NewRequest(http.MethodPost, h.URL+"/login", strings.NewReader(url.Values{"email": {a.Email}, "password": {a.Password}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	require.Equal(t, http.StatusForbidden, b.Do(req).StatusCode, "no token at all")

	b.Get("/login")
	accepted := b.PostForm("/login", url.Values{"email": {a.Email}, "password": {a.Password}})
	require.Equal(t, http.StatusSeeOther, accepted.StatusCode)

	b.Get("/")
	viaHeader := b.HTMX(http.MethodPost, "/logout", url.Values{})
	require.Equal(t, http.StatusNoContent, viaHeader.StatusCode)
	require.Equal(t, "/login?signed_out=1", viaHeader.Header.Get("HX-Redirect"))
}

func TestPagesNeedASession(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	b := h.NewBrowser(t)
	for _, path := range []string{"/", "/interfaces", "/flows", "/files", "/api-keys", "/api/docs"} {
		res := b.Get(path)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, path)
		require.True(t, strings.HasPrefix(res.Header.Get("Location"), "/login"), path)
	}
	req, err := http.NewRequest(http.MethodGet, h.URL+"/flows", nil)
	require.NoError(t, err)
	req.Header.Set("HX-Request", "true")
	res := b.Do(req)
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	require.Equal(t, "/login?next=%2Fflows", res.Header.Get("HX-Redirect"))
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	res := h.NewBrowser(t).Get("/login")
	csp := res.Header.Get("Content-Security-Policy")
	require.Contains(t, csp, "script-src 'self'")
	require.Contains(t, csp, "style-src 'self'")
	require.NotContains(t, csp, "unsafe-inline")
	require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	require.Nil(t, responseCookie(res, "flowbatch_session"), "no session before sign-in")
	csrf := responseCookie(res, "flowbatch_csrf")
	require.NotNil(t, csrf)
	require.True(t, csrf.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, csrf.SameSite)
	require.False(t, csrf.Secure, "plain http in tests")

	a := h.CreateAccount(t, "headers@example.com", false)
	b := h.NewBrowser(t)
	b.Get("/login")
	signedIn := b.PostForm("/login", url.Values{"email": {a.Email}, "password": {a.Password}})
	session := responseCookie(signedIn, "flowbatch_session")
	require.NotNil(t, session)
	require.True(t, session.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, session.SameSite)
	require.False(t, session.Secure, "plain http in tests")
}

func responseCookie(res *apptest.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestLoginRateLimited(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) { c.LoginRateLimit = 3 })
	b := h.NewBrowser(t)
	b.Get("/login")
	// Windows are whole minutes of the clock: four attempts that straddle
	// the turn of a minute (the fourth answered 422, not 429) are made again
	// in the new window, where the first of them already counts.
	var last *apptest.Response
	for range 4 {
		last = b.PostForm("/login", url.Values{"email": {"x@example.com"}, "password": {"wrong password"}})
	}
	if last.StatusCode == http.StatusUnprocessableEntity {
		for range 3 {
			last = b.PostForm("/login", url.Values{"email": {"x@example.com"}, "password": {"wrong password"}})
		}
	}
	require.Equal(t, http.StatusTooManyRequests, last.StatusCode)
	wait, err := strconv.Atoi(last.Header.Get("Retry-After"))
	require.NoError(t, err)
	require.True(t, wait >= 1 && wait <= 60, "Retry-After %d: the seconds left in the window", wait)
	require.Contains(t, last.Body, "Wait a minute")
}
