package app

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/pages"
)

// defaultReadInterface stands for the interface of a batch that has none
// yet: the settings a new interface starts with.
var defaultReadInterface = models.Interface{Encoding: models.EncodingAuto, CSVDelimiter: models.DelimiterAuto,
	CSVQuote: `"`, CSVHeader: true, RecordElement: "record"}

// batchReaderOptions are the reader options of a batch: its interface's
// (the defaults without one) under its read options.
func batchReaderOptions(in *models.Interface, b *models.Batch) ingest.Options {
	if in == nil {
		in = &defaultReadInterface
	}
	return jobs.BatchIngestOptions(in, b)
}

// readSettings looks at the start of the batch's input (a workbook's list
// of sheets) and builds the read settings panel; nil when the batch has no
// input yet.
func (s *Server) readSettings(c *fiber.Ctx, b *models.Batch) (*components.ReadSettingsProps, error) {
	ctx := c.UserContext()
	var input models.File
	err := s.db.WithContext(ctx).Where("account_id = ? AND batch_id = ? AND kind = ?", b.AccountID, b.ID, models.KindInput).Limit(1).Find(&input).Error
	if err != nil || input.ID == uuid.Nil {
		return nil, err
	}
	in, err := s.batchInterface(ctx, b)
	if err != nil {
		return nil, err
	}
	opts := batchReaderOptions(in, b)
	base := in
	if base == nil {
		base = &defaultReadInterface
	}
	p := &components.ReadSettingsProps{
		BatchID: b.ID.String(), CSRFToken: csrfToken(c), Format: string(b.Format),
		ReadOnly: !b.Status.Allows(models.ActionEdit), Values: readValues(b.ReadOptions), Errors: map[string]string{},
		Encodings:  withDefault(optionLabel(pages.EncodingOptions, base.Encoding), pages.EncodingOptions),
		Delimiters: withDefault(delimiterLabel(base.CSVDelimiter), delimiterOptions),
		Quotes:     withDefault(base.CSVQuote, pages.QuoteOptions),
		Headers:    withDefault(yesNo(base.CSVHeader), []components.Option{{Value: "yes", Label: "yes"}, {Value: "no", Label: "no"}}),
	}
	if b.Format == models.FormatXLSX {
		return p, s.lookAtWorkbook(ctx, input.StorageKey, base, opts, p)
	}
	head, err := s.readHead(ctx, &input, ingest.SniffSize)
	if err != nil {
		return nil, err
	}
	d, err := ingest.Sniff(head, opts)
	if err != nil {
		return nil, err
	}
	if mismatch := models.Format(d.Format); mismatch != b.Format && (mismatch != models.FormatCSV || b.Format == models.FormatXLSX) {
		p.Fault = (&models.FormatMismatchError{Got: mismatch, Want: b.Format}).Error()
		return p, nil
	}
	enc := d.Encoding.Label()
	switch {
	case b.ReadEncoding != "":
		enc = ingest.Encoding(b.ReadEncoding).Label() + " (used)"
	case opts.Encoding == ingest.EncodingAuto:
		enc += " (found at the start; the whole file decides)"
	}
	p.Detected = append(p.Detected, [2]string{"Encoding", enc})
	if b.Format == models.FormatCSV {
		found := ""
		if opts.CSVDelimiter == ingest.DelimiterAuto {
			found = " (found)"
		}
		header := yesNo(opts.CSVHeader)
		if d.HasHeader != opts.CSVHeader {
			header += map[bool]string{true: " (the first row looks like names)", false: " (the first row looks like data)"}[d.HasHeader]
		}
		p.Detected = append(p.Detected, [2]string{"Delimiter", delimiterLabel(string(d.Delimiter)) + found},
			[2]string{"Quote", string(d.Quote)}, [2]string{"Line ends", d.LineEnd}, [2]string{"Header row", header})
		p.Columns = d.Columns
	}
	return p, nil
}

// lookAtWorkbook lists a workbook's sheets into the panel.
func (s *Server) lookAtWorkbook(ctx context.Context, key string, base *models.Interface, opts ingest.Options, p *components.ReadSettingsProps) error {
	r, err := s.store.Open(ctx, key)
	if err != nil {
		return err
	}
	defer r.Close()
	sheets, err := ingest.XLSXSheets(r, opts)
	var pe *ingest.PayloadError
	if errors.As(err, &pe) {
		p.Fault = "The workbook cannot be read: " + pe.Msg + "."
		return nil
	}
	if err != nil {
		return err
	}
	first := base.XLSXSheet
	if first == "" {
		first = "the first"
	}
	p.Sheets = []components.Option{{Value: "", Label: "The interface's (" + first + ")"}}
	for _, sh := range sheets {
		p.Sheets = append(p.Sheets, components.Option{Value: sh, Label: sh})
	}
	read := opts.XLSXSheet
	if read == "" && len(sheets) > 0 {
		read = sheets[0]
	}
	p.Detected = append(p.Detected, [2]string{"Sheets", strings.Join(sheets, ", ")}, [2]string{"Sheet read", read},
		[2]string{"Header row", yesNo(opts.CSVHeader)})
	return nil
}

// delimiterOptions are the delimiters the wizard offers.
var delimiterOptions = []components.Option{
	{Value: models.DelimiterAuto, Label: "auto (found in the first lines)"}, {Value: ",", Label: ", (comma)"},
	{Value: ";", Label: "; (semicolon)"}, {Value: "\t", Label: "tab"}, {Value: "|", Label: "| (pipe)"},
}

func delimiterLabel(d string) string {
	return optionLabel(delimiterOptions, d)
}

// withDefault puts the "keep the interface's setting" choice before opts.
func withDefault(current string, opts []components.Option) []components.Option {
	return append([]components.Option{{Value: "", Label: "The interface's (" + current + ")"}}, opts...)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// readValues are the batch's read options as the panel's form values.
func readValues(o models.ReadOptions) map[string]string {
	v := map[string]string{"encoding": o.Encoding, "delimiter": o.Delimiter, "quote": o.Quote, "sheet": o.Sheet}
	if o.Header != nil {
		v["header"] = yesNo(*o.Header)
	}
	return v
}
