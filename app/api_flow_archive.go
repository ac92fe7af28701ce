package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiFlowArchive answers DELETE /api/v1/flows/{id}: the flow is archived, not
// erased (its records and old batches keep it), and the archived flow is
// returned. 409 when open batches use it.
func (s *Server) apiFlowArchive(c *fiber.Ctx) error {
	accountID := identity(c).AccountID
	flowID, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := models.ArchiveFlow(c.UserContext(), s.db, accountID, flowID); err != nil {
		return inUse(err)
	}
	f, err := models.FlowByID(c.UserContext(), s.db, accountID, flowID)
	if err != nil {
		return err
	}
	return c.JSON(newFlowDoc(f))
}
