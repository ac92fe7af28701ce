package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/views/layouts"
)

// layout returns the shell props of a signed-in page.
func (s *Server) layout(c *fiber.Ctx, id Identity, section layouts.Section, title string) layouts.Props {
	return layouts.Props{Title: title, Section: section, UserEmail: id.Email, CSRFToken: csrfToken(c)}
}
