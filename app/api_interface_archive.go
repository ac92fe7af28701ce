package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiInterfaceArchive answers DELETE /api/v1/interfaces/{id}: the interface
// is archived, not erased (old batches keep showing it), and returned.
// 409 when open batches use it.
func (s *Server) apiInterfaceArchive(c *fiber.Ctx) error {
	accountID := identity(c).AccountID
	interfaceID, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := models.ArchiveInterface(c.UserContext(), s.db, accountID, interfaceID); err != nil {
		return inUse(err)
	}
	in, err := models.InterfaceByID(c.UserContext(), s.db, accountID, interfaceID)
	if err != nil {
		return err
	}
	return c.JSON(s.newInterfaceDoc(in))
}
