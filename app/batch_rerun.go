package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
)

// batchRerun makes a DRAFT of the failed records of an ended batch and opens
// it in the wizard's overview step, where the person can change it (or
// upload the corrected file instead) before Run.
func (s *Server) batchRerun(c *fiber.Ctx) error {
	id, err := batchParam(c)
	if err != nil {
		return err
	}
	b, err := s.batches.RerunFailed(c.UserContext(), identity(c).AccountID, id, models.SourceUI, nil, nil)
	if err != nil {
		return err
	}
	return redirect(c, components.WizardURL(b.ID.String(), components.StepOverview))
}
