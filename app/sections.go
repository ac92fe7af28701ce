package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// section renders a section that has no content of its own yet.
func (s *Server) section(c *fiber.Ctx, sec layouts.Section, title, intro string, empty components.EmptyStateProps) error {
	v := pages.SectionView{Layout: s.layout(c, identity(c), sec, title), Title: title, Intro: intro, Empty: empty}
	return renderComponent(c, pages.Section(v))
}

func (s *Server) batchesPage(c *fiber.Ctx) error {
	return s.section(c, layouts.SectionBatches, "Batches", "Collections of records read through an interface and inserted into a flow.",
		components.EmptyStateProps{
			Title: "Your batches will be listed here",
			Text:  "Each batch shows its status (DRAFT, READY, PROCESSING, FINISHED, ERROR), its records and live progress, with a config menu to Edit, View, Clone, Run or Delete it.",
		})
}
