package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// flowsPage lists the account's flows; archived ones with ?archived=1.
func (s *Server) flowsPage(c *fiber.Ctx) error {
	id := identity(c)
	showArchived := c.Query("archived") == "1"
	flows, err := models.ListFlows(c.UserContext(), s.db, id.AccountID, showArchived)
	if err != nil {
		return err
	}
	v := pages.FlowListView{Layout: s.layout(c, id, layouts.SectionFlows, "Flows"), ShowArchived: showArchived}
	for _, f := range flows {
		v.Flows = append(v.Flows, pages.FlowRow{
			ID: f.ID.String(), Name: f.Name, Description: f.Description, KeyField: f.KeyField,
			Archived: f.ArchivedAt != nil, CreatedAt: components.Timestamp(f.CreatedAt),
		})
	}
	return renderComponent(c, pages.Flows(v))
}
