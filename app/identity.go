package app

import (
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/google/uuid"
)

// Identity is who makes a request: a signed-in user or an API key, and the
// account every query of the request is scoped to.
type Identity struct {
	AccountID uuid.UUID
	UserID    uuid.UUID // zero for API keys without a user
	APIKeyID  uuid.UUID // zero for browser sessions
	Email     string
}

type localsKey int

const (
	identityKey localsKey = iota
	csrfKey
	sessionIDKey
)

const (
	sessionUserKey    = "user_id"
	sessionAccountKey = "account_id"
	sessionEmailKey   = "email"
	// sessionRenewKey holds when (unix seconds) the session's expiry is next moved forward.
	sessionRenewKey = "renew_at"
)

const (
	sessionCookieName = "flowbatch_session"
	sessionLifetime   = 14 * 24 * time.Hour
	sessionRenewEvery = 24 * time.Hour
)

func currentIdentity(c *fiber.Ctx) (Identity, bool) {
	id, ok := c.Locals(identityKey).(Identity)
	return id, ok
}

// identity returns the request's identity; the auth middleware guarantees one
// on every route that calls it.
func identity(c *fiber.Ctx) Identity {
	id, ok := currentIdentity(c)
	if !ok {
		panic(fmt.Sprintf("no identity on %s: route registered outside the auth middleware", c.Path()))
	}
	return id
}

func csrfToken(c *fiber.Ctx) string {
	token, _ := c.Locals(csrfKey).(string)
	return token
}

// sessionID is the ID of the signed-in session, "" before sign-in.
func sessionID(c *fiber.Ctx) string {
	id, _ := c.Locals(sessionIDKey).(string)
	return id
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestid.ConfigDefault.ContextKey).(string)
	return id
}

// csrfExtractor reads the token from the X-CSRF-Token header (htmx requests)
// or, for plain url-encoded form posts, from the _csrf field. It never parses
// a multipart body: uploads are streamed and send the header.
func csrfExtractor(c *fiber.Ctx) (string, error) {
	if token := c.Get(csrf.HeaderName); token != "" {
		return token, nil
	}
	if strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEApplicationForm) {
		if token := c.FormValue("_csrf"); token != "" {
			return token, nil
		}
	}
	return "", csrf.ErrTokenNotFound
}
