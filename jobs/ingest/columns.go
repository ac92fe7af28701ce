package ingest

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxColumnDepth bounds how deep nested JSON objects are walked for column names.
const maxColumnDepth = 4

// EachValue calls fn with every named value of the record, in document order,
// under the name a field's Source uses for it: a CSV column's header name (or
// its 1-based number without a header row), a JSON key or dotted path to a
// nested key ("address.city"), an XML element path or attribute ("@id",
// "address.city"). JSON arrays and XML elements with children are not
// values; a JSON null reads as "".
func (r *Record) EachValue(fn func(name, text string)) {
	switch r.format {
	case FormatCSV:
		if r.csvHead != nil && r.csvHead.names != nil {
			idx := make([]int, 0, len(r.csvHead.names))
			byIdx := make(map[int]string, len(r.csvHead.names))
			for n, i := range r.csvHead.names {
				idx = append(idx, i)
				byIdx[i] = n
			}
			sort.Ints(idx)
			for _, i := range idx {
				if i < len(r.cols) {
					fn(byIdx[i], r.cols[i])
				}
			}
			return
		}
		for i, c := range r.cols {
			fn(strconv.Itoa(i+1), c)
		}
	case FormatJSON:
		if len(r.raw) == 0 || r.raw[0] != '{' {
			return
		}
		eachJSONValue(r.raw, "", 0, fn)
	case FormatXML:
		for _, xv := range r.xvals {
			if !xv.children {
				fn(string(r.xpath[xv.pathStart:xv.pathEnd]), string(r.xtext[xv.textStart:xv.textEnd]))
			}
		}
	}
}

// eachJSONValue walks the object b (validated by the reader already),
// naming its members prefix+key.
func eachJSONValue(b []byte, prefix string, depth int, fn func(name, text string)) {
	var scratch []byte
	i := skipJSONSpace(b, 1)
	for i < len(b) && b[i] == '"' {
		ke := skipJSONString(b, i)
		scratch = unescapeJSON(scratch[:0], b[i+1:ke-1])
		name := prefix + textOf(scratch)
		i = skipJSONSpace(b, ke)
		vs := skipJSONSpace(b, i+1) // after ':'
		ve := skipJSONValue(b, vs)
		switch v := b[vs:ve]; v[0] {
		case '{':
			if depth+1 < maxColumnDepth {
				eachJSONValue(v, name+".", depth+1, fn)
			}
		case '[':
		case '"':
			fn(name, textOf(unescapeJSON(scratch[:0], v[1:len(v)-1])))
		case 'n':
			fn(name, "")
		default:
			fn(name, string(v))
		}
		i = skipJSONSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i = skipJSONSpace(b, i+1)
		}
	}
}

// textOf is b as text, each byte that is not UTF-8 read as U+FFFD, as
// encoding/json reads strings.
func textOf(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		sb.WriteRune(r)
		b = b[n:]
	}
	return sb.String()
}
