package app

import (
	"github.com/gofiber/fiber/v2"
)

// apiBatchDelete answers DELETE /api/v1/batches/{id}: removes a DRAFT,
// FINISHED or ERROR batch and its files (409 for READY and PROCESSING).
// Records it inserted stay in their flow.
func (s *Server) apiBatchDelete(c *fiber.Ctx) error {
	id, err := batchIDParam(c)
	if err != nil {
		return err
	}
	if err := s.batches.Delete(c.UserContext(), identity(c).AccountID, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
