package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/models/colmatch"
)

// columnsDocument is the answer of GET /api/v1/batches/{id}/columns.
type columnsDocument struct {
	// Columns are the input's columns as seen in its first records; empty
	// without an input.
	Columns []colmatch.Column `json:"columns"`
	// Fields are the interface's fields with the column proposed for each
	// and the one that will be read.
	Fields []columnsField `json:"fields"`
	// ColumnMap is the batch's own map, null when none was set.
	ColumnMap models.ColumnMap `json:"column_map"`
	// UnreadColumns are the columns no field reads.
	UnreadColumns []string `json:"unread_columns"`
	// RequiredWithoutColumn are required fields (and the flow's key field) that read no column.
	RequiredWithoutColumn []string `json:"required_without_column"`
	// PayloadError is a fault met in the input's first records.
	PayloadError *string `json:"payload_error"`
}

// columnsField is one field of a columnsDocument.
type columnsField struct {
	Name     string          `json:"name"`
	Source   string          `json:"source"`
	Required bool            `json:"required"`
	Proposed columnsProposal `json:"proposed"`
	// Column is the column that will be read: the batch's choice, else an
	// exact or normalised match; null when none of the input's columns.
	Column *string `json:"column"`
}

// columnsProposal is the matcher's proposal for one field.
type columnsProposal struct {
	Column *string       `json:"column"`
	Kind   colmatch.Kind `json:"kind"`
}

// apiBatchColumns answers GET /api/v1/batches/{id}/columns: the input's
// columns and the proposed column of every field.
func (s *Server) apiBatchColumns(c *fiber.Ctx) error {
	id, err := batchIDParam(c)
	if err != nil {
		return err
	}
	b, err := models.BatchByID(c.UserContext(), s.db, identity(c).AccountID, id)
	if err != nil {
		return err
	}
	m, err := s.matchBatch(c.UserContext(), s.db, b)
	if err != nil {
		return err
	}
	return c.JSON(newColumnsDocument(m))
}

// newColumnsDocument builds the columns document of a matching.
func newColumnsDocument(m *batchMatching) columnsDocument {
	doc := columnsDocument{Columns: m.columns, ColumnMap: m.chosen, Fields: []columnsField{},
		UnreadColumns: m.unread(), RequiredWithoutColumn: m.missingRequired()}
	if doc.Columns == nil {
		doc.Columns = []colmatch.Column{}
	}
	if doc.UnreadColumns == nil {
		doc.UnreadColumns = []string{}
	}
	if doc.RequiredWithoutColumn == nil {
		doc.RequiredWithoutColumn = []string{}
	}
	if m.payloadErr != nil {
		msg := m.payloadErr.Error()
		doc.PayloadError = &msg
	}
	if m.iface == nil {
		return doc
	}
	have := map[string]bool{}
	for _, n := range m.names() {
		have[n] = true
	}
	for i, f := range m.iface.Fields {
		cf := columnsField{Name: f.Name, Source: f.Source, Required: f.Required,
			Proposed: columnsProposal{Kind: m.proposed[i].Kind}}
		if p := m.proposed[i].Column; p != "" {
			cf.Proposed.Column = &p
		}
		if col := m.effective[f.Name]; col != "" && have[col] {
			cf.Column = &col
		}
		doc.Fields = append(doc.Fields, cf)
	}
	return doc
}
