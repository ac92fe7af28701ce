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

func (s *Server) apiDocsPage(c *fiber.Ctx) error {
	return s.section(c, layouts.SectionAPI, "HTTP API", "Send batches from your systems.",
		components.EmptyStateProps{
			Title: "The API reference will be here",
			Text:  "Authenticate with `Authorization: Bearer <key>`. GET /api/v1/batches lists your batches.",
		})
}
