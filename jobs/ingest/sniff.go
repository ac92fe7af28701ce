package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SniffSize is how much of the start of a payload Sniff looks at.
const SniffSize = 64 << 10

// Detected is what Sniff finds at the start of a payload.
type Detected struct {
	// Format is what the bytes are: JSON ('{' or '[' opening a value), XML
	// ('<'), XLSX (a zip archive, or the compound file of an encrypted
	// workbook), else CSV (any other text).
	Format Format
	// Encoding is the encoding the start reads in: a byte order mark's, else
	// the setting's, where auto is UTF-8 unless the start is not UTF-8
	// (then AutoFallback). Only the whole payload settles auto: see ErrNotUTF8.
	Encoding Encoding
	// Delimiter is the CSV delimiter: the setting's, or sniffed for DelimiterAuto.
	Delimiter rune
	// Quote is the CSV quote character.
	Quote rune
	// HasHeader tells whether the first CSV row looks like column names: every
	// cell filled, none a number, no name twice. It is a suggestion; the
	// setting Options.CSVHeader decides how the payload is read.
	HasHeader bool
	// LineEnd is how CSV lines end: "LF", "CRLF" or "CR".
	LineEnd string
	// Columns names the CSV columns as sources see them: the first row's cells
	// (trimmed) with Options.CSVHeader, else column_1, column_2, ...
	Columns []string
}

// Sniff reports what the start of a payload (at most SniffSize bytes of it,
// as stored) is, read under opts: its format, its encoding and, for CSV, its
// dialect and columns. opts.Format says which dialect settings apply; the
// detected Format may differ from it. Sniff fails only on an unknown
// encoding setting.
func Sniff(head []byte, opts Options) (Detected, error) {
	if len(head) > SniffSize {
		head = head[:SniffSize]
	}
	if opts.Encoding != "" && !opts.Encoding.Valid() {
		return Detected{}, errors.New("unknown encoding " + string(opts.Encoding))
	}
	d := Detected{Format: FormatCSV, Encoding: resolveEncoding(head, opts.Encoding), Quote: csvQuote(opts)}
	if isZip(head) {
		d.Format, d.Encoding = FormatXLSX, EncodingUTF8
		return d, nil
	}
	if (opts.Encoding == EncodingAuto || opts.Encoding == "") && d.Encoding == EncodingUTF8 && bomEncoding(head) == "" {
		if !utf8.Valid(head[:len(head)-incompleteTail(head)]) {
			d.Encoding = AutoFallback
		}
	}
	text := decodeHead(head, d.Encoding)
	d.Format = sniffFormat(text)
	if d.Format != FormatCSV {
		return d, nil
	}
	d.LineEnd = lineEnd(text)
	d.Delimiter = opts.CSVDelimiter
	switch d.Delimiter {
	case DelimiterAuto:
		d.Delimiter = SniffDelimiter(text, d.Quote)
	case 0:
		d.Delimiter = ','
	}
	rows := sampleRows(text, d.Delimiter, d.Quote, d.LineEnd == "CR")
	if len(rows) > 0 {
		d.HasHeader = looksLikeHeader(rows[0])
		for i, c := range rows[0] {
			if opts.CSVHeader {
				d.Columns = append(d.Columns, strings.TrimSpace(c))
			} else {
				d.Columns = append(d.Columns, "column_"+strconv.Itoa(i+1))
			}
		}
	}
	return d, nil
}

// SniffFormat returns the format the start of a payload shows (see
// Detected.Format).
func SniffFormat(head []byte) Format {
	d, _ := Sniff(head, Options{})
	return d.Format
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

func isZip(head []byte) bool {
	return bytes.HasPrefix(head, zipMagic) || bytes.HasPrefix(head, oleMagic)
}

// decodeHead returns the start of a payload as UTF-8 text, without a byte
// order mark; a sequence cut at its end is dropped. enc is a decided
// encoding, never auto.
func decodeHead(head []byte, enc Encoding) []byte {
	if b := bomEncoding(head); b == EncodingUTF8 {
		head = head[len(utf8BOM):]
	}
	rd, _, err := decode(bytes.NewReader(head), enc)
	if err != nil {
		return nil
	}
	out, _ := io.ReadAll(rd)
	out = bytes.TrimPrefix(out, utf8BOM)
	return out[:len(out)-incompleteTail(out)]
}

// sniffFormat tells JSON, XML and CSV apart by the first characters of
// text. Text that merely starts with '[' or '<' (a CSV header "[id],name")
// is CSV: JSON needs a value after the bracket, XML a name, '?' or '!'.
func sniffFormat(text []byte) Format {
	t := bytes.TrimLeft(text, " \t\r\n")
	if len(t) == 0 {
		return FormatCSV
	}
	switch t[0] {
	case '{':
		rest := bytes.TrimLeft(t[1:], " \t\r\n")
		if len(rest) == 0 || rest[0] == '"' || rest[0] == '}' {
			return FormatJSON
		}
	case '[':
		rest := bytes.TrimLeft(t[1:], " \t\r\n")
		if len(rest) == 0 || bytes.IndexByte([]byte(`{["-0123456789]`), rest[0]) >= 0 ||
			bytes.HasPrefix(rest, []byte("true")) || bytes.HasPrefix(rest, []byte("false")) || bytes.HasPrefix(rest, []byte("null")) {
			return FormatJSON
		}
	case '<':
		if len(t) == 1 {
			return FormatXML
		}
		c, _ := utf8.DecodeRune(t[1:])
		if c == '?' || c == '!' || c == '_' || c == ':' || isNameStart(c) {
			return FormatXML
		}
	}
	return FormatCSV
}

func isNameStart(c rune) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c > 0x7F && c != utf8.RuneError
}

