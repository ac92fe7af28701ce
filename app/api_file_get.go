package app

import "github.com/gofiber/fiber/v2"

// apiFileGet answers GET /api/v1/files/:id: the file's metadata.
func (s *Server) apiFileGet(c *fiber.Ctx) error {
	f, err := s.fileParam(c)
	if err != nil {
		return err
	}
	return c.JSON(newAPIFileDoc(f))
}
