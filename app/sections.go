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

func (s *Server) filesPage(c *fiber.Ctx) error {
	return s.section(c, layouts.SectionFiles, "Files", "Your files, and the batch folder holding every batch's input, output, process log and error log.",
		components.EmptyStateProps{
			Title: "Your files will be listed here",
			Text:  "The batch/ folder holds one folder per batch; your own folders, such as samples/, hold files you can start batches from.",
		})
}

func (s *Server) apiDocsPage(c *fiber.Ctx) error {
	return s.section(c, layouts.SectionAPI, "HTTP API", "Send batches from your systems.",
		components.EmptyStateProps{
			Title: "The API reference will be here",
			Text:  "Authenticate with `Authorization: Bearer <key>`. GET /api/v1/batches lists your batches.",
		})
}
