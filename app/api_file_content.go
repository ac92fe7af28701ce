package app

import "github.com/gofiber/fiber/v2"

// apiFileContent answers GET /api/v1/files/:id/content: the file's bytes,
// with ETag and Range support as in the browser download.
func (s *Server) apiFileContent(c *fiber.Ctx) error {
	f, err := s.fileParam(c)
	if err != nil {
		return err
	}
	return s.sendFile(c, f)
}
