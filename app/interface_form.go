package app

import (
	"regexp"
	"sort"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/pages"
)

// interfaceForm is the new and edit interface form as posted.
type interfaceForm struct {
	Name          string
	Description   string
	Format        string
	Scopes        []string
	FlowID        string
	RecordsPath   string
	CSVDelimiter  string
	CSVQuote      string
	CSVHeader     bool
	RecordElement string
	Encoding      string
	XLSXSheet     string
	Fields        []pages.FieldRow
}

var fieldInputName = regexp.MustCompile(`^fields\[(\d{1,4})\]\.(name|source|type|required)$`)

func parseInterfaceForm(c *fiber.Ctx) *interfaceForm {
	f := &interfaceForm{
		Name: c.FormValue("name"), Description: c.FormValue("description"), Format: c.FormValue("format"),
		FlowID: c.FormValue("flow_id"), RecordsPath: c.FormValue("records_path"), CSVDelimiter: c.FormValue("csv_delimiter"),
		CSVHeader: c.FormValue("csv_header") != "", RecordElement: c.FormValue("record_element"),
		CSVQuote: c.FormValue("csv_quote"), Encoding: c.FormValue("encoding"), XLSXSheet: c.FormValue("xlsx_sheet"),
		Fields: parseFieldRows(c),
	}
	for _, s := range c.Request().PostArgs().PeekMulti("scopes") {
		f.Scopes = append(f.Scopes, string(s))
	}
	return f
}

// parseFieldRows reads the rows of the fields editor ("fields[3].name"...),
// in the order of their indexes, which need not be contiguous.
func parseFieldRows(c *fiber.Ctx) []pages.FieldRow {
	rows := map[int]*pages.FieldRow{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		m := fieldInputName.FindStringSubmatch(string(k))
		if m == nil {
			return
		}
		i, _ := strconv.Atoi(m[1])
		r := rows[i]
		if r == nil {
			if len(rows) >= models.MaxFields+1 {
				return
			}
			r = &pages.FieldRow{}
			rows[i] = r
		}
		switch m[2] {
		case "name":
			r.Name = string(v)
		case "source":
			r.Source = string(v)
		case "type":
			r.Type = string(v)
		case "required":
			r.Required = len(v) > 0
		}
	})
	idx := make([]int, 0, len(rows))
	for i := range rows {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]pages.FieldRow, 0, len(idx))
	for _, i := range idx {
		out = append(out, *rows[i])
	}
	return out
}

// Validate returns the messages the form itself can tell (a flow that is not
// an ID) and every rule that needs no database (models.Interface.Check).
func (f *interfaceForm) Validate() map[string]string {
	in, errs := f.Interface(uuid.Nil, uuid.Nil)
	for k, v := range in.Check() {
		errs[k] = v
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// Interface returns the interface the form describes, with the messages of
// inputs that could not be read. Rows left entirely blank are dropped.
func (f *interfaceForm) Interface(accountID, id uuid.UUID) (*models.Interface, map[string]string) {
	errs := map[string]string{}
	in := &models.Interface{
		ID: id, AccountID: accountID, Name: f.Name, Description: f.Description, Format: models.Format(f.Format),
		Scopes: models.Scopes(f.Scopes), RecordsPath: f.RecordsPath, CSVDelimiter: f.CSVDelimiter,
		CSVHeader: f.CSVHeader, RecordElement: f.RecordElement, CSVQuote: f.CSVQuote, Encoding: f.Encoding, XLSXSheet: f.XLSXSheet,
	}
	if f.FlowID != "" {
		flowID, err := uuid.Parse(f.FlowID)
		if err != nil {
			errs["flow_id"] = "Choose one of your flows."
		} else {
			in.FlowID = &flowID
		}
	}
	for _, r := range f.Fields {
		if r.Name == "" && r.Source == "" {
			continue
		}
		in.Fields = append(in.Fields, models.Field{Name: r.Name, Source: r.Source, Type: models.FieldType(r.Type), Required: r.Required})
	}
	in.Normalize()
	return in, errs
}

// interfaceFormView fills the form's view from an interface.
func (s *Server) interfaceFormView(c *fiber.Ctx, in *models.Interface, errs map[string]string) (pages.InterfaceFormView, error) {
	flows, err := models.ListFlows(c.UserContext(), s.db, in.AccountID, false)
	if err != nil {
		return pages.InterfaceFormView{}, err
	}
	v := pages.InterfaceFormView{
		Name: in.Name, Description: in.Description, Format: string(in.Format), Scopes: in.Scopes,
		RecordsPath: in.RecordsPath, CSVDelimiter: in.CSVDelimiter, CSVHeader: in.CSVHeader, RecordElement: in.RecordElement,
		CSVQuote: in.CSVQuote, Encoding: in.Encoding, XLSXSheet: in.XLSXSheet,
		Errors: errs, Flows: []components.Option{{Value: "", Label: "No default flow"}},
	}
	if v.CSVDelimiter == "\t" {
		v.CSVDelimiter = `\t`
	}
	if in.ID != uuid.Nil {
		v.ID = in.ID.String()
	}
	current := false
	for _, f := range flows {
		v.Flows = append(v.Flows, components.Option{Value: f.ID.String(), Label: f.Name})
		current = current || (in.FlowID != nil && *in.FlowID == f.ID)
	}
	if in.FlowID != nil {
		v.FlowID = in.FlowID.String()
		if !current {
			// The interface keeps an archived default flow until someone picks another.
			if old, err := models.FlowByID(c.UserContext(), s.db, in.AccountID, *in.FlowID); err == nil {
				v.Flows = append(v.Flows, components.Option{Value: old.ID.String(), Label: old.Name + " (archived)"})
			}
		}
	}
	v.Fields = fieldsEditorView(fieldRows(in.Fields), errs)
	return v, nil
}

func fieldRows(fields models.Fields) []pages.FieldRow {
	rows := make([]pages.FieldRow, 0, len(fields))
	for _, f := range fields {
		rows = append(rows, pages.FieldRow{Name: f.Name, Source: f.Source, Type: string(f.Type), Required: f.Required})
	}
	return rows
}

func fieldsEditorView(rows []pages.FieldRow, errs map[string]string) pages.FieldsEditorView {
	types := make([]string, 0, len(models.FieldTypes))
	for _, t := range models.FieldTypes {
		types = append(types, string(t))
	}
	if len(rows) == 0 {
		rows = []pages.FieldRow{{Type: string(models.TypeString)}}
	}
	return pages.FieldsEditorView{Rows: rows, Types: types, Errors: errs}
}
