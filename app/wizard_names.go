package app

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// saveWizardNames saves step 5: custom names of the input and output files.
// Only an entirely blank name means "the default"; anything else is checked
// as typed, by the same rules as every other way of naming a batch's files.
func (s *Server) saveWizardNames(c *fiber.Ctx, b *models.Batch) (map[string]string, error) {
	d := draftOf(b)
	d.InputName, d.OutputName = c.FormValue("input_name"), c.FormValue("output_name")
	if strings.TrimSpace(d.InputName) == "" {
		d.InputName = ""
	}
	if strings.TrimSpace(d.OutputName) == "" {
		d.OutputName = ""
	}
	_, err := s.batches.Update(c.UserContext(), identity(c).AccountID, b.ID, d)
	var invalid *models.ValidationError
	if errors.As(err, &invalid) {
		if names := namesOnly(invalid.Fields); names != nil {
			return names, nil
		}
	}
	return nil, err
}

// namesOnly keeps the messages about the two names, or returns nil when there are none.
func namesOnly(errs map[string]string) map[string]string {
	names := map[string]string{}
	for _, field := range []string{"input_name", "output_name"} {
		if msg, ok := errs[field]; ok {
			names[field] = msg
		}
	}
	if len(names) == 0 {
		return nil
	}
	return names
}
