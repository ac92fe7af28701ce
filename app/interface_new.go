package app

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// interfaceNewPage shows the interface form with the usual defaults.
func (s *Server) interfaceNewPage(c *fiber.Ctx) error {
	id := identity(c)
	in := &models.Interface{AccountID: id.AccountID, Format: models.FormatJSON, Scopes: models.Scopes{models.ScopeBatch, models.ScopeAPI},
		CSVDelimiter: models.DelimiterAuto, CSVQuote: `"`, CSVHeader: true, Encoding: models.EncodingAuto}
	v, err := s.interfaceFormView(c, in, nil)
	if err != nil {
		return err
	}
	v.Layout = s.layout(c, id, layouts.SectionInterfaces, "New interface")
	return renderComponent(c, pages.InterfaceFormPage(v))
}

// interfaceCreate creates an interface, or re-renders the form with a message per invalid field.
func (s *Server) interfaceCreate(c *fiber.Ctx) error {
	id := identity(c)
	return s.saveInterface(c, uuid.Nil, "New interface", func(in *models.Interface) error {
		in.AccountID = id.AccountID
		return models.SaveInterface(c.UserContext(), s.db, in)
	})
}

// saveInterface reads the posted form, checks it, saves it with save and
// shows the interface; or re-renders the form with its messages.
func (s *Server) saveInterface(c *fiber.Ctx, interfaceID uuid.UUID, title string, save func(*models.Interface) error) error {
	id := identity(c)
	form := parseInterfaceForm(c)
	in, errs := form.Interface(id.AccountID, interfaceID)
	if len(errs) == 0 {
		errs = form.Validate()
	}
	if errs == nil {
		var err error
		if errs, err = fieldErrors(nil, save(in)); err != nil {
			return err
		}
	}
	if errs != nil {
		v, err := s.interfaceFormView(c, in, errs)
		if err != nil {
			return err
		}
		v.Layout = s.layout(c, id, layouts.SectionInterfaces, title)
		c.Status(formStatus(c))
		return render(c, pages.InterfaceFormPage(v), pages.InterfaceForm(v))
	}
	return redirect(c, "/interfaces/"+in.ID.String())
}
