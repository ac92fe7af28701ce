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

// xlsxPartLimit bounds each part of a workbook that is read whole rather
// than streamed (the workbook, its relationships; for a preview, every part
// excelize keeps in memory): all but the worksheets and the shared strings.
const xlsxPartLimit = 16 << 20

// xlsxReader reads the rows of one sheet of an XLSX workbook. The workbook
// is copied to a temporary file first (a zip archive is read from its end);
// the sheet's XML is then inflated and tokenized as it streams, by the
// package's XML reader with each <row> a record, so memory stays bounded by
// a row and the shared strings. Cell values are the raw ones excelize's
// GetRows returns with RawCellValue (FuzzXLSXMatchesGetRows holds the
// reader to it); excelize's own rows iterator, built on encoding/xml, read
// 192k rows 25 times slower than the CSV reader reads the same rows.
type xlsxReader struct {
	src      io.Reader
	opts     Options
	opened   bool
	tmp      string
	file     *os.File
	parts    map[string]*zip.File // by lower-case name
	sheetRC  io.ReadCloser
	rows     *xmlReader
	sst      sharedStrings
	date1904 bool
	row      int // the row number of the current row
	header   bool
	head     csvHeader
	index    int
	rec      Record
	cols     []string
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

// Close implements Reader; it removes the temporary file.
func (r *xlsxReader) Close() error {
	var errs []error
	if r.sheetRC != nil {
		errs = append(errs, r.sheetRC.Close())
		r.sheetRC = nil
	}
	if r.file != nil {
		errs = append(errs, r.file.Close())
		r.file = nil
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

// open spools the workbook to a temporary file, checks it (checkZip), and
// opens the sheet's rows and the shared strings.
func (r *xlsxReader) open() error {
	if err := r.spool(); err != nil {
		return err
	}
	wb, err := r.workbook()
	if err != nil {
		return err
	}
	r.date1904 = wb.date1904
	var sheet xlsxSheet
	switch {
	case len(wb.sheets) == 0:
		return r.fault("the workbook has no sheet")
	case r.opts.XLSXSheet == "":
		sheet = wb.sheets[0]
	default:
		i := slices.IndexFunc(wb.sheets, func(s xlsxSheet) bool { return s.name == r.opts.XLSXSheet })
		if i < 0 {
			return r.fault(fmt.Sprintf("the workbook has no sheet named %q (its sheets: %s)", r.opts.XLSXSheet, strings.Join(wb.names(), ", ")))
		}
		sheet = wb.sheets[i]
	}
	part := r.parts[strings.ToLower(sheet.part)]
	if part == nil {
		return r.fault(fmt.Sprintf("the sheet %q is missing from the workbook", sheet.name))
	}
	if sst := r.parts[strings.ToLower(wb.sharedStrings)]; sst != nil {
		if err := r.sst.load(sst, r.opts.maxRecordSize()); err != nil {
			return r.fault("the shared strings cannot be read: " + err.Error())
		}
	}
	if r.sheetRC, err = part.Open(); err != nil {
		return r.fault(fmt.Sprintf("the sheet %q cannot be read", sheet.name))
	}
	r.rows, err = newXMLReader(r.sheetRC, Options{RecordElement: "row", MaxRecordSize: r.opts.maxRecordSize()}, xmlBufSize)
	return err
}

// spool copies the payload to a temporary file and opens it as a zip archive.
func (r *xlsxReader) spool() error {
	tmp, err := os.CreateTemp("", "flowbatch-xlsx-")
	if err != nil {
		return fmt.Errorf("reading XLSX payload: %w", err)
	}
	r.tmp, r.file = tmp.Name(), tmp
	size, err := io.Copy(tmp, r.src)
	if err != nil {
		return fmt.Errorf("reading XLSX payload: %w", err)
	}
	return r.checkZip(size)
}

func (r *xlsxReader) maxUnzip() int64 {
	if r.opts.MaxUnzipSize > 0 {
		return r.opts.MaxUnzipSize
	}
	return DefaultMaxUnzipSize
}

// checkZip refuses what should not be opened: an encrypted workbook or an
// old .xls (both compound files), a file that is no zip archive, and one
// whose parts unpack past the limits (a zip bomb). The sizes a zip archive
// declares are safe to trust: archive/zip fails a part that unpacks to more
// than its header says.
func (r *xlsxReader) checkZip(size int64) error {
	magic := make([]byte, len(oleMagic))
	if n, _ := r.file.ReadAt(magic, 0); n == len(oleMagic) && string(magic) == string(oleMagic) {
		return r.fault("the workbook is password-protected (encrypted) or an old .xls file; save it as an .xlsx workbook without a password")
	}
	zr, err := zip.NewReader(r.file, size)
	if err != nil {
		return r.fault("the file is not an XLSX workbook (not a zip archive)")
	}
	var total uint64
	r.parts = make(map[string]*zip.File, len(zr.File))
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		name := strings.ToLower(zf.Name)
		inMemory := !strings.HasPrefix(name, "xl/worksheets/sheet") && name != "xl/sharedstrings.xml"
		if total > uint64(r.maxUnzip()) || inMemory && zf.UncompressedSize64 > xlsxPartLimit {
			return r.fault(fmt.Sprintf("the workbook unpacks to more than %s; it is refused", sizeText(r.maxUnzip())))
		}
		r.parts[name] = zf
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
	for {
		row, err := r.rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *PayloadError
		if errors.As(err, &pe) {
			if pe.Msg == noRecordsMsg {
				break
			}
			return nil, r.fault("the sheet is not valid XML: " + pe.Msg)
		}
		if err != nil {
			return nil, r.fault("the sheet cannot be read")
		}
		if err := r.cells(row); err != nil {
			return nil, err
		}
		size, blank := 0, true
		for _, c := range r.cols {
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
			r.head.names = make(map[string]int, len(r.cols))
			r.head.row = make([]string, len(r.cols))
			for i, name := range r.cols {
				// The cells are views of the row, which the next row reuses.
				r.head.row[i] = strings.Clone(name)
				name = strings.Clone(strings.TrimSpace(name))
				if _, dup := r.head.names[name]; !dup {
					r.head.names[name] = i
				}
			}
			continue
		}
		r.rec.Index = r.index
		r.rec.Line = r.row
		r.rec.cols = r.cols
		r.rec.xlsx1904 = r.date1904
		r.index++
		return &r.rec, nil
	}
	if r.index == 0 {
		return nil, r.fault(noRecordsMsg)
	}
	return nil, io.EOF
}

// XLSXSheets lists the sheets of an XLSX workbook in order, opening it under
// the reader's limits; a workbook that cannot be read is a *PayloadError.
func XLSXSheets(src io.Reader, opts Options) ([]string, error) {
	r := newXLSXReader(src, opts)
	defer r.Close()
	if err := r.spool(); err != nil {
		return nil, err
	}
	wb, err := r.workbook()
	if err != nil {
		return nil, err
	}
	return wb.names(), nil
}

// XLSXPreview returns the first rows of a workbook's first sheet as a
// spreadsheet shows them (excelize formats dates and numbers), blank rows
// skipped, and whether more follow; for a person's look, not for reading
// records. The reader's limits apply before excelize opens the file.
func XLSXPreview(src io.Reader, opts Options, max int) (sheet string, rows [][]string, more bool, err error) {
	r := newXLSXReader(src, opts)
	defer r.Close()
	if err := r.spool(); err != nil {
		return "", nil, false, err
	}
	defer func() {
		// excelize reads a hostile workbook; a panic in it fails the preview.
		if p := recover(); p != nil {
			rows, err = nil, r.fault("the workbook cannot be read")
		}
	}()
	limit := r.maxUnzip()
	f, err := excelize.OpenFile(r.tmp, excelize.Options{UnzipSizeLimit: limit, UnzipXMLSizeLimit: min(limit, xlsxPartLimit)})
	if err != nil {
		return "", nil, false, r.fault("the file is not a readable XLSX workbook")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return "", nil, false, r.fault("the workbook has no sheet")
	}
	it, err := f.Rows(sheets[0])
	if err != nil {
		return "", nil, false, r.fault(fmt.Sprintf("the sheet %q cannot be read", sheets[0]))
	}
	defer it.Close()
	for it.Next() {
		cols, err := it.Columns()
		if err != nil {
			return "", nil, false, r.fault("row cannot be read")
		}
		if !slices.ContainsFunc(cols, func(c string) bool { return c != "" }) {
			continue
		}
		if len(rows) == max {
			return sheets[0], rows, true, nil
		}
		rows = append(rows, cols)
	}
	return sheets[0], rows, false, nil
}
