package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// flowEditPage shows the form of an existing flow.
func (s *Server) flowEditPage(c *fiber.Ctx) error {
	id := identity(c)
	flow, err := s.flowParam(c)
	if err != nil {
		return err
	}
	v := pages.FlowFormView{Layout: s.layout(c, id, layouts.SectionFlows, "Edit flow "+flow.Name),
		ID: flow.ID.String(), Name: flow.Name, Description: flow.Description, KeyField: flow.KeyField}
	return renderComponent(c, pages.FlowFormPage(v))
}

// flowUpdate saves an existing flow, or re-renders the form with a message per invalid field.
func (s *Server) flowUpdate(c *fiber.Ctx) error {
	id := identity(c)
	flowID, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := models.FlowByID(c.UserContext(), s.db, id.AccountID, flowID); err != nil {
		return err
	}
	form := parseFlowForm(c)
	flow := form.Flow(id.AccountID, flowID)
	errs := form.Validate()
	if errs == nil {
		if errs, err = fieldErrors(nil, models.SaveFlow(c.UserContext(), s.db, flow)); err != nil {
			return err
		}
	}
	if errs != nil {
		v := pages.FlowFormView{Layout: s.layout(c, id, layouts.SectionFlows, "Edit flow"),
			ID: flowID.String(), Name: flow.Name, Description: flow.Description, KeyField: flow.KeyField, Errors: errs}
		c.Status(formStatus(c))
		return render(c, pages.FlowFormPage(v), pages.FlowForm(v))
	}
	return redirect(c, "/flows")
}
