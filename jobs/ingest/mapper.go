package ingest

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/xuri/excelize/v2"

	"github.com/flowbatch/flowbatch/models/fieldtype"
)

// FieldType is the type of a mapped field (defined in models/fieldtype,
// shared with the models that store field definitions).
type FieldType = fieldtype.Type

// The field types.
const (
	TypeString   = fieldtype.String
	TypeInteger  = fieldtype.Integer
	TypeNumber   = fieldtype.Number
	TypeBoolean  = fieldtype.Boolean
	TypeDate     = fieldtype.Date
	TypeDatetime = fieldtype.Datetime
)

// FieldTypes lists every field type, in the order pickers show them.
var FieldTypes = fieldtype.All

// Field maps one value of a record to one key of the stored document.
type Field struct {
	// Name is the key in the stored document.
	Name string
	// Source locates the value in the record: a key or dotted path ("address.city")
	// in JSON, a column name (or 1-based number without a header row) in CSV, a child
	// element or dotted path of elements, or "@attr" for an attribute, in XML.
	Source string
	// Type is the type the value must have.
	Type FieldType
	// Required makes a record without this value fail.
	Required bool
}

type mappedField struct {
	Field
	keyJSON []byte   // `"name":`
	segs    []string // Source split at dots
	col     int      // CSV without header: 0-based column, -1 when Source is no number
}

// Mapper maps records through the fields of an interface. A Mapper is not safe for
// concurrent use.
type Mapper struct {
	fields  []mappedField
	keyIdx  int
	keyName string
	scratch []byte
	text    []byte

	csvHead *csvHeader
	csvIdx  []int
}

// NewMapper returns a Mapper for fields. keyField, when not "", names the field whose
// value is the record's key.
func NewMapper(fields []Field, keyField string) (*Mapper, error) {
	if len(fields) == 0 {
		return nil, fmt.Errorf("no fields to map")
	}
	m := &Mapper{keyIdx: -1, keyName: keyField}
	seen := make(map[string]bool, len(fields))
	for _, f := range fields {
		if f.Name == "" {
			return nil, fmt.Errorf("field with an empty name")
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("duplicate field %q", f.Name)
		}
		seen[f.Name] = true
		if f.Source == "" {
			return nil, fmt.Errorf("field %q: empty source", f.Name)
		}
		switch f.Type {
		case TypeString, TypeInteger, TypeNumber, TypeBoolean, TypeDate, TypeDatetime:
		default:
			return nil, fmt.Errorf("field %q: unknown type %q", f.Name, f.Type)
		}
		mf := mappedField{Field: f, segs: strings.Split(f.Source, "."), col: -1}
		mf.keyJSON = appendJSONString(nil, []byte(f.Name))
		mf.keyJSON = append(mf.keyJSON, ':')
		if n, err := strconv.Atoi(strings.TrimPrefix(f.Source, "column_")); err == nil && n >= 1 {
			mf.col = n - 1
		}
		if f.Name == keyField {
			m.keyIdx = len(m.fields)
		}
		m.fields = append(m.fields, mf)
	}
	if keyField != "" && m.keyIdx < 0 {
		return nil, fmt.Errorf("key field %q is not one of the fields", keyField)
	}
	m.csvIdx = make([]int, len(m.fields))
	return m, nil
}

type valueKind uint8

const (
	valMissing valueKind = iota
	valNull
	valJSONString // b is the body without quotes
	valText       // b is plain text (CSV, XML)
	valNumber     // b is a JSON number
	valBool       // b is true or false
	valObject     // a JSON object, or an XML element with child elements
	valArray
)

type value struct {
	kind valueKind
	b    []byte
	esc  bool // a valJSONString with escapes
	note string
}

func (k valueKind) String() string {
	switch k {
	case valNull:
		return "null"
	case valJSONString, valText:
		return "string"
	case valNumber:
		return "number"
	case valBool:
		return "boolean"
	case valObject:
		return "object"
	case valArray:
		return "array"
	}
	return "nothing"
}

