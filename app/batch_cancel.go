package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/jobs"
)

// batchCancel asks the worker to stop a PROCESSING batch.
func (s *Server) batchCancel(c *fiber.Ctx) error {
	acct := identity(c).AccountID
	id, err := batchParam(c)
	if err != nil {
		return err
	}
	if _, err := jobs.CancelBatch(c.UserContext(), s.pool, acct, id); err != nil {
		return err
	}
	toast(c, toastInfo, "Batch cancelled. Records inserted so far stay.")
	return s.afterAction(c, acct, id)
}
