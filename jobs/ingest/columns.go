package ingest

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
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
		d := json.NewDecoder(bytes.NewReader(r.raw))
		d.UseNumber()
		eachJSONValue(d, "", 0, fn)
	case FormatXML:
		for _, xv := range r.xvals {
			if !xv.children {
				fn(string(r.xpath[xv.pathStart:xv.pathEnd]), string(r.xtext[xv.textStart:xv.textEnd]))
			}
		}
	}
}

// eachJSONValue walks the object whose '{' is the decoder's next token,
// naming its members prefix+key. It stops quietly on anything unexpected:
// the record was validated by the reader already.
func eachJSONValue(d *json.Decoder, prefix string, depth int, fn func(name, text string)) bool {
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		key, _ := tok.(string)
		name := prefix + key
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return false
		}
		switch raw[0] {
		case '{':
			if depth+1 < maxColumnDepth {
				eachJSONValue(json.NewDecoder(bytes.NewReader(raw)), name+".", depth+1, fn)
			}
		case '[':
		case '"':
			var s string
			_ = json.Unmarshal(raw, &s)
			fn(name, s)
		case 'n':
			fn(name, "")
		default:
			fn(name, string(raw))
		}
	}
	return true
}
