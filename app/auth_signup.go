package app

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/app/accounts"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/pages"
)

// signupPage shows the sign-up form.
func (s *Server) signupPage(c *fiber.Ctx) error {
	if _, ok := currentIdentity(c); ok {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	return renderComponent(c, pages.Signup(pages.SignupView{CSRFToken: csrfToken(c), Starter: true}))
}

// signup creates an account and its first user, then signs the user in.
func (s *Server) signup(c *fiber.Ctx) error {
	reg := accounts.Registration{
		Name:     c.FormValue("account_name"),
		Email:    c.FormValue("email"),
		Password: c.FormValue("password"),
		Starter:  c.FormValue("starter") != "",
	}
	_, user, err := accounts.Register(c.UserContext(), s.db, s.store, reg)
	var invalid *models.ValidationError
	if errors.As(err, &invalid) {
		v := pages.SignupView{CSRFToken: csrfToken(c), AccountName: reg.Name, Email: reg.Email, Starter: reg.Starter, Errors: invalid.Fields}
		c.Status(formStatus(c))
		return render(c, pages.Signup(v), pages.SignupForm(v))
	}
	if err != nil {
		return err
	}
	if err := s.startSession(c, user); err != nil {
		return err
	}
	return redirect(c, "/")
}
