package jobs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
)

// The failed records file holds the records of a batch that failed mapping,
// in the input's own format, each with its error, so that a person can fix
// them in a spreadsheet or an editor and send them again:
//   - CSV: the header row (when the interface has one) and the failing rows
//     as they were read, with an "error" column at the end;
//   - JSON: the failing values in an array (nested under records_path like
//     the input), objects with an "_error" member at the end;
//   - NDJSON: one failing object per line, with an "_error" member;
//   - XML: the failing record elements as they were written, each with an
//     "_error" attribute, inside a <failed-records> root.
//
// The error column, member or attribute is not a field of the interface,
// so sending the file again maps the records as before.

// failedRecordWriter writes failed records in one format. The file starts
// with the first write and ends with close.
type failedRecordWriter interface {
	write(rec *ingest.Record, msg string) error
	close() error
}

// failedErrorMember names the error in JSON objects and XML elements.
const failedErrorMember = "_error"

// newFailedRecordWriter writes failed records read with opts to w; ndjson
// tells a JSON input that is a sequence of objects rather than an array.
func newFailedRecordWriter(w *bufio.Writer, opts ingest.Options, ndjson bool) (failedRecordWriter, error) {
	switch opts.Format {
	case ingest.FormatCSV:
		cw := csv.NewWriter(w)
		if opts.CSVDelimiter != 0 {
			cw.Comma = opts.CSVDelimiter
		}
		return &csvFailedWriter{w: cw}, nil
	case ingest.FormatJSON:
		if ndjson {
			return &ndjsonFailedWriter{w: w}, nil
		}
		return &jsonFailedWriter{w: w, path: opts.RecordsPath}, nil
	case ingest.FormatXML:
		return &xmlFailedWriter{w: w}, nil
	case ingest.FormatXLSX:
		return newXLSXFailedWriter(w)
	}
	return nil, fmt.Errorf("no failed records file for format %q", opts.Format)
}

// csvFailedWriter writes CSV rows with an error column, spreadsheet-safe.
type csvFailedWriter struct {
	w       *csv.Writer
	started bool
	row     []string
}

func (f *csvFailedWriter) write(rec *ingest.Record, msg string) error {
	if !f.started {
		f.started = true
		if head := rec.Header(); head != nil {
			if err := f.writeRow(head, errorColumn(head)); err != nil {
				return err
			}
		}
	}
	return f.writeRow(rec.Columns(), msg)
}

func (f *csvFailedWriter) writeRow(cols []string, last string) error {
	f.row = f.row[:0]
	for _, c := range cols {
		f.row = append(f.row, SpreadsheetSafe(c))
	}
	f.row = append(f.row, SpreadsheetSafe(last))
	if err := f.w.Write(f.row); err != nil {
		return fmt.Errorf("writing failed records: %w", err)
	}
	return nil
}

func (f *csvFailedWriter) close() error {
	f.w.Flush()
	if err := f.w.Error(); err != nil {
		return fmt.Errorf("writing failed records: %w", err)
	}
	return nil
}

// xlsxFailedWriter writes the failed rows as a workbook of one sheet: the
// header with an error column, then each failed row with its error. Cells
// that read as numbers are written as numbers (Excel dates are serial
// numbers), the others as text, which a spreadsheet never runs as a
// formula. The stream writer keeps memory bounded by spilling to a
// temporary file.
type xlsxFailedWriter struct {
	out     *bufio.Writer
	f       *excelize.File
	sw      *excelize.StreamWriter
	row     int
	started bool
	vals    []any
}

func newXLSXFailedWriter(out *bufio.Writer) (*xlsxFailedWriter, error) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter(f.GetSheetName(0))
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("starting failed records workbook: %w", err)
	}
	return &xlsxFailedWriter{out: out, f: f, sw: sw}, nil
}

func (x *xlsxFailedWriter) write(rec *ingest.Record, msg string) error {
	if !x.started {
		x.started = true
		if head := rec.Header(); head != nil {
			if err := x.writeRow(head, errorColumn(head)); err != nil {
				return err
			}
		}
	}
	return x.writeRow(rec.Columns(), msg)
}

func (x *xlsxFailedWriter) writeRow(cols []string, last string) error {
	x.row++
	x.vals = x.vals[:0]
	for _, c := range cols {
		if n, err := strconv.ParseFloat(c, 64); err == nil && strings.TrimSpace(c) == c {
			x.vals = append(x.vals, n)
		} else {
			x.vals = append(x.vals, c)
		}
	}
	x.vals = append(x.vals, last)
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err == nil {
		err = x.sw.SetRow(cell, x.vals)
	}
	if err != nil {
		return fmt.Errorf("writing failed records: %w", err)
	}
	return nil
}

func (x *xlsxFailedWriter) close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("writing failed records: %w", err)
	}
	if _, err := x.f.WriteTo(x.out); err != nil {
		return fmt.Errorf("writing failed records: %w", err)
	}
	return nil
}