// Map appends the record, mapped through the fields, to dst as a JSON object whose
// keys are the field names, and returns the key field's value as text ("" without
// a key field). When the record fails it returns dst unchanged and a *FieldError.
func (m *Mapper) Map(dst []byte, rec *Record) (out []byte, key string, err error) {
	if ferr := m.start(rec); ferr != nil {
		return dst, "", ferr
	}
	start := len(dst)
	dst = append(dst, '{')
	n := 0
	for i := range m.fields {
		mark := len(dst)
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, m.fields[i].keyJSON...)
		vs := len(dst)
		var present bool
		var ferr *FieldError
		dst, present, ferr = m.mapField(dst, rec, i)
		if ferr != nil {
			return dst[:start], "", ferr
		}
		if !present {
			dst = dst[:mark]
			continue
		}
		if i == m.keyIdx {
			key = m.keyText(dst[vs:])
		}
		n++
	}
	return append(dst, '}'), key, nil
}

// start checks what fails the record as a whole, before any field is mapped,
// and follows a change of CSV header.
func (m *Mapper) start(rec *Record) *FieldError {
	switch rec.format {
	case FormatJSON:
		if rec.raw[0] != '{' {
			return &FieldError{Msg: "record is not a JSON object (found " + kindName(rec.raw[0]) + ")", Value: errorValue(rec.raw)}
		}
	case FormatCSV:
		if rec.wantCols > 0 && len(rec.cols) != rec.wantCols {
			return &FieldError{Msg: fmt.Sprintf("row has %d columns, expected %d", len(rec.cols), rec.wantCols)}
		}
		if m.csvHead != rec.csvHead {
			m.resolveColumns(rec.csvHead)
		}
	case FormatXLSX:
		if m.csvHead != rec.csvHead {
			m.resolveColumns(rec.csvHead)
		}
	}
	return nil
}

// mapField appends the value of field i of the record as JSON to dst. It
// reports false, with dst unchanged, for a missing value that is allowed to
// be missing; a missing required or key value is a *FieldError.
func (m *Mapper) mapField(dst []byte, rec *Record, i int) ([]byte, bool, *FieldError) {
	f := &m.fields[i]
	v := m.lookup(rec, i)
	if rec.format == FormatXLSX && (f.Type == TypeDate || f.Type == TypeDatetime) {
		v = m.excelDate(v, f.Type, rec.xlsx1904)
	}
	dst, present, ferr := m.appendValue(dst, f, v)
	switch {
	case ferr != nil:
		ferr.Field = f.Name
		return dst, false, ferr
	case present:
		return dst, true, nil
	case f.Required:
		msg := "required field missing"
		if v.note != "" {
			msg += " (" + v.note + ")"
		}
		return dst, false, &FieldError{Field: f.Name, Msg: msg}
	case i == m.keyIdx:
		return dst, false, &FieldError{Field: f.Name, Msg: "key field " + f.Name + " is empty"}
	}
	return dst, false, nil
}

// keyText returns the text of a mapped value.
func (m *Mapper) keyText(b []byte) string {
	if b[0] != '"' {
		return string(b)
	}
	body := b[1 : len(b)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return string(body)
	}
	m.scratch = unescapeJSON(m.scratch[:0], body)
	return string(m.scratch)
}

func (m *Mapper) resolveColumns(h *csvHeader) {
	m.csvHead = h
	for i := range m.fields {
		f := &m.fields[i]
		if h == nil || h.names == nil {
			m.csvIdx[i] = f.col
			continue
		}
		idx, ok := h.names[strings.TrimSpace(f.Source)]
		if !ok {
			idx = -1
		}
		m.csvIdx[i] = idx
	}
}

