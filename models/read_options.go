package models

import (
	"database/sql/driver"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

// Encoding settings of an interface or a batch. EncodingAuto reads UTF-8,
// falling back to Windows-1252 when the input is not UTF-8; a byte order
// mark (UTF-8, UTF-16LE, UTF-16BE) beats every setting.
const (
	EncodingAuto        = "auto"
	EncodingUTF8        = "utf-8"
	EncodingWindows1252 = "windows-1252"
	EncodingISO88591    = "iso-8859-1"
	EncodingUTF16       = "utf-16"
)

// Encodings lists the encoding settings, in the order pickers show them.
var Encodings = []string{EncodingAuto, EncodingUTF8, EncodingWindows1252, EncodingISO88591, EncodingUTF16}

// DelimiterAuto as a CSV delimiter sniffs it (, ; tab |) from the first lines.
const DelimiterAuto = "auto"

// Quotes lists the CSV quote characters.
var Quotes = []string{`"`, `'`}

// ReadOptions are a batch's overrides of its interface's reading settings;
// an empty member keeps the interface's. The wizard sets them after showing
// what it detected in the input.
type ReadOptions struct {
	Encoding  string `json:"encoding,omitempty"`
	Delimiter string `json:"delimiter,omitempty"`
	Quote     string `json:"quote,omitempty"`
	Header    *bool  `json:"header,omitempty"`
	Sheet     string `json:"sheet,omitempty"`
}

// Value implements driver.Valuer.
func (o ReadOptions) Value() (driver.Value, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// Scan implements sql.Scanner.
func (o *ReadOptions) Scan(src any) error { return jsonScan(src, o) }

// Normalize trims the overrides and spells a tab delimiter as one.
func (o *ReadOptions) Normalize() {
	o.Encoding = strings.ToLower(strings.TrimSpace(o.Encoding))
	o.Delimiter = normalizeDelimiter(o.Delimiter)
	o.Sheet = strings.TrimSpace(o.Sheet)
}

// Check returns the messages of invalid overrides, keyed like the
// interface's settings (encoding, csv_delimiter, csv_quote, xlsx_sheet);
// nil when there are none.
func (o *ReadOptions) Check() map[string]string {
	errs := map[string]string{}
	if o.Encoding != "" {
		if msg := checkEncoding(o.Encoding); msg != "" {
			errs["encoding"] = msg
		}
	}
	if o.Delimiter != "" {
		if msg := checkDelimiter(o.Delimiter); msg != "" {
			errs["csv_delimiter"] = msg
		}
	}
	if o.Quote != "" {
		if msg := checkQuote(o.Quote); msg != "" {
			errs["csv_quote"] = msg
		}
	}
	if msg := checkSheet(o.Sheet); msg != "" {
		errs["xlsx_sheet"] = msg
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// normalizeDelimiter trims a delimiter setting unless it is whitespace
// itself, and spells a tab (`\t`, "tab") and auto one way.
func normalizeDelimiter(d string) string {
	if t := strings.TrimSpace(d); t != "" {
		d = t
	}
	switch {
	case d == `\t` || strings.EqualFold(d, "tab"):
		return "\t"
	case strings.EqualFold(d, DelimiterAuto):
		return DelimiterAuto
	}
	return d
}

func checkEncoding(e string) string {
	if !slices.Contains(Encodings, e) {
		return "Choose auto, utf-8, windows-1252, iso-8859-1 or utf-16."
	}
	return ""
}

func checkQuote(q string) string {
	if !slices.Contains(Quotes, q) {
		return `Use " or ' as the quote character.`
	}
	return ""
}

// checkSheet applies Excel's rules for sheet names; "" is the first sheet.
func checkSheet(s string) string {
	switch {
	case utf8.RuneCountInString(s) > 31:
		return "Sheet names have at most 31 characters."
	case strings.ContainsAny(s, `:\/?*[]`) || strings.ContainsFunc(s, isControl):
		return `Sheet names cannot contain : \ / ? * [ ] or control characters.`
	}
	return ""
}

// FormatMismatchError tells that an input's content is of another format
// than its batch reads (HTTP 422).
type FormatMismatchError struct {
	Got, Want Format
}

// Error is a sentence for people and API clients, such as "The file is
// JSON, but the batch reads CSV: send a CSV file, or use an interface that
// reads JSON."
func (e *FormatMismatchError) Error() string {
	return "The file is " + formatNoun(e.Got) + ", but the batch reads " + strings.ToUpper(string(e.Want)) +
		": send " + article(e.Want) + " " + strings.ToUpper(string(e.Want)) + " file, or use an interface that reads " +
		strings.ToUpper(string(e.Got)) + "."
}

func formatNoun(f Format) string {
	switch f {
	case FormatCSV:
		return "text (read as CSV)"
	case FormatXLSX:
		return "an Excel workbook (XLSX)"
	}
	return strings.ToUpper(string(f))
}

func article(f Format) string {
	if f == FormatXLSX || f == FormatXML {
		return "an"
	}
	return "a"
}
