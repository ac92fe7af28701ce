package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The CSRF token lives in a signed cookie, not in the session, so that a
// visitor who has not signed in (the login and sign-up forms, error pages)
// costs no session row. The cookie holds "<token>.<issued unix>.<mac>"; the
// MAC covers the token, the issue time and the session ID once signed in, so
// a cookie is worthless in another session, after sign-in and after logout.
const (
	csrfCookieName = "flowbatch_csrf"
	csrfLifetime   = 24 * time.Hour
)

var (
	errCSRFMissing  = errors.New("csrf token missing")
	errCSRFMismatch = errors.New("csrf token does not match its cookie")
	errCSRFCookie   = errors.New("csrf cookie missing, expired or not signed by us")
	errCSRFReferer  = errors.New("referer missing or from another origin")
)

// signingKeys loads named secret keys from PostgreSQL once per process; the
// first process to ask creates a key, so every process signs alike.
type signingKeys struct {
	pool *pgxpool.Pool
	mu   sync.Mutex
	keys map[string][]byte
}

// get returns the key called name, creating it when no process has yet.
func (k *signingKeys) get(ctx context.Context, name string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if key, ok := k.keys[name]; ok {
		return key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("creating signing key %s: %w", name, err)
	}
	if _, err := k.pool.Exec(ctx,
		"INSERT INTO signing_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", name, fresh); err != nil {
		return nil, fmt.Errorf("storing signing key %s: %w", name, err)
	}
	var key []byte
	if err := k.pool.QueryRow(ctx, "SELECT key FROM signing_keys WHERE name = $1", name).Scan(&key); err != nil {
		return nil, fmt.Errorf("loading signing key %s: %w", name, err)
	}
	if k.keys == nil {
		k.keys = map[string][]byte{}
	}
	k.keys[name] = key
	return key, nil
}

// csrfProtect checks the CSRF token of every unsafe request of the browser
// routes (the X-CSRF-Token header or the _csrf form field must equal the
// token in the signed cookie) and gives every safe request a token.
func (s *Server) csrfProtect(c *fiber.Ctx) error {
	if isAPI(c) {
		return c.Next() // API keys, not cookies: nothing to forge
	}
	if isJobsDashboard(c) {
		return c.Next() // its page sends no token; requireSameOrigin guards it
	}
	key, err := s.signingKeys.get(c.UserContext(), "csrf")
	if err != nil {
		return err
	}
	binding := sessionID(c)
	token, valid := openCSRFCookie(key, c.Cookies(csrfCookieName), binding, time.Now())
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
		if !valid {
			token = randomToken()
		}
	default:
		if err := checkCSRF(c, token, valid); err != nil {
			return &HTTPError{
				Status: fiber.StatusForbidden, Title: "Request refused",
				Detail: "This form has expired or did not come from Flowbatch. Reload the page and try again.",
				Err:    err,
			}
		}
	}
	// Re-signing on every request keeps the token of an open page alive
	// while the person keeps using the app.
	s.issueCSRF(c, key, token, binding)
	c.Vary(fiber.HeaderCookie)
	return c.Next()
}

// checkCSRF refuses an unsafe request whose token does not match its cookie.
func checkCSRF(c *fiber.Ctx, token string, valid bool) error {
	// Over https the request must also come from one of our own pages: a
	// sibling subdomain could otherwise plant a cookie it got from us.
	if c.Protocol() == "https" && !sameOrigin(c) {
		return errCSRFReferer
	}
	if !valid {
		return errCSRFCookie
	}
	sent, err := csrfExtractor(c)
	if err != nil || sent == "" {
		return errCSRFMissing
	}
	if subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
		return errCSRFMismatch
	}
	return nil
}

// sameOrigin reports whether the request's Referer is a page of this host.
func sameOrigin(c *fiber.Ctx) bool {
	ref, err := url.Parse(strings.ToLower(c.Get(fiber.HeaderReferer)))
	return err == nil && ref.Scheme == c.Protocol() && ref.Host == c.Hostname()
}

// issueCSRF sets the signed cookie for token and makes token the one pages render.
func (s *Server) issueCSRF(c *fiber.Ctx, key []byte, token, binding string) {
	issued := strconv.FormatInt(time.Now().Unix(), 10)
	c.Cookie(&fiber.Cookie{
		Name:     csrfCookieName,
		Value:    token + "." + issued + "." + csrfMAC(key, token, issued, binding),
		Path:     "/",
		Expires:  time.Now().Add(csrfLifetime),
		Secure:   s.cfg.SecureCookies(),
		HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
	c.Locals(csrfKey, token)
}

// openCSRFCookie returns the token of a cookie signed with key for binding
// and issued less than csrfLifetime before now.
func openCSRFCookie(key []byte, cookie, binding string, now time.Time) (string, bool) {
	token, rest, ok := strings.Cut(cookie, ".")
	if !ok || token == "" {
		return "", false
	}
	issued, mac, ok := strings.Cut(rest, ".")
	if !ok {
		return "", false
	}
	unix, err := strconv.ParseInt(issued, 10, 64)
	if err != nil || now.Sub(time.Unix(unix, 0)) > csrfLifetime {
		return "", false
	}
	if !hmac.Equal([]byte(mac), []byte(csrfMAC(key, token, issued, binding))) {
		return "", false
	}
	return token, true
}

// csrfMAC signs a token, its issue time and the session it belongs to ("" before sign-in).
func csrfMAC(key []byte, token, issued, binding string) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "flowbatch-csrf\x00%s\x00%s\x00%s", token, issued, binding)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// randomToken is a new 128-bit token.
func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
