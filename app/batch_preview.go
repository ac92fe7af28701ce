package app

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
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
	sum := &pages.WizardSummary{Batch: components.NewBatchView(it, time.Now()), OutputName: b.FileName(models.KindOutput)}
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
	}
	if sum.InputName == "" {
		return sum, nil
	}
	return sum, s.preview(ctx, b, in, &input, sum)
}

// preview streams the input: the first records are mapped, the rest only
// counted, within countBudget. An auto input that proves not to be UTF-8 is
// shown again from the start in the fallback encoding.
func (s *Server) preview(ctx context.Context, b *models.Batch, in *models.Interface, input *models.File, sum *pages.WizardSummary) error {
	opts := batchReaderOptions(in, b)
	err := s.previewAs(ctx, b, in, input, opts, sum)
	if errors.Is(err, ingest.ErrNotUTF8) {
		*sum = pages.WizardSummary{Batch: sum.Batch, InputName: sum.InputName, OutputName: sum.OutputName, Missing: sum.Missing}
		opts.Encoding = ingest.AutoFallback
		err = s.previewAs(ctx, b, in, input, opts, sum)
	}
	return err
}

func (s *Server) previewAs(ctx context.Context, b *models.Batch, in *models.Interface, input *models.File, opts ingest.Options, sum *pages.WizardSummary) error {
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
	mapper := s.previewMapper(ctx, b, in)
	deadline := time.Now().Add(countBudget)
	var buf []byte
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
			p := pages.PreviewRecord{Index: rec.Index, Line: rec.Line}
			out, _, err := mapper.Map(buf[:0], rec)
			if err != nil {
				p.Error = err.Error() // a FieldError: written for people, names the field and value
			} else {
				p.JSON, buf = string(out), out
			}
			sum.Preview = append(sum.Preview, p)
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

// previewMapper maps through the interface's fields with the flow's key, or nil without an interface.
func (s *Server) previewMapper(ctx context.Context, b *models.Batch, in *models.Interface) *ingest.Mapper {
	if in == nil {
		return nil
	}
	fields := jobs.IngestFields(in.Fields)
	key := ""
	if b.FlowID != nil {
		if flow, err := models.FlowByID(ctx, s.db, b.AccountID, *b.FlowID); err == nil {
			key = flow.KeyField
		}
	}
	m, err := ingest.NewMapper(fields, key)
	if err != nil && key != "" {
		m, err = ingest.NewMapper(fields, "")
	}
	if err != nil {
		return nil
	}
	return m
}
