package ingest

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// DefaultMaxUnzipSize bounds the unpacked size of an XLSX workbook when
// Options.MaxUnzipSize is zero.
const DefaultMaxUnzipSize = 2 << 30

// xlsxPartLimit bounds each part of a workbook that excelize unpacks into
// memory (all but the worksheets and the shared strings, which go to
// temporary files past this size): styles, workbook, relationships.
const xlsxPartLimit = 16 << 20

// xlsxReader reads the rows of one sheet of an XLSX workbook. The workbook
// is copied to a temporary file first (a zip archive is read from its end),
// and the sheet is streamed from there by excelize's rows iterator with raw
// cell values, so memory stays bounded by a row and the shared strings.
type xlsxReader struct {
	src      io.Reader
	opts     Options
	opened   bool
	tmp      string
	f        *excelize.File
	rows     *excelize.Rows
	date1904 bool
	row      int // the row number of the current row
	header   bool
	head     csvHeader
	index    int
	rec      Record
	err      error
}

func newXLSXReader(src io.Reader, opts Options) *xlsxReader {
	r := &xlsxReader{src: src, opts: opts, header: opts.CSVHeader}
	r.rec.format = FormatXLSX
	r.rec.csvHead = &r.head
	return r
}

// Encoding implements Reader: the XML parts of a workbook are UTF-8.
func (r *xlsxReader) Encoding() Encoding { return EncodingUTF8 }

// Close implements Reader; it removes the temporary files.
func (r *xlsxReader) Close() error {
	var errs []error
	if r.rows != nil {
		errs = append(errs, r.rows.Close())
	}
	if r.f != nil {
		errs = append(errs, r.f.Close())
	}
	if r.tmp != "" {
		errs = append(errs, os.Remove(r.tmp))
		r.tmp = ""
	}
	return errors.Join(errs...)
}

// Next implements Reader.
func (r *xlsxReader) Next() (rec *Record, err error) {
	if r.err != nil {
		return nil, r.err
	}
	defer func() {
		// excelize reads a hostile workbook; a panic in it fails the payload,
		// not the process.
		if p := recover(); p != nil {
			rec, err = nil, r.fault("the workbook cannot be read")
		}
		if err != nil {
			r.err = err
		}
	}()
	if !r.opened {
		r.opened = true
		if err := r.open(); err != nil {
			return nil, err
		}
	}
	return r.next()
}

func (r *xlsxReader) fault(msg string) *PayloadError {
	return &PayloadError{Format: FormatXLSX, Line: r.row, Index: r.index, Msg: msg}
}

func (r *xlsxReader) open() error {
	return r.openAs(true)
}

// openAs opens the workbook and the sheet's rows, with raw cell values or
// as a spreadsheet shows them.
func (r *xlsxReader) openAs(raw bool) error {
	tmp, err := os.CreateTemp("", "flowbatch-xlsx-")
	if err != nil {
		return fmt.Errorf("reading XLSX payload: %w", err)
	}
	r.tmp = tmp.Name()
	size, err := io.Copy(tmp, r.src)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("reading XLSX payload: %w", err)
	}
	if err := r.checkZip(size); err != nil {
		return err
	}
	limit := r.maxUnzip()
	f, err := excelize.OpenFile(r.tmp, excelize.Options{
		RawCellValue: raw, UnzipSizeLimit: limit, UnzipXMLSizeLimit: min(limit, xlsxPartLimit),
	})
	if err != nil {
		return r.fault("the file is not a readable XLSX workbook")
	}
	r.f = f
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		r.date1904 = *props.Date1904
	}
	sheets := f.GetSheetList()
	sheet := r.opts.XLSXSheet
	switch {
	case len(sheets) == 0:
		return r.fault("the workbook has no sheet")
	case sheet == "":
		sheet = sheets[0]
	case !slices.Contains(sheets, sheet):
		return r.fault(fmt.Sprintf("the workbook has no sheet named %q (its sheets: %s)", sheet, strings.Join(sheets, ", ")))
	}
	if r.rows, err = f.Rows(sheet); err != nil {
		return r.fault(fmt.Sprintf("the sheet %q cannot be read", sheet))
	}
	return nil
}

func (r *xlsxReader) maxUnzip() int64 {
	if r.opts.MaxUnzipSize > 0 {
		return r.opts.MaxUnzipSize
	}
	return DefaultMaxUnzipSize
}

