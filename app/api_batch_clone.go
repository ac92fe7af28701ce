package app

import (
	"github.com/gofiber/fiber/v2"
)

// apiBatchClone answers POST /api/v1/batches/{id}/clone: a new DRAFT with
// the batch's settings and input, in any status.
func (s *Server) apiBatchClone(c *fiber.Ctx) error {
	id, err := batchIDParam(c)
	if err != nil {
		return err
	}
	b, err := s.cloneBatch(c.UserContext(), identity(c).AccountID, id)
	if err != nil {
		return err
	}
	return s.sendBatchCreated(c, b)
}
