package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// batchRun queues a DRAFT batch from the overview's menu or the report, as
// the wizard's Run would: not when its input cannot be read or a required
// field has no column (422); jobs.RunBatch re-checks status and completeness.
func (s *Server) batchRun(c *fiber.Ctx) error {
	acct := identity(c).AccountID
	id, err := batchParam(c)
	if err != nil {
		return err
	}
	b, err := models.BatchByID(c.UserContext(), s.db, acct, id)
	if err != nil {
		return err
	}
	if b.Status.Allows(models.ActionRun) {
		if msg, err := s.runBlocker(c, b); err != nil {
			return err
		} else if msg != "" {
			return NewHTTPError(fiber.StatusUnprocessableEntity, msg)
		}
	}
	if _, err := s.runBatch(c.UserContext(), acct, id); err != nil {
		return err
	}
	return s.afterAction(c, acct, id)
}