// errorColumn is "error", or with as many leading underscores as it takes
// not to repeat a column of the header.
func errorColumn(head []string) string {
	name := "error"
	for slices.ContainsFunc(head, func(h string) bool { return strings.TrimSpace(h) == name }) {
		name = "_" + name
	}
	return name
}

// SpreadsheetSafe prefixes with an apostrophe a CSV cell that a spreadsheet
// would run as a formula: one starting with = + - @, a tab or a carriage
// return, unless it is a plain number such as -5 or +1.5. A cell that
// starts with an apostrophe gets one more, so that UnescapeSpreadsheetCell
// gives back every cell exactly.
func SpreadsheetSafe(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '\'':
		return "'" + cell
	case '=', '@', '\t', '\r':
		return "'" + cell
	case '+', '-':
		if _, err := strconv.ParseFloat(cell, 64); err == nil {
			return cell
		}
		return "'" + cell
	}
	return cell
}

// UnescapeSpreadsheetCell undoes SpreadsheetSafe.
func UnescapeSpreadsheetCell(cell string) string { return strings.TrimPrefix(cell, "'") }

// jsonFailedWriter writes the failed values into an array, nested under
// the records path as in the input.
type jsonFailedWriter struct {
	w       *bufio.Writer
	path    string
	started bool
}

func (f *jsonFailedWriter) write(rec *ingest.Record, msg string) error {
	if f.started {
		f.w.WriteString(",\n")
	} else {
		f.start()
	}
	_, err := f.w.Write(withErrorMember(rec.Raw(), msg))
	return err
}

func (f *jsonFailedWriter) start() {
	f.started = true
	for _, name := range splitPath(f.path) {
		f.w.WriteString(`{`)
		writeJSONString(f.w, name)
		f.w.WriteString(`:`)
	}
	f.w.WriteString("[\n")
}

func (f *jsonFailedWriter) close() error {
	if !f.started {
		f.start()
	}
	f.w.WriteString("\n]")
	f.w.WriteString(strings.Repeat("}", len(splitPath(f.path))))
	_, err := f.w.WriteString("\n")
	return err
}

func splitPath(path string) []string {
	if path == "" {
		return nil
	}
	return strings.Split(path, ".")
}

// ndjsonFailedWriter writes one failed object per line.
type ndjsonFailedWriter struct{ w *bufio.Writer }

func (f *ndjsonFailedWriter) write(rec *ingest.Record, msg string) error {
	f.w.Write(withErrorMember(rec.Raw(), msg))
	_, err := f.w.WriteString("\n")
	return err
}

func (f *ndjsonFailedWriter) close() error { return nil }

// withErrorMember appends an "_error" member holding msg to the JSON object
// raw; a value that is not an object is returned unchanged.
func withErrorMember(raw []byte, msg string) []byte {
	if len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' {
		return raw
	}
	var b bytes.Buffer
	b.Grow(len(raw) + len(msg) + 16)
	b.Write(raw[:len(raw)-1])
	if len(bytes.TrimSpace(raw[1:len(raw)-1])) > 0 {
		b.WriteByte(',')
	}
	writeJSONString(&b, failedErrorMember)
	b.WriteByte(':')
	writeJSONString(&b, msg)
	b.WriteByte('}')
	return b.Bytes()
}

func writeJSONString(w io.Writer, s string) {
	b, _ := json.Marshal(s)
	_, _ = w.Write(b)
}

// xmlFailedWriter writes the failed elements under one root element.
type xmlFailedWriter struct {
	w       *bufio.Writer
	started bool
}

// xmlFailedRoot is the root element of an XML failed records file.
const xmlFailedRoot = "failed-records"

func (f *xmlFailedWriter) write(rec *ingest.Record, msg string) error {
	if !f.started {
		f.start()
	}
	raw := rec.Raw()
	// The element's name ends at the first space, '/' or '>' of its start tag.
	end := bytes.IndexAny(raw, " \t\r\n/>")
	if raw[0] != '<' || end < 0 {
		return fmt.Errorf("writing failed records: record %d is not an element", rec.Index)
	}
	f.w.Write(raw[:end])
	f.w.WriteString(" " + failedErrorMember + `="`)
	if err := xml.EscapeText(f.w, []byte(msg)); err != nil {
		return fmt.Errorf("writing failed records: %w", err)
	}
	f.w.WriteString(`"`)
	f.w.Write(raw[end:])
	_, err := f.w.WriteString("\n")
	return err
}

func (f *xmlFailedWriter) start() {
	f.started = true
	f.w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<" + xmlFailedRoot + ">\n")
}

func (f *xmlFailedWriter) close() error {
	if !f.started {
		f.start()
	}
	_, err := f.w.WriteString("</" + xmlFailedRoot + ">\n")
	return err
}

