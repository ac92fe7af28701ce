package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/jobs"
)

// batchCancel cancels a READY or PROCESSING batch: the worker processing it
// stops, and a batch still waiting for a worker ends at once.
func (s *Server) batchCancel(c *fiber.Ctx) error {
	acct := identity(c).AccountID
	id, err := batchParam(c)
	if err != nil {
		return err
	}
	if _, err := jobs.CancelBatch(c.UserContext(), s.cancelDeps(), acct, id); err != nil {
		return err
	}
	toast(c, toastInfo, "Batch cancelled. Records inserted so far stay.")
	return s.afterAction(c, acct, id)
}

// cancelDeps are what jobs.CancelBatch needs to end a READY batch from the
// web process: the database, the storage its files go to and the metrics
// that count ended batches.
func (s *Server) cancelDeps() jobs.Deps {
	return jobs.Deps{Pool: s.pool, DB: s.db, Store: s.store, Log: s.log, Metrics: s.jobMetrics}
}
