package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// interfaceShow is an interface's details page: settings, fields and API endpoints.
func (s *Server) interfaceShow(c *fiber.Ctx) error {
	id := identity(c)
	in, err := s.interfaceParam(c)
	if err != nil {
		return err
	}
	e := s.endpoints(in)
	v := pages.InterfaceView{
		Layout: s.layout(c, id, layouts.SectionInterfaces, in.Name),
		ID:     in.ID.String(), Name: in.Name, Description: in.Description, Format: string(in.Format),
		Scopes: in.Scopes, FlowName: "—", Fields: fieldRows(in.Fields), Archived: in.ArchivedAt != nil,
		CanBatch: in.Scopes.Has(models.ScopeBatch), SampleName: e.SampleName,
		V1URL: e.V1URL, V2URL: e.V2URL, CurlV1: e.CurlV1, CurlV1Ready: e.CurlV1Ready, CurlV2: e.CurlV2, CurlV2Ready: e.CurlV2Ready,
	}
	if in.FlowID != nil {
		flow, err := models.FlowByID(c.UserContext(), s.db, id.AccountID, *in.FlowID)
		if err != nil {
			return err
		}
		v.FlowName, v.FlowArchived = flow.Name, flow.ArchivedAt != nil
	}
	switch in.Format {
	case models.FormatJSON:
		path := in.RecordsPath
		if path == "" {
			path = "(top-level array or NDJSON)"
		}
		v.Options = append(v.Options, [2]string{"Records path", path})
	case models.FormatCSV:
		delim := in.CSVDelimiter
		switch delim {
		case "\t":
			delim = `\t (tab)`
		case models.DelimiterAuto:
			delim = "auto (found in the first lines)"
		}
		v.Options = append(v.Options, [2]string{"Delimiter", delim}, [2]string{"Quote", in.CSVQuote}, [2]string{"Header row", headerText(in)})
	case models.FormatXML:
		v.Options = append(v.Options, [2]string{"Record element", in.RecordElement})
	case models.FormatXLSX:
		sheet := in.XLSXSheet
		if sheet == "" {
			sheet = "(the first)"
		}
		v.Options = append(v.Options, [2]string{"Sheet", sheet}, [2]string{"Header row", headerText(in)})
	}
	if in.Format.Text() {
		v.Options = append(v.Options, [2]string{"Encoding", optionLabel(pages.EncodingOptions, in.Encoding)})
	}
	return renderComponent(c, pages.Interface(v))
}

func headerText(in *models.Interface) string {
	if in.CSVHeader {
		return "yes"
	}
	return "no (sources are column numbers)"
}

// optionLabel returns the label of the option of value v, or v.
func optionLabel(opts []components.Option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}
