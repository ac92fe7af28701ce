package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/jobs"
)

// apiBatchCancel answers POST /api/v1/batches/{id}/cancel: asks the worker
// processing the batch to stop, or ends a batch still READY at once (409
// unless READY or PROCESSING). It answers 202: the batch ends ERROR
// "cancelled" within about a second.
func (s *Server) apiBatchCancel(c *fiber.Ctx) error {
	id, err := batchIDParam(c)
	if err != nil {
		return err
	}
	b, err := jobs.CancelBatch(c.UserContext(), s.cancelDeps(), identity(c).AccountID, id)
	if err != nil {
		return err
	}
	return s.sendBatch(c, fiber.StatusAccepted, b)
}
