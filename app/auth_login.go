package app

import (
	"errors"
	"strings"

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
	return sess.Save()
}

// safeNext keeps only same-site paths as a post-login destination.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
