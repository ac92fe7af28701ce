package app

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// recordsPageSize is how many records a page of the browser shows.
const recordsPageSize = 50

// recordCountLimit bounds the count shown above the browser, so that a huge
// flow costs a bounded index scan ("more than 10,000 records").
const recordCountLimit = 10_000

// recordSearch is the records browser's query string.
type recordSearch struct {
	Q      string
	Before string
}

// Filter reads the search: "field = value" searches a field, anything else
// is a key; it returns a message for a search that cannot be run.
func (q recordSearch) Filter() (models.RecordFilter, string) {
	f := models.RecordFilter{Limit: recordsPageSize}
	if q.Before != "" {
		id, err := uuid.Parse(q.Before)
		if err != nil {
			return f, "This page link is broken; start again from the newest records."
		}
		f.Before = id
	}
	text := strings.TrimSpace(q.Q)
	if field, value, ok := strings.Cut(text, "="); ok {
		f.Field, f.Value = strings.TrimSpace(field), strings.TrimSpace(value)
		if !models.ValidFieldName(f.Field) {
			return f, "Search a field as field = value, with a field name such as email."
		}
		f.Value = strings.Trim(f.Value, `"`)
		return f, ""
	}
	f.Key = text
	return f, ""
}

// recordsPage is a flow's records browser: newest first, a page at a time,
// searchable by key and by field value, narrowed to a batch, with a column
// per chosen field.
func (s *Server) recordsPage(c *fiber.Ctx) error {
	id := identity(c)
	ctx := c.UserContext()
	flow, err := s.flowParam(c)
	if err != nil {
		return err
	}
	search := recordSearch{Q: c.Query("q"), Before: c.Query("before")}
	choice := readColumnChoice(c, flow.KeyField)
	v := pages.RecordsView{
		Layout: s.layout(c, id, layouts.SectionFlows, "Records of "+flow.Name),
		FlowID: flow.ID.String(), FlowName: flow.Name, KeyField: flow.KeyField, Archived: flow.ArchivedAt != nil,
		Query: strings.TrimSpace(search.Q), Paged: search.Before != "", WindowLen: formatCount(models.RecordSearchWindow),
	}
	known, err := models.FlowFieldNames(ctx, s.db, id.AccountID, flow.ID)
	if err != nil {
		return err
	}
	filter, msg := search.Filter()
	if bid := c.Query("batch"); bid != "" && msg == "" {
		b, err := s.recordsBatch(c, id.AccountID, bid)
		if err != nil {
			return err
		}
		filter.Batch, v.BatchID, v.BatchName = b.ID, b.ID.String(), b.Name
		if filter.Before == uuid.Nil {
			// The walk starts at the batch's end: its records are none newer.
			filter.Before = models.RecordIDsBefore(time.Now())
			if b.FinishedAt != nil {
				filter.Before = models.RecordIDsBefore(*b.FinishedAt)
			}
		}
		v.Layout.Title = "Records of " + b.Name
	}
	if msg != "" {
		v.Error = msg
		choice.columns(&v, recordFields(known, flow.KeyField, nil))
		if err := s.batchChoices(c, &v, flow.ID); err != nil {
			return err
		}
		return render(c, pages.Records(v), pages.RecordResults(v))
	}
	page, err := models.ListRecords(ctx, s.db, id.AccountID, flow.ID, filter)
	if err != nil {
		return err
	}
	if err := s.recordRows(c, &v, page.Records, known, choice); err != nil {
		return err
	}
	if page.Next != uuid.Nil {
		v.Next, v.Window = page.Next.String(), page.Window
	}
	if isHTMX(c) && !isBoosted(c) {
		return render(c, pages.Records(v), pages.RecordResults(v))
	}
	if err := s.batchChoices(c, &v, flow.ID); err != nil {
		return err
	}
	if v.BatchID != "" {
		return render(c, pages.Records(v), pages.RecordResults(v))
	}
	n, err := models.CountFlowRecords(ctx, s.db, id.AccountID, flow.ID, recordCountLimit)
	if err != nil {
		return err
	}
	v.Total = recordTotal(n)
	return render(c, pages.Records(v), pages.RecordResults(v))
}

// recordRows fills the view's columns and rows from a page of records.
func (s *Server) recordRows(c *fiber.Ctx, v *pages.RecordsView, records []models.Record, known []string, choice columnChoice) error {
	data := make([]map[string]json.RawMessage, len(records))
	var batchIDs []uuid.UUID
	for i, r := range records {
		if err := json.Unmarshal(r.Data, &data[i]); err != nil {
			return fmt.Errorf("reading record %s: %w", r.ID, err)
		}
		if r.BatchID != nil && !slices.Contains(batchIDs, *r.BatchID) {
			batchIDs = append(batchIDs, *r.BatchID)
		}
	}
	choice.columns(v, recordFields(known, v.KeyField, data))
	names, err := models.BatchNames(c.UserContext(), s.db, identity(c).AccountID, batchIDs)
	if err != nil {
		return err
	}
	for i, r := range records {
		row := pages.RecordRow{ID: r.ID.String(), Cells: recordCells(data[i], v.Columns), CreatedAt: components.Timestamp(r.CreatedAt)}
		if r.Key != nil {
			row.Key = *r.Key
		}
		if r.BatchID != nil {
			row.BatchID, row.BatchName = r.BatchID.String(), names[*r.BatchID]
		}
		v.Records = append(v.Records, row)
	}
	return nil
}

// batchChoices lists the flow's recent batches for the batch filter, with
// the filtered batch among them.
func (s *Server) batchChoices(c *fiber.Ctx, v *pages.RecordsView, flowID uuid.UUID) error {
	batches, err := models.RecentFlowBatches(c.UserContext(), s.db, identity(c).AccountID, flowID, recentBatches)
	if err != nil {
		return err
	}
	listed := v.BatchID == ""
	for _, b := range batches {
		listed = listed || b.ID.String() == v.BatchID
		v.Batches = append(v.Batches, pages.Option{ID: b.ID.String(), Label: b.Name + " · " + string(b.Status) + " · " + b.CreatedAt.UTC().Format(time.DateOnly)})
	}
	if !listed {
		v.Batches = append([]pages.Option{{ID: v.BatchID, Label: v.BatchName}}, v.Batches...)
	}
	return nil
}

func recordTotal(n int64) string {
	switch {
	case n > recordCountLimit:
		return "More than " + formatCount(recordCountLimit) + " records, newest first."
	case n == 1:
		return "1 record."
	}
	return formatCount(int(n)) + " records, newest first."
}

// formatCount writes n with thousands separators: 100,000.
func formatCount(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// recordsBatch loads the batch whose records the browser is asked to show.
func (s *Server) recordsBatch(c *fiber.Ctx, accountID uuid.UUID, raw string) (*models.Batch, error) {
	bid, err := uuid.Parse(raw)
	if err != nil {
		return nil, models.ErrNotFound
	}
	return models.BatchByID(c.UserContext(), s.db, accountID, bid)
}