func (m *Mapper) lookup(rec *Record, i int) value {
	f := &m.fields[i]
	switch rec.format {
	case FormatJSON:
		return m.lookupJSON(rec, f)
	case FormatCSV, FormatXLSX:
		idx := m.csvIdx[i]
		if idx < 0 {
			if rec.csvHead != nil && rec.csvHead.names != nil {
				return value{note: fmt.Sprintf("no column %q in the header", f.Source)}
			}
			return value{note: fmt.Sprintf("source %q is not a column number", f.Source)}
		}
		if idx >= len(rec.cols) {
			return value{}
		}
		s := rec.cols[idx]
		// The column is only read, never written through this view.
		return value{kind: valText, b: unsafe.Slice(unsafe.StringData(s), len(s))}
	case FormatXML:
		for j := len(rec.xvals) - 1; j >= 0; j-- {
			xv := &rec.xvals[j]
			if string(rec.xpath[xv.pathStart:xv.pathEnd]) == f.Source {
				if xv.children {
					return value{kind: valObject}
				}
				return value{kind: valText, b: rec.xtext[xv.textStart:xv.textEnd]}
			}
		}
	}
	return value{}
}

func (m *Mapper) lookupJSON(rec *Record, f *mappedField) value {
	raw := rec.raw
	find := func(name string) []byte {
		for j := len(rec.members) - 1; j >= 0; j-- {
			mb := &rec.members[j]
			k := raw[mb.keyStart:mb.keyEnd]
			if mb.keyEsc {
				m.scratch = unescapeJSON(m.scratch[:0], k)
				k = m.scratch
			}
			if string(k) == name {
				return raw[mb.valStart:mb.valEnd]
			}
		}
		return nil
	}
	b := find(f.Source)
	if b == nil && len(f.segs) > 1 {
		b = find(f.segs[0])
		for _, seg := range f.segs[1:] {
			if b == nil || b[0] != '{' {
				return value{}
			}
			s, e, ok := jsonObjectLookup(b, seg, &m.scratch)
			if !ok {
				return value{}
			}
			b = b[s:e]
		}
	}
	if b == nil {
		return value{}
	}
	switch b[0] {
	case '"':
		body := b[1 : len(b)-1]
		return value{kind: valJSONString, b: body, esc: bytes.IndexByte(body, '\\') >= 0}
	case '{':
		return value{kind: valObject, b: b}
	case '[':
		return value{kind: valArray, b: b}
	case 't', 'f':
		return value{kind: valBool, b: b}
	case 'n':
		return value{kind: valNull}
	}
	return value{kind: valNumber, b: b}
}

// appendValue appends v converted to the field's type. It reports false when the
// value is missing (absent, null or empty).
func (m *Mapper) appendValue(dst []byte, f *mappedField, v value) ([]byte, bool, *FieldError) {
	switch v.kind {
	case valMissing, valNull:
		return dst, false, nil
	case valObject, valArray:
		return dst, false, &FieldError{Msg: "expected " + typeNoun(f.Type) + ", found " + v.kind.String(), Value: errorValue(v.b)}
	}
	t := v.b
	if v.kind == valJSONString && v.esc {
		m.text = unescapeJSON(m.text[:0], t)
		t = m.text
	}
	if f.Type == TypeString {
		if len(t) == 0 {
			return dst, false, nil
		}
		if !utf8.Valid(t) {
			return dst, false, &FieldError{Msg: "invalid UTF-8", Value: errorValue(t)}
		}
		switch {
		case v.kind == valJSONString && !v.esc:
			// The body is valid JSON already, without escapes or NUL.
			dst = append(dst, '"')
			dst = append(dst, t...)
			dst = append(dst, '"')
		case bytes.IndexByte(t, 0) >= 0:
			return dst, false, &FieldError{Msg: "NUL character not allowed", Value: errorValue(t)}
		default:
			dst = appendJSONString(dst, t)
		}
		return dst, true, nil
	}
	t = trimSpace(t)
	if len(t) == 0 {
		return dst, false, nil
	}
	var ok bool
	start := len(dst)
	switch f.Type {
	case TypeInteger:
		var n int64
		n, ok = parseInt(t)
		if !ok {
			if isIntSyntax(t) {
				return dst, false, &FieldError{Msg: "integer out of range", Value: errorValue(t)}
			}
			break
		}
		dst = strconv.AppendInt(dst, n, 10)
	case TypeNumber:
		dst, ok = appendNumber(dst, t)
	case TypeBoolean:
		dst, ok = appendBool(dst, t)
	case TypeDate:
		if ok = isDate(t); ok {
			dst = append(dst, '"')
			dst = append(dst, t...)
			dst = append(dst, '"')
		}
	case TypeDatetime:
		dst, ok = appendDatetime(dst, t)
	}
	if !ok {
		return dst[:start], false, &FieldError{Msg: typeMessage(f.Type), Value: errorValue(t)}
	}
	return dst, true, nil
}