// checkZip refuses what excelize should not open: an encrypted workbook or
// an old .xls (both compound files), a file that is no zip archive, and
// one whose parts unpack past the limits (a zip bomb). The sizes a zip
// archive declares are safe to trust: archive/zip fails a part that unpacks
// to more than its header says.
func (r *xlsxReader) checkZip(size int64) error {
	f, err := os.Open(r.tmp)
	if err != nil {
		return fmt.Errorf("reading XLSX payload: %w", err)
	}
	defer f.Close()
	magic := make([]byte, len(oleMagic))
	if n, _ := io.ReadFull(f, magic); n == len(oleMagic) && string(magic) == string(oleMagic) {
		return r.fault("the workbook is password-protected (encrypted) or an old .xls file; save it as an .xlsx workbook without a password")
	}
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return r.fault("the file is not an XLSX workbook (not a zip archive)")
	}
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		name := strings.ToLower(zf.Name)
		inMemory := !strings.HasPrefix(name, "xl/worksheets/sheet") && name != "xl/sharedstrings.xml"
		if total > uint64(r.maxUnzip()) || inMemory && zf.UncompressedSize64 > xlsxPartLimit {
			return r.fault(fmt.Sprintf("the workbook unpacks to more than %s; it is refused", sizeText(r.maxUnzip())))
		}
	}
	return nil
}

func sizeText(n int64) string {
	if n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

func (r *xlsxReader) next() (*Record, error) {
	max := r.opts.maxRecordSize()
	for r.rows.Next() {
		r.row++
		cols, err := r.rows.Columns()
		if err != nil {
			return nil, r.fault("row cannot be read")
		}
		size, blank := 0, true
		for _, c := range cols {
			size += len(c)
			blank = blank && c == ""
		}
		if blank {
			continue
		}
		if size > max {
			return nil, r.fault(tooLargeMsg(max))
		}
		if r.header && r.head.names == nil {
			r.head.names = make(map[string]int, len(cols))
			for i, name := range cols {
				name = strings.TrimSpace(name)
				if _, dup := r.head.names[name]; !dup {
					r.head.names[name] = i
				}
			}
			continue
		}
		r.rec.Index = r.index
		r.rec.Line = r.row
		r.rec.cols = cols
		r.rec.xlsx1904 = r.date1904
		r.index++
		return &r.rec, nil
	}
	if err := r.rows.Error(); err != nil {
		return nil, r.fault("the sheet cannot be read")
	}
	if r.index == 0 {
		return nil, r.fault(noRecordsMsg)
	}
	return nil, io.EOF
}

// XLSXSheets lists the sheets of an XLSX workbook in order, opening it under
// the reader's limits; a workbook that cannot be read is a *PayloadError.
func XLSXSheets(src io.Reader, opts Options) (sheets []string, err error) {
	opts.XLSXSheet = ""
	r := newXLSXReader(src, opts)
	defer func() {
		if p := recover(); p != nil {
			sheets, err = nil, r.fault("the workbook cannot be read")
		}
		if cerr := r.Close(); err == nil {
			err = cerr
		}
	}()
	if err := r.open(); err != nil {
		return nil, err
	}
	return r.f.GetSheetList(), nil
}

// XLSXPreview returns the first rows of a workbook's first sheet as a
// spreadsheet shows them (dates and numbers formatted), blank rows
// skipped, and whether more follow; for a person's look, not for reading
// records. The reader's limits apply.
func XLSXPreview(src io.Reader, opts Options, max int) (sheet string, rows [][]string, more bool, err error) {
	opts.XLSXSheet = ""
	r := newXLSXReader(src, opts)
	defer func() {
		if p := recover(); p != nil {
			rows, err = nil, r.fault("the workbook cannot be read")
		}
		if cerr := r.Close(); err == nil {
			err = cerr
		}
	}()
	if err := r.openAs(false); err != nil {
		return "", nil, false, err
	}
	sheet = r.f.GetSheetList()[0]
	for r.rows.Next() {
		cols, err := r.rows.Columns()
		if err != nil {
			return "", nil, false, r.fault("row cannot be read")
		}
		if !slices.ContainsFunc(cols, func(c string) bool { return c != "" }) {
			continue
		}
		if len(rows) == max {
			return sheet, rows, true, nil
		}
		rows = append(rows, cols)
	}
	return sheet, rows, false, nil
}
