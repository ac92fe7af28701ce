package app

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// namesForm is step 5: custom names of the input and output files ("" keeps the default).
type namesForm struct {
	InputName  string
	OutputName string
}

// Validate returns a message per invalid name.
func (f namesForm) Validate() map[string]string {
	errs := map[string]string{}
	for field, name := range map[string]string{"input_name": f.InputName, "output_name": f.OutputName} {
		if name == "" {
			continue
		}
		if msg := models.ValidateFileName(name); msg != "" {
			errs[field] = msg
		}
	}
	if f.InputName != "" && f.InputName == f.OutputName {
		errs["output_name"] = "The output needs another name than the input."
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func (s *Server) saveWizardNames(c *fiber.Ctx, b *models.Batch) (map[string]string, error) {
	f := namesForm{InputName: c.FormValue("input_name"), OutputName: c.FormValue("output_name")}
	// Only an entirely blank name means "the default"; anything else is checked as typed.
	if strings.TrimSpace(f.InputName) == "" {
		f.InputName = ""
	}
	if strings.TrimSpace(f.OutputName) == "" {
		f.OutputName = ""
	}
	if errs := f.Validate(); errs != nil {
		return errs, nil
	}
	d := draftOf(b)
	d.InputName, d.OutputName = f.InputName, f.OutputName
	_, err := s.batches.Update(c.UserContext(), identity(c).AccountID, b.ID, d)
	return nil, err
}