// lineEnd tells how the lines of text end, by the first line break.
func lineEnd(text []byte) string {
	i := bytes.IndexAny(text, "\r\n")
	switch {
	case i < 0 || text[i] == '\n':
		return "LF"
	case i+1 < len(text) && text[i+1] == '\n':
		return "CRLF"
	case i+1 == len(text):
		return "LF"
	}
	return "CR"
}

// crOnly reports whether text breaks its lines with CR alone: it has a CR
// and no LF.
func crOnly(text []byte) bool {
	return bytes.IndexByte(text, '\n') < 0 && bytes.IndexByte(text, '\r') >= 0
}

// delimiterCandidates are the delimiters SniffDelimiter chooses from, in
// the order that breaks ties.
var delimiterCandidates = []rune{',', ';', '\t', '|'}

// sniffLines is how many lines SniffDelimiter looks at.
const sniffLines = 50

// SniffDelimiter picks the CSV delimiter of text among , ; tab and | by
// counting each outside quoted fields on its first lines. A delimiter found
// the same number of times on every line wins over one whose count varies;
// then the most lines agreeing with its most frequent count; then the higher
// count; then the order above. Text with none of them is ','.
func SniffDelimiter(text []byte, quote rune) rune {
	if quote == 0 {
		quote = '"'
	}
	q := byte(quote)
	cr := crOnly(text)
	var counts [][4]int
	var cur [4]int
	inQuote, nonEmpty := false, false
	for i := 0; i < len(text) && len(counts) < sniffLines; i++ {
		c := text[i]
		switch {
		case c == q:
			inQuote = !inQuote
			nonEmpty = true
		case inQuote:
		case c == '\n' || (cr && c == '\r'):
			if nonEmpty {
				counts = append(counts, cur)
			}
			cur, nonEmpty = [4]int{}, false
		case c == '\r':
		default:
			nonEmpty = true
			for k, d := range delimiterCandidates {
				if rune(c) == d {
					cur[k]++
				}
			}
		}
	}
	// A last line without its line break may be cut; it counts only when it
	// is the only one.
	if nonEmpty && len(counts) == 0 {
		counts = append(counts, cur)
	}
	best, bestScore := ',', [3]int{-1, -1, -1}
	for k, d := range delimiterCandidates {
		freq := map[int]int{}
		mode, modeN := 0, 0
		for _, line := range counts {
			n := line[k]
			freq[n]++
			if freq[n] > modeN || freq[n] == modeN && n > mode {
				mode, modeN = n, freq[n]
			}
		}
		if mode == 0 {
			continue
		}
		consistent := 0
		if modeN == len(counts) {
			consistent = 1
		}
		score := [3]int{consistent, modeN, mode}
		if score[0] > bestScore[0] || score[0] == bestScore[0] && (score[1] > bestScore[1] || score[1] == bestScore[1] && score[2] > bestScore[2]) {
			best, bestScore = d, score
		}
	}
	return best
}

// sampleRows reads the first rows of text leniently, for a look at them.
func sampleRows(text []byte, delim, quote rune, cr bool) [][]string {
	var src io.Reader = bytes.NewReader(text)
	if cr {
		src = bytes.NewReader(bytes.ReplaceAll(text, []byte{'\r'}, []byte{'\n'}))
	}
	if quote != '"' {
		src = &quoteSwap{r: src, q: byte(quote)}
	}
	cr2 := csv.NewReader(src)
	cr2.Comma = delim
	cr2.FieldsPerRecord = -1
	cr2.LazyQuotes = true
	var rows [][]string
	for len(rows) < 2 {
		row, err := cr2.Read()
		if err != nil {
			break
		}
		if quote != '"' {
			for i := range row {
				row[i] = swapQuotes(row[i], byte(quote))
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// looksLikeHeader reports whether a row looks like column names.
func looksLikeHeader(row []string) bool {
	seen := map[string]bool{}
	for _, c := range row {
		c = strings.TrimSpace(c)
		if c == "" || seen[c] {
			return false
		}
		seen[c] = true
		if _, err := strconv.ParseFloat(c, 64); err == nil {
			return false
		}
		if isDate([]byte(c)) {
			return false
		}
	}
	return len(row) > 0
}
