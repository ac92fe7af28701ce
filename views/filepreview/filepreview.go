// Package filepreview turns the first bytes of a stored file into something a
// person can read in the browser: pretty-printed JSON, a table for NDJSON
// logs and CSV, text for XML and other text files. It only prepares values;
// the templates escape everything they show.
package filepreview

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"path"
	"strings"
	"unicode/utf8"
)

// MaxBytes is how much of a file a preview reads.
const MaxBytes = 256 << 10

// MaxCSVRows is how many CSV rows (after the header) a preview shows.
const MaxCSVRows = 100

// MaxLogRows is how many NDJSON lines a preview shows.
const MaxLogRows = 1000

// Bounds on what a preview shows, whatever the file's shape, so that its
// page stays within a few megabytes of HTML: 256 KB read can otherwise
// become a table of rows × (every key of every line) cells, or JSON with a
// line of indentation per byte (docs/files.md).
const (
	// MaxColumns is how many columns a table shows.
	MaxColumns = 50
	// MaxCells is how many cells a table shows in all.
	MaxCells = 20_000
	// MaxCellBytes is how much of one cell's text a table shows.
	MaxCellBytes = 500
	// MaxTextBytes is how much text a preview shows in all: the pretty-printed
	// JSON, or the sum of a table's cells.
	MaxTextBytes = 1 << 20
)

// Kind is how a preview is shown.
type Kind string

// Preview kinds.
const (
	KindJSON   Kind = "json"
	KindLog    Kind = "log"
	KindCSV    Kind = "csv"
	KindXML    Kind = "xml"
	KindText   Kind = "text"
	KindBinary Kind = "binary"
	KindEmpty  Kind = "empty"
)

// Preview is what the preview page shows of a file.
type Preview struct {
	Kind Kind
	// Text is the content of JSON, XML and text previews.
	Text string
	// Columns and Rows are the table of CSV and log previews.
	Columns []string
	Rows    [][]string
	// Partial reports that the preview shows only the start of the file.
	Partial bool
	// Shortened reports that the preview left out part of what it read, to
	// stay within MaxColumns, MaxCells, MaxCellBytes and MaxTextBytes.
	Shortened bool
	// Note explains anything else the reader should know (e.g. invalid JSON).
	Note string
}

// Build makes the preview of a file named name, of contentType and size,
// whose first bytes are head (at most MaxBytes).
func Build(name, contentType string, size int64, head []byte) Preview {
	if size == 0 || len(head) == 0 {
		return Preview{Kind: KindEmpty}
	}
	partial := size > int64(len(head))
	if !isText(head, partial) {
		return Preview{Kind: KindBinary}
	}
	var p Preview
	switch kindOf(name, contentType) {
	case KindJSON:
		p = jsonPreview(head, partial)
	case KindLog:
		p = logPreview(head, partial)
	case KindCSV:
		p = csvPreview(head, partial, name)
	case KindXML:
		p = Preview{Kind: KindXML, Text: string(trimPartialRune(head))}
	default:
		p = Preview{Kind: KindText, Text: string(trimPartialRune(head))}
	}
	p.Partial = p.Partial || partial
	return p
}

func kindOf(name, contentType string) Kind {
	switch strings.ToLower(path.Ext(name)) {
	case ".json":
		return KindJSON
	case ".log", ".ndjson", ".jsonl":
		return KindLog
	case ".csv", ".tsv":
		return KindCSV
	case ".xml":
		return KindXML
	}
	mediaType, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		return KindJSON
	case mediaType == "application/x-ndjson":
		return KindLog
	case mediaType == "text/csv":
		return KindCSV
	case mediaType == "application/xml" || mediaType == "text/xml" || strings.HasSuffix(mediaType, "+xml"):
		return KindXML
	}
	return KindText
}

// isText reports whether head reads as UTF-8 text without NUL bytes; a
// rune cut off at the end of a partial head does not count against it.
func isText(head []byte, partial bool) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	if partial {
		head = trimPartialRune(head)
	}
	return utf8.Valid(head)
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

// jsonPreview pretty-prints JSON, complete or cut off: the indenter works
// token by token, so a 256 KB head of a larger file still reads well.
func jsonPreview(head []byte, partial bool) Preview {
	text, shortened := indentJSON(trimPartialRune(head), MaxTextBytes)
	p := Preview{Kind: KindJSON, Text: text, Shortened: shortened}
	if !partial && !json.Valid(head) {
		p.Note = "This file is not valid JSON; it is shown as well as it can be read."
	}
	return p
}

// maxIndent caps the indentation depth so that deeply nested input cannot
// make the output grow quadratically.
const maxIndent = 40

var indentation = strings.Repeat("  ", maxIndent)

