package ingest

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format is the payload format of an interface.
type Format string

// The payload formats an interface can read.
const (
	FormatJSON Format = "json"
	FormatXML  Format = "xml"
	FormatCSV  Format = "csv"
	FormatXLSX Format = "xlsx"
)

// DefaultMaxRecordSize is the record size limit used when Options.MaxRecordSize is zero.
const DefaultMaxRecordSize = 16 << 20

// maxDepth bounds the nesting of JSON values and XML elements.
const maxDepth = 1000

// Options are the interface's format options.
type Options struct {
	// Format is the payload format.
	Format Format
	// RecordsPath (JSON) is "" for a top-level array, or NDJSON when the document does
	// not start with '['; otherwise a dotted path ("data.items") to an array nested in
	// top-level objects.
	RecordsPath string
	// CSVDelimiter is the CSV column delimiter; zero means ',', DelimiterAuto
	// one of , ; tab | sniffed from the first lines (SniffDelimiter).
	CSVDelimiter rune
	// CSVQuote is the CSV quote character, '"' or '\''; zero means '"'.
	CSVQuote rune
	// CSVHeader tells that the first CSV (or XLSX) row names the columns. Sources are
	// then column names; without a header they are 1-based column numbers ("1", "2",
	// ...) or the names "column_1", "column_2", ...
	CSVHeader bool
	// Encoding is the character encoding setting of a text payload; a byte
	// order mark overrides it. "" reads UTF-8 as it comes: invalid bytes fail
	// the records holding them when mapped, as with EncodingUTF8.
	Encoding Encoding
	// XLSXSheet names the sheet an XLSX payload is read from; "" is the first.
	XLSXSheet string
	// MaxUnzipSize bounds the unpacked size of an XLSX workbook; zero means
	// DefaultMaxUnzipSize.
	MaxUnzipSize int64
	// RecordElement (XML) is the local name of the element holding one record.
	RecordElement string
	// MaxRecordSize bounds the bytes of one record; zero means DefaultMaxRecordSize.
	MaxRecordSize int
}

func (o Options) maxRecordSize() int {
	if o.MaxRecordSize > 0 {
		return o.MaxRecordSize
	}
	return DefaultMaxRecordSize
}

// DelimiterAuto as Options.CSVDelimiter sniffs the delimiter from the first lines.
const DelimiterAuto rune = -1

// Reader streams raw records out of a payload.
type Reader interface {
	// Next returns the next record, or io.EOF after the last one. It returns a
	// *PayloadError when the payload is not valid for its format, including a payload
	// without any record. The returned Record is reused by the next call.
	Next() (*Record, error)
	// Encoding is the encoding the payload is read in (UTF-8 for XLSX).
	Encoding() Encoding
	// Close releases what the reader holds besides memory (an XLSX reader's
	// temporary files). It does not close the io.Reader it was given.
	Close() error
}

// recordReader is what each format's reader implements.
type recordReader interface {
	Next() (*Record, error)
}

// payloadReader is the Reader of a text payload: a format's reader over the
// decoded text.
type payloadReader struct {
	recordReader
	enc Encoding
}

func (r *payloadReader) Encoding() Encoding { return r.enc }

func (r *payloadReader) Close() error { return nil }

// NewReader returns a Reader of the records in r. It returns an error (not a
// *PayloadError) when the options themselves are invalid. Text payloads are
// decoded under Options.Encoding (see decode); under EncodingAuto, Next may
// fail with ErrNotUTF8.
func NewReader(r io.Reader, opts Options) (Reader, error) {
	if opts.Format == FormatXLSX {
		return newXLSXReader(r, opts), nil
	}
	text, enc, err := decode(r, opts.Encoding)
	if err != nil {
		return nil, err
	}
	var rd recordReader
	switch opts.Format {
	case FormatJSON:
		rd, err = newJSONReader(text, opts, bufferSize(r, jsonBufSize))
	case FormatCSV:
		rd, err = newCSVReader(text, opts)
	case FormatXML:
		rd, err = newXMLReader(text, opts, bufferSize(r, xmlBufSize))
	default:
		return nil, fmt.Errorf("unknown format %q", opts.Format)
	}
	if err != nil {
		return nil, err
	}
	return &payloadReader{recordReader: rd, enc: enc}, nil
}

