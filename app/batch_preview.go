package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/models/colmatch"
	"github.com/flowbatch/flowbatch/models/textclip"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/pages"
)

// previewRecords is how many mapped records the overview step shows.
const previewRecords = 5

// countBudget bounds the time the overview step spends counting the records
// of a large input; past it the count is shown as "more than N".
const countBudget = 2 * time.Second

// batchInterface loads the batch's interface, or nil when it has none.
func (s *Server) batchInterface(ctx context.Context, b *models.Batch) (*models.Interface, error) {
	if b.InterfaceID == nil {
		return nil, nil //nolint:nilnil // no interface chosen yet is not an error
	}
	in, err := models.InterfaceByID(ctx, s.db, b.AccountID, *b.InterfaceID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil //nolint:nilnil // gone meanwhile: treated as not chosen
	}
	return in, err
}

// checkPayload reads every record of the payload open returns, as the
// batch's format, and returns the first payload error, if any. Like the
// engine, it reads an auto payload that is not UTF-8 again as the fallback.
func checkPayload(open func() (io.Reader, error), opts ingest.Options) (*ingest.PayloadError, error) {
	pe, err := firstPayloadError(open, opts)
	if errors.Is(err, ingest.ErrNotUTF8) {
		opts.Encoding = ingest.AutoFallback
		pe, err = firstPayloadError(open, opts)
	}
	return pe, err
}

