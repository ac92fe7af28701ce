package app

import (
	"github.com/gofiber/fiber/v2"
)

// batchRun queues a DRAFT batch; jobs.RunBatch re-checks status and completeness.
func (s *Server) batchRun(c *fiber.Ctx) error {
	acct := identity(c).AccountID
	id, err := batchParam(c)
	if err != nil {
		return err
	}
	if _, err := s.runBatch(c.UserContext(), acct, id); err != nil {
		return err
	}
	return s.afterAction(c, acct, id)
}
