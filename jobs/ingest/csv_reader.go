package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// csvHeader holds the column names of a CSV payload; names is nil without a
// header row.
type csvHeader struct {
	names map[string]int
	row   []string // the header row as it stands
}

type csvReader struct {
	cr       *csv.Reader
	lim      *limitedReader
	bom      int64 // length of the stripped byte order mark
	header   bool
	head     csvHeader
	want     int // columns of the header (or first) row
	lastLine int
	index    int
	rec      Record
	err      error
	max      int
	quote    byte // the quote character when it is not '"' (values are swapped back)
}

// CSVDelimiter is the delimiter a CSV reader with opts uses for a payload
// that starts with head: the setting's, ',' without one, or sniffed from
// head for DelimiterAuto. Writers of CSV in the input's own dialect (the
// failed records file) take it from here, as the reader does.
func CSVDelimiter(head []byte, opts Options) rune {
	switch opts.CSVDelimiter {
	case 0:
		return ','
	case DelimiterAuto:
		return SniffDelimiter(bytes.TrimPrefix(head, utf8BOM), csvQuote(opts))
	}
	return opts.CSVDelimiter
}

func newCSVReader(src io.Reader, opts Options) (*csvReader, error) {
	quote := csvQuote(opts)
	if quote != '"' && quote != '\'' {
		return nil, fmt.Errorf("invalid CSV quote %q", quote)
	}
	br := bufio.NewReaderSize(src, 64<<10)
	var bom int64
	if b, _ := br.Peek(3); bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(3)
		bom = 3
	}
	head, _ := br.Peek(SniffSize)
	delim := CSVDelimiter(head, opts)
	if delim == '"' || delim == '\'' || delim == '\r' || delim == '\n' || delim == utf8.RuneError || !utf8.ValidRune(delim) {
		return nil, fmt.Errorf("invalid CSV delimiter %q", delim)
	}
	var text io.Reader = br
	if crOnly(head) {
		text = &crToLF{r: br}
	}
	if quote != '"' {
		text = &quoteSwap{r: text, q: byte(quote)}
	}
	max := opts.maxRecordSize()
	lim := &limitedReader{r: text, limit: int64(max)}
	cr := csv.NewReader(lim)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	r := &csvReader{cr: cr, lim: lim, bom: bom, header: opts.CSVHeader, max: max}
	if quote != '"' {
		r.quote = byte(quote)
	}
	r.rec.format = FormatCSV
	r.rec.csvHead = &r.head
	return r, nil
}

// Next implements Reader.
func (r *csvReader) Next() (*Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	rec, err := r.next()
	if err != nil {
		r.err = err
		return nil, err
	}
	return rec, nil
}

func (r *csvReader) next() (*Record, error) {
	for {
		offset := r.cr.InputOffset()
		r.lim.mark = offset
		cols, err := r.cr.Read()
		if err != nil {
			return nil, r.readErr(err, offset)
		}
		if r.quote != 0 {
			for i, c := range cols {
				cols[i] = swapQuotes(c, r.quote)
			}
		}
		line, _ := r.cr.FieldPos(0)
		r.lastLine, _ = r.cr.FieldPos(len(cols) - 1)
		if r.want == 0 {
			r.want = len(cols)
			if r.header {
				r.head.names = make(map[string]int, len(cols))
				r.head.row = slices.Clone(cols)
				for i, name := range cols {
					name = strings.TrimSpace(name)
					if _, dup := r.head.names[name]; !dup {
						r.head.names[name] = i
					}
				}
				continue
			}
		}
		r.rec.Index = r.index
		r.rec.Line = line
		r.rec.Offset = offset + r.bom
		r.rec.cols = cols
		r.rec.wantCols = r.want
		r.index++
		return &r.rec, nil
	}
}

func (r *csvReader) readErr(err error, offset int64) error {
	if err == io.EOF {
		if r.index == 0 {
			return &PayloadError{Format: FormatCSV, Offset: r.cr.InputOffset() + r.bom, Msg: noRecordsMsg}
		}
		return io.EOF
	}
	if errors.Is(err, errRecordTooLarge) {
		return &PayloadError{Format: FormatCSV, Line: r.lastLine + 1, Offset: offset + r.bom, Index: r.index, Msg: tooLargeMsg(r.max)}
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		switch {
		case errors.Is(pe.Err, csv.ErrQuote) && pe.StartLine != pe.Line:
			msg = fmt.Sprintf("unterminated quoted field starting at line %d", pe.StartLine)
		case errors.Is(pe.Err, csv.ErrQuote):
			msg = fmt.Sprintf("extraneous or missing \" in quoted field (column %d)", pe.Column)
		case errors.Is(pe.Err, csv.ErrBareQuote):
			msg = fmt.Sprintf("bare \" in unquoted field (column %d); quote the field and double its quotes", pe.Column)
		}
		if r.quote != 0 {
			msg = strings.ReplaceAll(msg, `"`, string(r.quote))
		}
		return &PayloadError{Format: FormatCSV, Line: pe.StartLine, Offset: offset + r.bom, Index: r.index, Msg: msg}
	}
	return fmt.Errorf("reading CSV payload: %w", err)
}
