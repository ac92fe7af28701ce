package app

import (
	"encoding/json"
	"slices"
	"sort"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/models/textclip"
	"github.com/flowbatch/flowbatch/views/pages"
)

const (
	// defaultRecordColumns is how many fields besides the key the records
	// browser shows until the person chooses.
	defaultRecordColumns = 4
	// maxRecordColumns bounds the fields one page shows.
	maxRecordColumns = 20
	// recordCellLen bounds the text of a cell, in bytes.
	recordCellLen = 120
	// recentBatches is how many batches the batch filter offers.
	recentBatches = 20
)

// columnChoice is the records browser's column choice from the query:
// col=name for each field, and cols=1 when the person chose (so that
// choosing none is told apart from not choosing).
type columnChoice struct {
	Names  []string
	Chosen bool
}

// readColumnChoice reads the choice; names that cannot be fields are
// ignored, and the key field, always shown, is left out.
func readColumnChoice(c *fiber.Ctx, keyField string) columnChoice {
	ch := columnChoice{Chosen: c.Query("cols") != ""}
	for _, raw := range c.Context().QueryArgs().PeekMulti("col") {
		name := string(raw)
		if name == keyField || !models.ValidFieldName(name) || slices.Contains(ch.Names, name) {
			continue
		}
		ch.Names = append(ch.Names, name)
	}
	return ch
}

// recordFields are the fields a page of records can show: the flow's
// interfaces' fields, then the other fields of the records on the page, by
// name; the key field is not among them (it is always shown).
func recordFields(known []string, keyField string, data []map[string]json.RawMessage) []string {
	out := make([]string, 0, len(known))
	seen := map[string]bool{keyField: true}
	for _, f := range known {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	var extra []string
	for _, d := range data {
		for f := range d {
			if !seen[f] {
				seen[f] = true
				extra = append(extra, f)
			}
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// columns sets the shown columns and the chooser's offer: the chosen fields
// in the order of the offer (a chosen field no record has comes last), or by
// default the first defaultRecordColumns fields.
func (ch columnChoice) columns(v *pages.RecordsView, fields []string) {
	v.ColumnsChosen = ch.Chosen
	if !ch.Chosen {
		v.Columns = fields[:min(len(fields), defaultRecordColumns)]
	} else {
		for _, f := range fields {
			if slices.Contains(ch.Names, f) {
				v.Columns = append(v.Columns, f)
			}
		}
		for _, f := range ch.Names {
			if !slices.Contains(fields, f) {
				v.Columns = append(v.Columns, f)
				fields = append(fields, f)
			}
		}
		v.Columns = v.Columns[:min(len(v.Columns), maxRecordColumns)]
	}
	for _, f := range fields {
		v.Choices = append(v.Choices, pages.ColumnChoice{Name: f, Checked: slices.Contains(v.Columns, f)})
	}
}

// recordCells is a record's value of each column, as text.
func recordCells(data map[string]json.RawMessage, columns []string) []string {
	cells := make([]string, len(columns))
	for i, c := range columns {
		if v, ok := data[c]; ok && string(v) != "null" {
			cells[i] = textclip.Clip(jsonText(v), recordCellLen)
		}
	}
	return cells
}