func typeNoun(t FieldType) string {
	switch t {
	case TypeInteger:
		return "an integer"
	case TypeNumber:
		return "a number"
	case TypeBoolean:
		return "a boolean"
	case TypeDate:
		return "a date"
	case TypeDatetime:
		return "a datetime"
	}
	return "a string"
}

func typeMessage(t FieldType) string {
	switch t {
	case TypeInteger:
		return "expected an integer"
	case TypeNumber:
		return "expected a number"
	case TypeBoolean:
		return "expected a boolean (true/false, yes/no, 1/0)"
	case TypeDate:
		return "not a valid date (YYYY-MM-DD)"
	case TypeDatetime:
		return "not a valid datetime (RFC 3339, e.g. 2024-01-31T13:45:00Z)"
	}
	return "expected a string"
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// excelDate turns a number in an XLSX cell bound for a date or datetime
// field into that date: workbooks store dates as serial numbers (days since
// 1900, or 1904, with the time as the fraction). Other values are left to
// the usual parsing.
func (m *Mapper) excelDate(v value, t FieldType, date1904 bool) value {
	b := trimSpace(v.b)
	if v.kind != valText || len(b) == 0 || !(b[0] >= '0' && b[0] <= '9') {
		return v
	}
	serial, err := strconv.ParseFloat(string(b), 64)
	if err != nil || serial < 1 || serial >= maxExcelSerial {
		return v
	}
	tm, err := excelize.ExcelDateToTime(serial, date1904)
	if err != nil {
		return v
	}
	layout := time.RFC3339Nano
	if t == TypeDate {
		layout = time.DateOnly
	}
	m.text = tm.UTC().AppendFormat(m.text[:0], layout)
	return value{kind: valText, b: m.text}
}

// maxExcelSerial is the serial number of 10000-01-01, past the last date a
// field may hold.
const maxExcelSerial = 2958466

// FieldValue is one field of a record mapped by MapFields.
type FieldValue struct {
	// JSON is the mapped value as JSON, nil when the value is missing.
	JSON []byte
	// Err tells why the field fails the record, nil when it does not.
	Err *FieldError
}

// MapFields maps each field of the record on its own, for showing a record
// field by field: where Map stops at the first failing field, MapFields goes
// on, so that every failing field carries its error. The values are in the
// order of the fields. A record that fails as a whole (not an object, a row
// of the wrong width) returns that *FieldError and no values.
func (m *Mapper) MapFields(rec *Record) ([]FieldValue, error) {
	if ferr := m.start(rec); ferr != nil {
		return nil, ferr
	}
	out := make([]FieldValue, len(m.fields))
	var buf []byte
	for i := range m.fields {
		var present bool
		var ferr *FieldError
		buf, present, ferr = m.mapField(buf[:0], rec, i)
		switch {
		case ferr != nil:
			out[i].Err = ferr
		case present:
			out[i].JSON = bytes.Clone(buf)
		}
	}
	return out, nil
}