func firstPayloadError(open func() (io.Reader, error), opts ingest.Options) (*ingest.PayloadError, error) {
	r, err := open()
	if err != nil {
		return nil, err
	}
	rd, err := ingest.NewReader(r, opts)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	for {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		var pe *ingest.PayloadError
		if errors.As(err, &pe) {
			return pe, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// summarize builds the overview step: the batch's settings, its record count
// and the first records mapped through the interface.
func (s *Server) summarize(c *fiber.Ctx, b *models.Batch) (*pages.WizardSummary, error) {
	ctx := c.UserContext()
	it, err := models.BatchListItemByID(ctx, s.db, b.AccountID, b.ID)
	if err != nil {
		return nil, err
	}
	sum := &pages.WizardSummary{Batch: s.rowView(it, time.Now()), OutputName: b.FileName(models.KindOutput)}
	var input models.File
	err = s.db.WithContext(ctx).Where("account_id = ? AND batch_id = ? AND kind = ?", b.AccountID, b.ID, models.KindInput).Take(&input).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		sum.Missing = append(sum.Missing, jobs.MissingInput)
	case err != nil:
		return nil, err
	default:
		sum.InputName = input.Name + " (" + humanSize(input.Size) + ")"
	}
	in, err := s.batchInterface(ctx, b)
	if err != nil {
		return nil, err
	}
	if in == nil || !in.Scopes.Has(models.ScopeBatch) || in.Format != b.Format || in.ArchivedAt != nil {
		sum.Missing = append([]string{jobs.MissingInterface}, sum.Missing...)
	}
	if b.FlowID == nil {
		sum.Missing = append(sum.Missing, jobs.MissingFlow)
	} else if in != nil {
		flow, err := models.FlowByID(ctx, s.db, b.AccountID, *b.FlowID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return nil, err
		}
		if err == nil && !in.Fields.Maps(flow.KeyField) {
			sum.Missing = append(sum.Missing, jobs.MissingKeyField(flow.KeyField))
		}
	}
	if sum.InputName == "" {
		return sum, nil
	}
	m, err := s.matchBatch(ctx, s.db, b)
	if err != nil {
		return nil, err
	}
	// Once run, a batch reads the columns of its snapshot, which its
	// report shows; the live interface may differ by now.
	if m.iface != nil && m.known() && b.Status == models.StatusDraft {
		sum.Columns = columnPanel(m)
	}
	if err := s.preview(ctx, b, in, &input, m, sum); err != nil {
		return nil, err
	}
	if sum.PayloadError == "" && m.iface != nil {
		sum.CheckAll = &components.CheckAllView{BatchID: b.ID.String(), State: "idle"}
	}
	return sum, nil
}

// preview streams the input: the first records are mapped, the rest only
// counted, within countBudget. An auto input that proves not to be UTF-8 is
// shown again from the start in the fallback encoding.
func (s *Server) preview(ctx context.Context, b *models.Batch, in *models.Interface, input *models.File, m *batchMatching, sum *pages.WizardSummary) error {
	opts := batchReaderOptions(in, b)
	err := s.previewAs(ctx, b, input, opts, m, sum)
	if errors.Is(err, ingest.ErrNotUTF8) {
		*sum = pages.WizardSummary{Batch: sum.Batch, InputName: sum.InputName, OutputName: sum.OutputName, Missing: sum.Missing,
			Columns: sum.Columns, CheckAll: sum.CheckAll}
		opts.Encoding = ingest.AutoFallback
		err = s.previewAs(ctx, b, input, opts, m, sum)
	}
	return err
}

func (s *Server) previewAs(ctx context.Context, b *models.Batch, input *models.File, opts ingest.Options, m *batchMatching, sum *pages.WizardSummary) error {
	r, err := s.store.Open(ctx, input.StorageKey)
	if err != nil {
		return err
	}
	defer r.Close()
	rd, err := ingest.NewReader(r, opts)
	if err != nil {
		return err
	}
	defer rd.Close()
	if b.Format.Text() {
		sum.ReadAs = rd.Encoding().Label()
	}
	mapper, fields := previewMapper(m)
	sum.PreviewFields = fields
	deadline := time.Now().Add(countBudget)
	for n := 0; ; n++ {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var pe *ingest.PayloadError
		if errors.As(err, &pe) {
			sum.PayloadError = "The input cannot be read: " + pe.Error() + "."
			return nil
		}
		if err != nil {
			return err
		}
		sum.Records++
		if n < previewRecords && mapper != nil {
			sum.Preview = append(sum.Preview, previewRecord(mapper, rec))
		}
		if n%1024 == 0 && time.Now().After(deadline) {
			sum.RecordsCapped = true
			if opts.Encoding == ingest.EncodingAuto {
				sum.ReadAs += " (so far)"
			}
			return nil
		}
	}
}

// previewMapper maps through the interface's fields under the batch's
// effective column map, with the flow's key, and returns the names of the
// fields it maps; nil without an interface.
func previewMapper(m *batchMatching) (*ingest.Mapper, []string) {
	if m.iface == nil {
		return nil, nil
	}
	fields := m.mappedFields()
	mp, err := ingest.NewMapper(fields, m.keyField)
	if err != nil && m.keyField != "" {
		mp, err = ingest.NewMapper(fields, "")
	}
	if err != nil {
		return nil, nil
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return mp, names
}

// previewCellLen bounds the text of a preview cell, in bytes.
const previewCellLen = 200

// previewRecord maps rec field by field: each field's value as text, or
// why the field fails the record (FieldErrors are written for people).
func previewRecord(mp *ingest.Mapper, rec *ingest.Record) pages.PreviewRecord {
	p := pages.PreviewRecord{Index: rec.Index, Line: rec.Line}
	values, err := mp.MapFields(rec)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	p.Cells = make([]pages.PreviewCell, len(values))
	for i, v := range values {
		switch {
		case v.Err != nil:
			// The column names the field; the cell tells what is wrong.
			p.Cells[i].Error = strings.TrimPrefix(v.Err.Error(), "field "+v.Err.Field+": ")
		case v.JSON != nil:
			p.Cells[i].Value = textclip.Clip(jsonText(v.JSON), previewCellLen)
		}
	}
	return p
}

// jsonText is a JSON value as a person reads it: a string without quotes
// and escapes, anything else as written.
func jsonText(v []byte) string {
	var s string
	if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

// columnPanel shows each field beside the column it reads: the batch's
// choice, else the proposed column with how sure the match is.
func columnPanel(m *batchMatching) *pages.ColumnPanel {
	p := &pages.ColumnPanel{Columns: m.names(), Unread: m.unread(), MissingRequired: m.missingRequired()}
	samples := map[string][]string{}
	for _, c := range m.columns {
		samples[c.Name] = c.Samples
	}
	for i, f := range m.iface.Fields {
		r := pages.ColumnRow{Field: f.Name, Required: f.Required || f.Name == m.keyField}
		if col, ok := m.chosen[f.Name]; ok {
			r.Selected, r.Mark = col, "chosen"
		} else {
			r.Selected, r.Mark = m.proposed[i].Column, string(m.proposed[i].Kind)
		}
		if r.Mark == string(colmatch.Suggested) {
			p.Pending = append(p.Pending, f.Name)
		}
		r.Samples = samples[r.Selected]
		p.Rows = append(p.Rows, r)
	}
	return p
}
