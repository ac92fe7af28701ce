package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// saveWizardFormat sets the payload format. An interface reading another format
// no longer fits and is cleared with its flow, to be chosen again.
func (s *Server) saveWizardFormat(c *fiber.Ctx, b *models.Batch) (map[string]string, error) {
	d := draftOf(b)
	d.Format = models.Format(c.FormValue("format"))
	if d.InterfaceID != nil && d.Format != b.Format {
		d.InterfaceID, d.FlowID = nil, nil
	}
	_, err := s.batches.Update(c.UserContext(), identity(c).AccountID, b.ID, d)
	return nil, err
}
