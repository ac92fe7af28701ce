package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// flowArchive archives a flow unless open batches use it (409 with their number).
func (s *Server) flowArchive(c *fiber.Ctx) error {
	flowID, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := models.ArchiveFlow(c.UserContext(), s.db, identity(c).AccountID, flowID); err != nil {
		return inUse(err)
	}
	return redirect(c, "/flows")
}