// indentJSON pretty-prints src, stopping (and reporting so) once the output
// reaches limit bytes.
func indentJSON(src []byte, limit int) (string, bool) {
	var out strings.Builder
	out.Grow(min(len(src)+len(src)/4, limit))
	depth := 0
	newline := func() {
		out.WriteByte('\n')
		out.WriteString(indentation[:2*min(depth, maxIndent)])
	}
	inString, escaped := false, false
	for i := 0; i < len(src); i++ {
		if out.Len() >= limit {
			return out.String(), true
		}
		ch := src[i]
		if inString {
			out.WriteByte(ch)
			switch {
			case escaped:
				escaped = false
			case ch == '\\':
				escaped = true
			case ch == '"':
				inString = false
			}
			continue
		}
		switch ch {
		case ' ', '\t', '\n', '\r':
		case '"':
			inString = true
			out.WriteByte(ch)
		case '{', '[':
			out.WriteByte(ch)
			if j := nextNonSpace(src, i+1); j < len(src) && (src[j] == '}' || src[j] == ']') {
				out.WriteByte(src[j])
				i = j
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth = max(depth-1, 0)
			newline()
			out.WriteByte(ch)
		case ',':
			out.WriteByte(ch)
			newline()
		case ':':
			out.WriteString(": ")
		default:
			out.WriteByte(ch)
		}
	}
	return out.String(), false
}

func nextNonSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// logColumns come first in a log table, in this order, when present.
var logColumns = []string{"index", "status", "uuid", "error", "line", "offset", "field", "value", "message"}

// logPreview shows NDJSON lines (the process and error logs) as a table:
// one row per line, one column per key.
func logPreview(head []byte, partial bool) Preview {
	lines := bytes.Split(head, []byte("\n"))
	if partial && len(lines) > 1 {
		lines = lines[:len(lines)-1] // the last line is cut off
	}
	var objects []map[string]json.RawMessage
	seen := map[string]bool{}
	var extra []string
	for _, line := range lines {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(line, &obj); err != nil {
			// Not NDJSON after all: show the text as it is.
			return Preview{Kind: KindText, Text: string(trimPartialRune(head))}
		}
		if len(objects) == MaxLogRows {
			return logTable(objects, extra, true)
		}
		objects = append(objects, obj)
		for k := range obj {
			if !seen[k] {
				seen[k] = true
				extra = append(extra, k)
			}
		}
	}
	return logTable(objects, extra, false)
}

func logTable(objects []map[string]json.RawMessage, keys []string, more bool) Preview {
	present := map[string]bool{}
	for _, k := range keys {
		present[k] = true
	}
	var cols []string
	for _, k := range logColumns {
		if present[k] {
			cols = append(cols, k)
			delete(present, k)
		}
	}
	for _, k := range keys {
		if present[k] {
			cols = append(cols, k)
		}
	}
	p := Preview{Kind: KindLog, Partial: more}
	t := newTable(cols)
	p.Columns = t.columns
	for _, obj := range objects {
		row := make([]string, len(p.Columns))
		for i, c := range p.Columns {
			row[i] = jsonCell(obj[c])
		}
		if !t.add(row) {
			break
		}
	}
	p.Rows, p.Shortened = t.rows, t.shortened
	return p
}

// table collects a preview's rows within MaxColumns, MaxCells,
// MaxCellBytes and MaxTextBytes.
type table struct {
	columns   []string
	rows      [][]string
	cells     int
	text      int
	shortened bool
}

// newTable starts a table with the first MaxColumns of columns as header.
func newTable(columns []string) *table {
	t := &table{}
	t.columns = t.fit(columns)
	return t
}

// add appends a row, cut to the table's bounds; it reports false, and adds
// nothing, once the table is full.
func (t *table) add(row []string) bool {
	row = t.fit(row)
	n := 0
	for _, cell := range row {
		n += len(cell)
	}
	if t.cells+max(len(row), 1) > MaxCells || t.text+n > MaxTextBytes {
		t.shortened = true
		return false
	}
	t.cells += max(len(row), 1)
	t.text += n
	t.rows = append(t.rows, row)
	return true
}

// fit cuts a row to MaxColumns cells of at most MaxCellBytes each.
func (t *table) fit(row []string) []string {
	if len(row) > MaxColumns {
		row, t.shortened = row[:MaxColumns], true
	}
	for i, cell := range row {
		if len(cell) > MaxCellBytes {
			row[i], t.shortened = string(trimPartialRune([]byte(cell[:MaxCellBytes])))+"…", true
		}
	}
	return row
}

// jsonCell shows a JSON value in a table cell: strings without quotes, null as nothing.
func jsonCell(v json.RawMessage) string {
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return NeutraliseCell(s)
	}
	return string(v)
}

// csvPreview shows the header and the first MaxCSVRows rows.
func csvPreview(head []byte, partial bool, name string) Preview {
	text := trimPartialRune(head)
	if partial {
		if i := bytes.LastIndexByte(text, '\n'); i > 0 {
			text = text[:i+1] // the last row is cut off
		}
	}
	r := csv.NewReader(bytes.NewReader(text))
	r.Comma = csvDelimiter(text, name)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	p := Preview{Kind: KindCSV}
	var t *table
	more := true // every row up to MaxCSVRows was read: there may be more
	for row := 0; row <= MaxCSVRows && more; row++ {
		rec, err := r.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				p.Note = "The rest of the file could not be read as CSV."
			}
			more = false
			break
		}
		for i := range rec {
			rec[i] = NeutraliseCell(rec[i])
		}
		if t == nil {
			t = newTable(rec)
			continue
		}
		more = t.add(rec)
	}
	if more {
		if _, err := r.Read(); err == nil {
			p.Partial = true
		}
	}
	if t != nil {
		p.Columns, p.Rows, p.Shortened = t.columns, t.rows, t.shortened
	}
	return p
}

// csvDelimiter guesses the delimiter from the first line: tab for .tsv,
// otherwise whichever of , ; | tab occurs most.
func csvDelimiter(text []byte, name string) rune {
	if strings.EqualFold(path.Ext(name), ".tsv") {
		return '\t'
	}
	first := text
	if i := bytes.IndexByte(text, '\n'); i >= 0 {
		first = text[:i]
	}
	best, count := ',', 0
	for _, d := range []rune{',', ';', '\t', '|'} {
		if n := bytes.Count(first, []byte(string(d))); n > count {
			best, count = d, n
		}
	}
	return best
}

// NeutraliseCell defuses a spreadsheet formula: a cell starting with = + - @
// (or a tab or carriage return, which some spreadsheets skip) gets a leading
// apostrophe, so that pasting or exporting it cannot run a formula.
func NeutraliseCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