// Record is one raw record of a payload. Its values are read through a Mapper.
type Record struct {
	// Index is the 0-based position of the record in the payload.
	Index int
	// Line is the 1-based line where the record starts.
	Line int
	// Offset is the byte offset where the record starts.
	Offset int64

	format Format

	// JSON: the raw bytes of the value and, when it is an object, its members.
	raw     []byte
	members []jsonMember

	// CSV: the row's columns and the column names.
	cols     []string
	csvHead  *csvHeader
	wantCols int

	// XLSX (cols and csvHead as CSV): the workbook counts dates from 1904.
	xlsx1904 bool

	// XML: leaf values and elements of the record, paths and texts in arenas.
	xvals []xmlValue
	xpath []byte
	xtext []byte
	xraw  []byte
}

// Raw returns the record's bytes as they stand in the payload: a JSON value,
// or an XML element from its start tag to its end tag; nil for CSV, whose
// row is Columns. It is valid until the next call of Next.
func (r *Record) Raw() []byte {
	switch r.format {
	case FormatJSON:
		return r.raw
	case FormatXML:
		return r.xraw
	}
	return nil
}

// Columns returns the columns of a CSV row, nil for other formats. It is
// valid until the next call of Next.
func (r *Record) Columns() []string { return r.cols }

// Header returns the header row of a CSV or XLSX payload as it stands, nil
// without one and for other formats.
func (r *Record) Header() []string {
	if r.csvHead == nil {
		return nil
	}
	return r.csvHead.row
}

// PayloadError tells that a payload is not valid for its format. Nothing of such a
// payload should be stored.
type PayloadError struct {
	// Format is the payload format.
	Format Format
	// Line is the 1-based line of the fault, 0 when unknown.
	Line int
	// Offset is the byte offset of the fault.
	Offset int64
	// Index is the 0-based index of the record being read.
	Index int
	// Msg tells what is wrong.
	Msg string
}

// Error returns a message such as "invalid JSON at byte 1234 (line 7): unexpected end of input",
// or for a workbook "invalid XLSX (row 7): row cannot be read".
func (e *PayloadError) Error() string {
	var b strings.Builder
	b.WriteString("invalid ")
	b.WriteString(strings.ToUpper(string(e.Format)))
	if e.Format == FormatXLSX {
		if e.Line > 0 {
			b.WriteString(" (row ")
			b.WriteString(strconv.Itoa(e.Line))
			b.WriteString(")")
		}
		b.WriteString(": ")
		b.WriteString(e.Msg)
		return b.String()
	}
	b.WriteString(" at byte ")
	b.WriteString(strconv.FormatInt(e.Offset, 10))
	if e.Line > 0 {
		b.WriteString(" (line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// FieldError tells why one record could not be mapped. The record should be skipped
// and reported; the other records are not affected.
type FieldError struct {
	// Field is the name of the failing field, "" when the whole record is at fault.
	Field string
	// Value is the offending value, truncated to about 200 bytes of valid UTF-8.
	Value string
	// Msg tells what is wrong.
	Msg string
}

// Error returns a message such as `field age: expected an integer (value "abc")`.
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Field != "" {
		b.WriteString("field ")
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Value != "" {
		b.WriteString(" (value ")
		b.WriteString(strconv.Quote(e.Value))
		b.WriteString(")")
	}
	return b.String()
}

const maxErrorValue = 200

// errorValue returns b as valid UTF-8 (invalid bytes become U+FFFD) cut to at
// most maxErrorValue bytes plus an ellipsis.
func errorValue(b []byte) string {
	if len(b) <= maxErrorValue && utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if sb.Len()+utf8.RuneLen(r) > maxErrorValue {
			sb.WriteString("…")
			break
		}
		sb.WriteRune(r)
		b = b[size:]
	}
	return sb.String()
}

// errRecordTooLarge is returned by the limiting reader of the CSV and XML readers.
var errRecordTooLarge = errors.New("record too large")

func tooLargeMsg(limit int) string {
	if limit%(1<<20) == 0 {
		return fmt.Sprintf("record exceeds the size limit of %d MiB", limit>>20)
	}
	return fmt.Sprintf("record exceeds the size limit of %d bytes", limit)
}

const noRecordsMsg = "no records found"

// limitedReader fails once more than limit bytes are read past mark, so that a
// parser buffering a single token or row cannot grow without bound.
type limitedReader struct {
	r     io.Reader
	n     int64 // bytes read so far
	mark  int64
	limit int64
	err   error // the last read error other than io.EOF
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n-l.mark > l.limit {
		return 0, errRecordTooLarge
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if err != nil && err != io.EOF {
		l.err = err
	}
	return n, err
}

// NoRecords reports whether the error is that of a payload valid for its
// format but without a single record (`[]`, a CSV with only its header, XML
// without the record element, an empty payload).
func (e *PayloadError) NoRecords() bool { return e.Msg == noRecordsMsg }
