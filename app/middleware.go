package app

import (
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
)

// accessLog logs one structured line per request.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		status = classify(err).Status
	}
	level := slog.LevelInfo
	if strings.HasPrefix(c.Path(), "/static/") || c.Path() == "/healthz" {
		level = slog.LevelDebug
	}
	attrs := []any{"method", c.Method(), "path", c.Path(), "status", status,
		"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
		"bytes", responseSize(c), "request_id", requestID(c), "ip", c.IP()}
	s.log.Log(c.UserContext(), level, "request", append(attrs, accountAttr(c)...)...)
	return err
}

// accountAttr is the account_id log attribute of a request made by a
// signed-in user or an API key, so that one account's story can be grepped.
func accountAttr(c *fiber.Ctx) []any {
	if id, ok := currentIdentity(c); ok {
		return []any{"account_id", id.AccountID}
	}
	return nil
}

// responseSize is the length of the response body. A streamed body (a file
// download) is never touched: fasthttp's Body() would read the whole stream
// into memory, and turn a read error into the body's text.
func responseSize(c *fiber.Ctx) int {
	if c.Response().IsBodyStream() {
		return max(c.Response().Header.ContentLength(), 0)
	}
	return len(c.Response().Body())
}

// strictTransportSecurity tells browsers to use only https for a year. It is
// installed when FLOWBATCH_BASE_URL is https, whatever the request's own
// scheme: behind a TLS-terminating proxy the app sees plain http, and a
// browser ignores the header on a plain-http answer anyway. Subdomains are
// left alone: they may be other people's services.
func strictTransportSecurity(c *fiber.Ctx) error {
	c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000")
	return c.Next()
}

// loadSession puts the signed-in user's identity, if any, into the request.
// It never stores a session: only sign-in does (startSession), so visitors
// who have not signed in cost no row, and only a request with a session
// cookie costs a query. /api/ requests authenticate by key alone.
func (s *Server) loadSession(c *fiber.Ctx) error {
	if isAPI(c) || c.Cookies(sessionCookieName) == "" {
		return c.Next()
	}
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	userID, _ := sess.Get(sessionUserKey).(string)
	accountID, _ := sess.Get(sessionAccountKey).(string)
	email, _ := sess.Get(sessionEmailKey).(string)
	uid, errUser := uuid.Parse(userID)
	aid, errAccount := uuid.Parse(accountID)
	if errUser != nil || errAccount != nil {
		return c.Next()
	}
	c.Locals(identityKey, Identity{AccountID: aid, UserID: uid, Email: email})
	c.Locals(sessionIDKey, sess.ID())
	// A session in use lives on: its expiry moves forward, with one write a day at most.
	if renew, _ := sess.Get(sessionRenewKey).(int64); time.Now().Unix() >= renew {
		sess.Set(sessionRenewKey, time.Now().Add(sessionRenewEvery).Unix())
		if err := sess.Save(); err != nil {
			return err
		}
	}
	return c.Next()
}

// requireSession sends visitors without a session to the sign-in page.
func (s *Server) requireSession(c *fiber.Ctx) error {
	if _, ok := currentIdentity(c); ok {
		return c.Next()
	}
	target := "/login"
	if c.Method() == fiber.MethodGet && c.Path() != "/" {
		target += "?next=" + url.QueryEscape(c.OriginalURL())
	}
	if isHTMX(c) || c.Get(fiber.HeaderAccept) == "text/event-stream" {
		c.Set("HX-Redirect", target)
		return NewHTTPError(fiber.StatusUnauthorized, "Your session has ended; sign in again.")
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// requireAPIKey authenticates /api/ requests by `Authorization: Bearer <key>` or `X-API-Key`.
func (s *Server) requireAPIKey(c *fiber.Ctx) error {
	key := c.Get("X-API-Key")
	if auth := c.Get(fiber.HeaderAuthorization); key == "" && auth != "" {
		scheme, token, ok := strings.Cut(auth, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			key = strings.TrimSpace(token)
		}
	}
	unauthorized := func(detail string) error {
		return &HTTPError{
			Status: fiber.StatusUnauthorized, Title: "Unauthorized", Detail: detail,
			Headers: map[string]string{fiber.HeaderWWWAuthenticate: `Bearer realm="flowbatch"`},
		}
	}
	if key == "" {
		return unauthorized("Send an API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`.")
	}
	k, err := models.APIKeyByKey(c.UserContext(), s.db, key)
	if errors.Is(err, models.ErrNotFound) {
		return unauthorized("The API key is unknown or has been revoked.")
	}
	if err != nil {
		return err
	}
	id := Identity{AccountID: k.AccountID, APIKeyID: k.ID}
	if k.UserID != nil {
		id.UserID = *k.UserID
	}
	c.Locals(identityKey, id)
	return c.Next()
}