// failedContentTypes are the content types of failed records files, one
// per format that has a failedRecordWriter.
var failedContentTypes = map[models.Format]string{
	models.FormatCSV:  "text/csv",
	models.FormatJSON: "application/json",
	models.FormatXML:  "application/xml",
	models.FormatXLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// addFailedRecords writes the failed records file when records of the
// batch failed, and returns files with it added. It reads the input again
// and maps each processed record with the same mapper: mapping depends on
// nothing but the record and the interface, so the records that fail now
// are those that failed, with the same errors. On failure files, committed
// already, stay under their keys (see abortResults).
func (r *batchRun) addFailedRecords(ctx context.Context, files []*resultFile, key func(models.FileKind) string) (_ []*resultFile, err error) {
	if r.batch.FailedCount == 0 || failedContentTypes[r.batch.Format] == "" {
		return files, nil // no writer for the format: the batch ends without the file, not in ERROR
	}
	f, err := r.writeFailedRecords(ctx, key(models.KindFailed))
	if err != nil {
		return nil, err
	}
	return append(files, f), nil
}

func (r *batchRun) writeFailedRecords(ctx context.Context, key string) (_ *resultFile, err error) {
	m, err := r.mapper()
	if err != nil {
		return nil, err
	}
	in, err := r.Store.Open(ctx, r.inputKey)
	if err != nil {
		return nil, fmt.Errorf("opening input of batch %s: %w", r.batch.ID, err)
	}
	defer in.Close()
	br := bufio.NewReaderSize(in, 64<<10)
	ndjson := r.opts.Format == ingest.FormatJSON && r.opts.RecordsPath == "" && startsWithObject(br)
	rd, err := ingest.NewReader(br, r.opts)
	if err != nil {
		return nil, permanent("the interface's format options cannot be used: %v", err)
	}
	f := r.createResult(ctx, key, models.KindFailed, failedContentTypes[r.batch.Format])
	defer func() {
		if err != nil {
			f.w.Abort()
		}
	}()
	// The file is written in the input's dialect: a sniffed delimiter is
	// the one the reader found.
	opts := r.opts
	if opts.Format == ingest.FormatCSV {
		head, _ := br.Peek(ingest.SniffSize)
		opts.CSVDelimiter = ingest.CSVDelimiter(head, opts)
	}
	fw, err := newFailedRecordWriter(f.buf, opts, ndjson)
	if err != nil {
		return nil, permanent("%v", err)
	}
	var buf []byte
	var written int64
	// The pass stops after the last failed record.
	for n := int64(0); n < r.batch.ProcessedCount && written < r.batch.FailedCount; n++ {
		rec, err := rd.Next()
		switch {
		case errors.Is(err, io.EOF):
			return nil, permanent("the input changed after it was validated")
		case err != nil:
			return nil, fmt.Errorf("reading input of batch %s: %w", r.batch.ID, err)
		}
		if buf, _, err = m.Map(buf[:0], rec); err != nil {
			msg := err.Error()
			var ferr *ingest.FieldError
			if errors.As(err, &ferr) {
				msg = briefError(ferr) // as in process.log: the value is in the record beside it
			}
			if err := fw.write(rec, msg); err != nil {
				return nil, err
			}
			written++
		}
	}
	if written < r.batch.FailedCount {
		r.Log.Warn("failed records file has fewer records than the failed count", "batch_id", r.batch.ID,
			"written", written, "failed", r.batch.FailedCount)
	}
	if err := fw.close(); err != nil {
		return nil, err
	}
	if err := f.commit(); err != nil {
		return nil, err
	}
	return f, nil
}

// startsWithObject reports whether the payload's first value (after a byte
// order mark and whitespace) is an object: a JSON input without records
// path is then NDJSON.
func startsWithObject(br *bufio.Reader) bool {
	for n := 64; ; n *= 2 {
		b, err := br.Peek(n)
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 {
			return t[0] == '{'
		}
		if err != nil || n >= br.Size() {
			return false
		}
	}
}

// WriteRerunInput copies a failed records file of the given format to w as
// the input of a re-run: CSV cells made spreadsheet-safe get their content
// back; other formats are copied as they are.
func WriteRerunInput(w io.Writer, failed io.Reader, format models.Format, delimiter rune) error {
	if format != models.FormatCSV {
		if _, err := io.Copy(w, failed); err != nil {
			return fmt.Errorf("copying failed records: %w", err)
		}
		return nil
	}
	// The file was written in the input's dialect; an auto delimiter is
	// found in it again as the reader found it in the input.
	br := bufio.NewReaderSize(failed, 64<<10)
	head, _ := br.Peek(ingest.SniffSize)
	delimiter = ingest.CSVDelimiter(head, ingest.Options{CSVDelimiter: delimiter})
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cw := csv.NewWriter(w)
	cr.Comma, cw.Comma = delimiter, delimiter
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading failed records: %w", err)
		}
		for i, c := range row {
			row[i] = UnescapeSpreadsheetCell(c)
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("writing re-run input: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing re-run input: %w", err)
	}
	return nil
}
