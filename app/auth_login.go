package app

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/app/accounts"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/pages"
)

// loginPage shows the sign-in form; a signed-in user goes to the overview.
func (s *Server) loginPage(c *fiber.Ctx) error {
	if _, ok := currentIdentity(c); ok {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	v := pages.LoginView{CSRFToken: csrfToken(c), Next: safeNext(c.Query("next"))}
	if c.Query("signed_out") != "" {
		v.Notice = "You have signed out."
	}
	return renderComponent(c, pages.Login(v))
}

// login checks the credentials and starts a fresh session.
func (s *Server) login(c *fiber.Ctx) error {
	email, password := c.FormValue("email"), c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	user, err := accounts.Authenticate(c.UserContext(), s.db, email, password)
	if errors.Is(err, models.ErrNotFound) {
		v := pages.LoginView{CSRFToken: csrfToken(c), Email: email, Next: next, Error: "That email and password do not match an account."}
		c.Status(formStatus(c))
		return render(c, pages.Login(v), pages.LoginForm(v))
	}
	if err != nil {
		return err
	}
	if err := s.startSession(c, user); err != nil {
		return err
	}
	return redirect(c, next)
}

// startSession replaces any previous session (and its CSRF token) with a new
// one for user, so that a session fixed before sign-in is worthless after it.
func (s *Server) startSession(c *fiber.Ctx, user *models.User) error {
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	if err := sess.Reset(); err != nil {
		return err
	}
	sess.Set(sessionUserKey, user.ID.String())
	sess.Set(sessionAccountKey, user.AccountID.String())
	sess.Set(sessionEmailKey, user.Email)
	sess.Set(sessionRenewKey, time.Now().Add(sessionRenewEvery).Unix())
	id := sess.ID()
	if err := sess.Save(); err != nil {
		return err
	}
	// The CSRF token of the anonymous form is not valid in the new session.
	key, err := s.signingKeys.get(c.UserContext(), "csrf")
	if err != nil {
		return err
	}
	s.issueCSRF(c, key, randomToken(), id)
	return nil
}

// safeNext keeps only same-site paths as a post-login destination; anything
// else becomes "/". Browsers drop tabs and newlines from URLs and read a
// backslash as a slash, so "/\t/evil.example" and "/\\evil.example" would leave
// the site: a destination must start with one slash, parse as a path with
// neither scheme nor host, and be printable ASCII without backslashes both as
// sent (a real path arrives percent-encoded) and decoded.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") ||
		!plainPath(next) || !plainPath(u.Path) {
		return "/"
	}
	return next
}

// plainPath reports whether s is printable ASCII without backslashes.
func plainPath(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b <= ' ' || b >= 0x7f || b == '\\' {
			return false
		}
	}
	return true
}
