package app

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
)

// batchReadOptions saves how a DRAFT batch reads its input (POST
// /batches/{id}/read-options, from the wizard's upload step) and shows the
// read settings again, with what they now detect.
func (s *Server) batchReadOptions(c *fiber.Ctx) error {
	id, err := batchParam(c)
	if err != nil {
		return err
	}
	o := models.ReadOptions{Encoding: c.FormValue("encoding"), Delimiter: c.FormValue("delimiter"),
		Quote: c.FormValue("quote"), Sheet: c.FormValue("sheet")}
	switch c.FormValue("header") {
	case "yes":
		o.Header = new(true)
	case "no":
		o.Header = new(false)
	}
	ctx, acct := c.UserContext(), identity(c).AccountID
	b, err := s.batches.SetReadOptions(ctx, acct, id, o)
	var invalid *models.ValidationError
	if errors.As(err, &invalid) {
		if b, err = models.BatchByID(ctx, s.db, acct, id); err != nil {
			return err
		}
		p, err := s.readSettings(c, b)
		if err != nil {
			return err
		}
		if p != nil {
			p.Values, p.Errors = submitted(c), invalid.Fields
		}
		c.Status(formStatus(c))
		return renderComponent(c, components.ReadSettings(p))
	}
	if err != nil {
		return err
	}
	p, err := s.readSettings(c, b)
	if err != nil {
		return err
	}
	if p != nil {
		p.Saved = true
	}
	if !isHTMX(c) {
		return c.Redirect(components.WizardURL(id.String(), components.StepUpload), fiber.StatusSeeOther)
	}
	return renderComponent(c, components.ReadSettings(p))
}
