package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// interfaceArchive archives an interface unless open batches use it (409 with their number).
func (s *Server) interfaceArchive(c *fiber.Ctx) error {
	interfaceID, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := models.ArchiveInterface(c.UserContext(), s.db, identity(c).AccountID, interfaceID); err != nil {
		return inUse(err)
	}
	return redirect(c, "/interfaces")
}
