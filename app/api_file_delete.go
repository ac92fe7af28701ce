package app

import "github.com/gofiber/fiber/v2"

// apiFileDelete answers DELETE /api/v1/files/:id with 204; a batch's file
// is refused with 409 (it goes with its batch).
func (s *Server) apiFileDelete(c *fiber.Ctx) error {
	if _, err := s.deleteFile(c); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
