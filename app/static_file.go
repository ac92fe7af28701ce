package app

import (
	"io/fs"
	"mime"
	"path"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/static"
)

// staticFile serves the embedded assets. A URL carrying the file's current
// content hash (?v=) may be cached for a year; others must revalidate.
func (s *Server) staticFile(c *fiber.Ctx) error {
	name := c.Params("*")
	b, err := fs.ReadFile(static.FS, name)
	if err != nil || name == "" {
		return fiber.ErrNotFound
	}
	if static.Current(name, c.Query("v")) {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	c.Set(fiber.HeaderContentType, mime.TypeByExtension(path.Ext(name)))
	return c.Send(b)
}
