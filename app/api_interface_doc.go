package app

import (
	"time"

	"github.com/flowbatch/flowbatch/models"
)

// interfaceDoc is an interface as the API shows it, with its batch endpoints.
type interfaceDoc struct {
	ID            string        `json:"id"`
	Name          string        `json:"name"`
	Description   string        `json:"description"`
	Format        models.Format `json:"format"`
	Scopes        models.Scopes `json:"scopes"`
	FlowID        *string       `json:"flow_id"`
	RecordsPath   string        `json:"records_path"`
	CSVDelimiter  string        `json:"csv_delimiter"`
	CSVHeader     bool          `json:"csv_header"`
	RecordElement string        `json:"record_element"`
	Encoding      string        `json:"encoding"`
	CSVQuote      string        `json:"csv_quote"`
	XLSXSheet     string        `json:"xlsx_sheet"`
	Fields        models.Fields `json:"fields"`
	Endpoints     endpointsDoc  `json:"endpoints"`
	ArchivedAt    *time.Time    `json:"archived_at"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
}

type endpointsDoc struct {
	V1 string `json:"v1"`
	V2 string `json:"v2"`
}

func (s *Server) newInterfaceDoc(in *models.Interface) interfaceDoc {
	e := s.endpoints(in)
	d := interfaceDoc{
		ID: in.ID.String(), Name: in.Name, Description: in.Description, Format: in.Format, Scopes: in.Scopes,
		RecordsPath: in.RecordsPath, CSVDelimiter: in.CSVDelimiter, CSVHeader: in.CSVHeader, RecordElement: in.RecordElement,
		Encoding: in.Encoding, CSVQuote: in.CSVQuote, XLSXSheet: in.XLSXSheet,
		Fields: in.Fields, Endpoints: endpointsDoc{V1: e.V1URL, V2: e.V2URL}, ArchivedAt: in.ArchivedAt, CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt,
	}
	if d.Scopes == nil {
		d.Scopes = models.Scopes{}
	}
	if d.Fields == nil {
		d.Fields = models.Fields{}
	}
	if in.FlowID != nil {
		id := in.FlowID.String()
		d.FlowID = &id
	}
	return d
}

// interfaceInput is the body of POST and PATCH /api/v1/interfaces: absent
// members keep their value (on POST, the defaults below).
type interfaceInput struct {
	Name          *string         `json:"name"`
	Description   *string         `json:"description"`
	Format        *string         `json:"format"`
	Scopes        *[]string       `json:"scopes"`
	FlowID        optionalUUID    `json:"flow_id"`
	RecordsPath   *string         `json:"records_path"`
	CSVDelimiter  *string         `json:"csv_delimiter"`
	CSVHeader     *bool           `json:"csv_header"`
	RecordElement *string         `json:"record_element"`
	Encoding      *string         `json:"encoding"`
	CSVQuote      *string         `json:"csv_quote"`
	XLSXSheet     *string         `json:"xlsx_sheet"`
	Fields        *[]models.Field `json:"fields"`
}

func (in *interfaceInput) apply(i *models.Interface) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&i.Name, in.Name)
	set(&i.Description, in.Description)
	if in.Format != nil {
		i.Format = models.Format(*in.Format)
	}
	if in.Scopes != nil {
		i.Scopes = models.Scopes(*in.Scopes)
	}
	if in.FlowID.Set {
		i.FlowID = in.FlowID.ID
	}
	set(&i.RecordsPath, in.RecordsPath)
	set(&i.CSVDelimiter, in.CSVDelimiter)
	if in.CSVHeader != nil {
		i.CSVHeader = *in.CSVHeader
	}
	set(&i.RecordElement, in.RecordElement)
	set(&i.Encoding, in.Encoding)
	set(&i.CSVQuote, in.CSVQuote)
	set(&i.XLSXSheet, in.XLSXSheet)
	if in.Fields != nil {
		i.Fields = models.Fields(*in.Fields)
	}
}
