package app

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
)

// batchProgress is a batch's live progress panel: a READY batch's report
// reloads it now and then, so that the wait for a worker shows while no
// event comes.
func (s *Server) batchProgress(c *fiber.Ctx) error {
	acct := identity(c).AccountID
	bid, err := batchParam(c)
	if err != nil {
		return err
	}
	v, err := s.batchView(c, acct, bid)
	if err != nil {
		return err
	}
	return renderComponent(c, components.BatchProgress(v))
}

// markWorkerWait sets WaitingForWorker on the views of READY batches that
// wait for a worker which does not come (models.WaitsForWorker). It asks
// when a worker last took a batch only when some view has been READY long
// enough for that to matter.
func (s *Server) markWorkerWait(ctx context.Context, views ...*components.BatchView) error {
	asked := false
	var last time.Time
	for _, v := range views {
		if !models.WaitsForWorker(v.Status, v.Ready, time.Time{}, v.Now) {
			continue
		}
		if !asked {
			t, err := models.LastBatchTaken(ctx, s.db)
			if err != nil {
				return err
			}
			last, asked = t, true
		}
		v.WaitingForWorker = models.WaitsForWorker(v.Status, v.Ready, last, v.Now)
		v.LastTaken = last
	}
	return nil
}
