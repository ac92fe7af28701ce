package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/jobs"
)

// batchRun queues a DRAFT batch; jobs.RunBatch re-checks status and completeness.
func (s *Server) batchRun(c *fiber.Ctx) error {
	acct := identity(c).AccountID
	id, err := batchParam(c)
	if err != nil {
		return err
	}
	if _, err := jobs.RunBatch(c.UserContext(), s.pool, s.jobs, acct, id); err != nil {
		return err
	}
	toast(c, toastSuccess, "Batch queued to run.")
	return s.afterAction(c, acct, id)
}
