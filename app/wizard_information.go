package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
)

// informationForm is step 1: the batch's name and description.
type informationForm struct {
	Name        string
	Description string
}

// saveWizardInformation creates the DRAFT (a new batch) or renames it.
func (s *Server) saveWizardInformation(c *fiber.Ctx, b *models.Batch) (map[string]string, error) {
	f := informationForm{Name: c.FormValue("name"), Description: c.FormValue("description")}
	acct := identity(c).AccountID
	if b != nil {
		d := draftOf(b)
		d.Name, d.Description = f.Name, f.Description
		_, err := s.batches.Update(c.UserContext(), acct, b.ID, d)
		return nil, err
	}
	d := draftOf(&models.Batch{Format: models.FormatJSON, Source: models.SourceUI})
	d.Name, d.Description = f.Name, f.Description
	created, err := s.batches.Create(c.UserContext(), acct, d)
	if err != nil {
		return nil, err
	}
	return nil, redirect(c, components.WizardURL(created.ID.String(), components.StepFormat))
}
