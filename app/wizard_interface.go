package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/pages"
)

// saveWizardInterface sets the interface and the flow; without a chosen flow the
// interface's own is used.
func (s *Server) saveWizardInterface(c *fiber.Ctx, b *models.Batch) (map[string]string, error) {
	errs := map[string]string{}
	d := draftOf(b)
	d.InterfaceID = parseUUIDField(c, "interface_id", "Choose one of your interfaces.", errs)
	d.FlowID = parseUUIDField(c, "flow_id", "Choose one of your flows.", errs)
	if d.InterfaceID == nil && errs["interface_id"] == "" {
		errs["interface_id"] = "Choose an interface."
	}
	if len(errs) > 0 {
		return errs, nil
	}
	_, err := s.batches.Update(c.UserContext(), identity(c).AccountID, b.ID, d)
	return nil, err
}

// loadInterfaceChoices lists the interfaces that can receive the batch and every flow.
func (s *Server) loadInterfaceChoices(c *fiber.Ctx, b *models.Batch, v *pages.WizardView) error {
	acct := identity(c).AccountID
	ins, err := models.ListInterfaces(c.UserContext(), s.db, acct, false)
	if err != nil {
		return err
	}
	for _, in := range ins {
		if in.Format == b.Format && in.Scopes.Has(models.ScopeBatch) {
			v.Interfaces = append(v.Interfaces, pages.InterfaceOption{ID: in.ID.String(), Name: in.Name, FlowID: uuidString(in.FlowID)})
		}
	}
	flows, err := models.ListFlows(c.UserContext(), s.db, acct, false)
	if err != nil {
		return err
	}
	for _, f := range flows {
		v.Flows = append(v.Flows, pages.Option{ID: f.ID.String(), Label: f.Name})
	}
	return nil
}
