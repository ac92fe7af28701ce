package app

import (
	"io/fs"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/static"
)

// favicon serves the icon browsers ask for at /favicon.ico whatever the page
// links, so that no page logs a 404 for it.
func (s *Server) favicon(c *fiber.Ctx) error {
	b, err := fs.ReadFile(static.FS, "img/favicon.ico")
	if err != nil {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	c.Set(fiber.HeaderContentType, "image/x-icon")
	return c.Send(b)
}
