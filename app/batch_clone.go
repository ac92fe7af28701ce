package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/views/components"
)

// batchClone copies a batch into a new DRAFT and opens it in the wizard, where
// it can be renamed and changed before running.
func (s *Server) batchClone(c *fiber.Ctx) error {
	acct := identity(c).AccountID
	id, err := batchParam(c)
	if err != nil {
		return err
	}
	b, err := s.cloneBatch(c.UserContext(), acct, id)
	if err != nil {
		return err
	}
	return redirect(c, components.WizardURL(b.ID.String(), components.StepInformation))
}
