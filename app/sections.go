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

func (s *Server) interfacesPage(c *fiber.Ctx) error {
	return s.section(c, layouts.SectionInterfaces, "Interfaces", "How a payload is read (JSON, XML or CSV) and mapped into fields.",
		components.EmptyStateProps{
			Title: "Your interfaces will be listed here",
			Text:  "An interface names a format, its options and a field mapping. Interfaces with the scope batch can receive batches from the wizard and the API.",
		})
}

func (s *Server) flowsPage(c *fiber.Ctx) error {
	return s.section(c, layouts.SectionFlows, "Flows", "Where records go.",
		components.EmptyStateProps{
			Title: "Your flows will be listed here",
			Text:  "A flow holds records. With a key field, a record whose key already exists updates it instead of adding a new one. Each flow's records can be browsed and searched.",
		})
}

func (s *Server) filesPage(c *fiber.Ctx) error {
	return s.section(c, layouts.SectionFiles, "Files", "Your files, and the batch folder holding every batch's input, output, process log and error log.",
		components.EmptyStateProps{
			Title: "Your files will be listed here",
			Text:  "The batch/ folder holds one folder per batch; your own folders, such as samples/, hold files you can start batches from.",
		})
}

func (s *Server) apiKeysPage(c *fiber.Ctx) error {
	return s.section(c, layouts.SectionAPIKeys, "API keys", "Keys that let machines send batches to the HTTP API.",
		components.EmptyStateProps{
			Title: "Your API keys will be listed here",
			Text:  "Create a key (shown once), see when each key was last used, and revoke keys you no longer trust. Meanwhile, `flowbatch admin create-api-key` prints a key.",
		})
}

func (s *Server) apiDocsPage(c *fiber.Ctx) error {
	return s.section(c, layouts.SectionAPI, "HTTP API", "Send batches from your systems.",
		components.EmptyStateProps{
			Title: "The API reference will be here",
			Text:  "Authenticate with `Authorization: Bearer <key>`. GET /api/v1/batches lists your batches.",
		})
}
