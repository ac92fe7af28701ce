package app

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/app/upload"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// apiDocsPage renders GET /api/docs: the API reference, with the account's
// own batch URLs and examples that can be pasted as they are.
func (s *Server) apiDocsPage(c *fiber.Ctx) error {
	id := identity(c)
	list, err := models.ListInterfaces(c.UserContext(), s.db, id.AccountID, false)
	if err != nil {
		return err
	}
	v := pages.APIDocsView{
		Layout: s.layout(c, id, layouts.SectionAPI, "HTTP API"), BaseURL: s.cfg.BaseURL,
		ExampleID: "<interface-id>", ExampleCSVID: "<interface-id>",
		V1Limit: upload.HumanBytes(s.cfg.V1MaxBytes), V2Limit: upload.HumanBytes(s.cfg.V2MaxBytes),
		RateLimit: s.cfg.APIRateLimit,
	}
	for i := range list {
		in := &list[i]
		e := s.endpoints(in)
		row := pages.APIInterface{
			ID: in.ID.String(), Name: in.Name, Format: string(in.Format), CanBatch: in.Scopes.Has(models.ScopeBatch),
			V1URL: e.V1URL, V2URL: e.V2URL,
		}
		if row.CanBatch && in.Format == models.FormatJSON && v.ExampleID == "<interface-id>" {
			v.ExampleID = row.ID
		}
		if row.CanBatch && in.Format == models.FormatCSV && v.ExampleCSVID == "<interface-id>" {
			v.ExampleCSVID = row.ID
		}
		v.Interfaces = append(v.Interfaces, row)
	}
	for _, op := range apiOperations() {
		// Descriptions are CommonMark for OpenAPI tools; the page shows them as plain text.
		desc := strings.ReplaceAll(op.Description, "`", "")
		v.Endpoints = append(v.Endpoints, pages.APIEndpoint{Method: op.Method, Path: op.Path, Summary: op.Summary, Description: desc})
	}
	return renderComponent(c, pages.APIDocs(v))
}
