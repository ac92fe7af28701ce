package app

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// flowNewPage shows an empty flow form.
func (s *Server) flowNewPage(c *fiber.Ctx) error {
	v := pages.FlowFormView{Layout: s.layout(c, identity(c), layouts.SectionFlows, "New flow")}
	return renderComponent(c, pages.FlowFormPage(v))
}

// flowCreate creates a flow, or re-renders the form with a message per invalid field.
func (s *Server) flowCreate(c *fiber.Ctx) error {
	id := identity(c)
	form := parseFlowForm(c)
	flow := form.Flow(id.AccountID, uuid.Nil)
	errs := form.Validate()
	if errs == nil {
		var err error
		if errs, err = fieldErrors(nil, models.SaveFlow(c.UserContext(), s.db, flow)); err != nil {
			return err
		}
	}
	if errs != nil {
		v := pages.FlowFormView{Layout: s.layout(c, id, layouts.SectionFlows, "New flow"),
			Name: flow.Name, Description: flow.Description, KeyField: flow.KeyField, Errors: errs}
		c.Status(formStatus(c))
		return render(c, pages.FlowFormPage(v), pages.FlowForm(v))
	}
	return redirect(c, "/flows/"+flow.ID.String()+"/records")
}
