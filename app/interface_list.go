package app

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// interfacesPage lists the account's interfaces; archived ones with ?archived=1.
func (s *Server) interfacesPage(c *fiber.Ctx) error {
	id := identity(c)
	showArchived := c.Query("archived") == "1"
	list, err := models.ListInterfaces(c.UserContext(), s.db, id.AccountID, showArchived)
	if err != nil {
		return err
	}
	names, err := s.flowNames(c, id.AccountID)
	if err != nil {
		return err
	}
	v := pages.InterfaceListView{Layout: s.layout(c, id, layouts.SectionInterfaces, "Interfaces"), ShowArchived: showArchived}
	for _, in := range list {
		row := pages.InterfaceRow{ID: in.ID.String(), Name: in.Name, Format: string(in.Format), Scopes: in.Scopes,
			Fields: len(in.Fields), Archived: in.ArchivedAt != nil, FlowName: "—"}
		if in.FlowID != nil {
			row.FlowName = names[*in.FlowID]
		}
		v.Interfaces = append(v.Interfaces, row)
	}
	return renderComponent(c, pages.Interfaces(v))
}

// flowNames maps the account's flows, archived ones included, to their names.
func (s *Server) flowNames(c *fiber.Ctx, accountID uuid.UUID) (map[uuid.UUID]string, error) {
	flows, err := models.ListFlows(c.UserContext(), s.db, accountID, true)
	if err != nil {
		return nil, err
	}
	names := make(map[uuid.UUID]string, len(flows))
	for _, f := range flows {
		names[f.ID] = f.Name
	}
	return names, nil
}
