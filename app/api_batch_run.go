package app

import (
	"github.com/gofiber/fiber/v2"
)

// apiBatchRun answers POST /api/v1/batches/{id}/run: a DRAFT batch becomes
// READY and is queued (409 in any other status, 422 naming what is missing).
func (s *Server) apiBatchRun(c *fiber.Ctx) error {
	id, err := batchIDParam(c)
	if err != nil {
		return err
	}
	b, err := s.runBatch(c.UserContext(), identity(c).AccountID, id)
	if err != nil {
		return err
	}
	return s.sendBatch(c, fiber.StatusOK, b)
}
