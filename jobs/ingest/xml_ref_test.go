package ingest

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// refXMLReader is the reference the XML reader is checked against: the same
// records read through encoding/xml's Decoder (Strict, RawToken), which the
// reader used before it had a scanner of its own.
//
// Its size limit is exact: a record, or a token outside records, longer than
// max bytes fails at its start, and so does a start tag outside records when the
// names of the open elements and its own together are longer. (The reader it
// replaces found such tokens only when they straddled a refill of its buffer,
// and kept every open element's name.)
type refXMLReader struct {
	d       *xml.Decoder
	elem    string
	stack   []xml.Name
	frames  []xmlFrame
	inRec   bool
	charset string // a declared encoding other than UTF-8
	index   int
	rec     Record
	err     error
	max     int
}

var errRefCharset = errors.New("unsupported charset")

func newRefXMLReader(src io.Reader, opts Options) *refXMLReader {
	r := &refXMLReader{elem: opts.RecordElement, max: opts.maxRecordSize()}
	r.d = xml.NewDecoder(bufio.NewReaderSize(src, 64<<10))
	r.d.Strict = true
	r.d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf8", "us-ascii", "ascii":
			return in, nil
		}
		r.charset = label
		return nil, errRefCharset
	}
	r.rec.format = FormatXML
	return r
}

// Next implements Reader.
func (r *refXMLReader) Next() (*Record, error) {
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

func (r *refXMLReader) payloadErr(line int, offset int64, msg string) *PayloadError {
	return &PayloadError{Format: FormatXML, Line: line, Offset: offset, Index: r.index, Msg: msg}
}

func (r *refXMLReader) next() (*Record, error) {
	rec := &r.rec
	for {
		off := r.d.InputOffset()
		line, _ := r.d.InputPos()
		tok, err := r.d.RawToken()
		if err != nil {
			return nil, r.tokenErr(err, line, off)
		}
		if !r.inRec && r.d.InputOffset()-off > int64(r.max) {
			return nil, r.payloadErr(line, off, tooLargeMsg(r.max))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(r.stack) >= maxDepth {
				return nil, r.payloadErr(line, off, fmt.Sprintf("exceeded max depth of %d", maxDepth))
			}
			if !r.inRec {
				n := len(refQName(t.Name))
				for _, name := range r.stack {
					n += len(refQName(name))
				}
				if n > r.max {
					return nil, r.payloadErr(line, off, tooLargeMsg(r.max))
				}
			}
			r.stack = append(r.stack, t.Name)
			if r.inRec {
				r.startChild(t)
			} else if t.Name.Local == r.elem {
				r.startRecord(t, line, off)
			}
		case xml.EndElement:
			if len(r.stack) == 0 {
				return nil, r.payloadErr(line, off, fmt.Sprintf("unexpected end element </%s>", refQName(t.Name)))
			}
			if top := r.stack[len(r.stack)-1]; top != t.Name {
				return nil, r.payloadErr(line, off, fmt.Sprintf("element <%s> closed by </%s>", refQName(top), refQName(t.Name)))
			}
			r.stack = r.stack[:len(r.stack)-1]
			if !r.inRec {
				continue
			}
			f := r.frames[len(r.frames)-1]
			r.frames = r.frames[:len(r.frames)-1]
			if len(r.frames) > 0 {
				rec.xvals = append(rec.xvals, xmlValue{
					pathStart: f.pathStart, pathEnd: f.pathEnd,
					textStart: f.textStart, textEnd: int32(len(rec.xtext)),
					children: f.children,
				})
				continue
			}
			r.inRec = false
			if r.d.InputOffset()-rec.Offset > int64(r.max) {
				return nil, r.payloadErr(rec.Line, rec.Offset, tooLargeMsg(r.max))
			}
			r.index++
			return rec, nil
		case xml.CharData:
			if r.inRec {
				if f := &r.frames[len(r.frames)-1]; !f.children && len(r.frames) > 1 {
					rec.xtext = append(rec.xtext, t...)
				}
			}
		case xml.Directive:
			return nil, r.payloadErr(line, off, "DTD not allowed")
		}
	}
}

func (r *refXMLReader) startRecord(t xml.StartElement, line int, off int64) {
	rec := &r.rec
	r.inRec = true
	rec.Index = r.index
	rec.Line = line
	rec.Offset = off
	rec.xvals = rec.xvals[:0]
	rec.xpath = rec.xpath[:0]
	rec.xtext = rec.xtext[:0]
	r.frames = r.frames[:0]
	r.addAttrs(t.Attr, 0, 0)
	r.frames = append(r.frames, xmlFrame{textStart: int32(len(rec.xtext))})
}

func (r *refXMLReader) startChild(t xml.StartElement) {
	rec := &r.rec
	parent := &r.frames[len(r.frames)-1]
	if !parent.children {
		parent.children = true
		rec.xtext = rec.xtext[:parent.textStart]
	}
	ps := int32(len(rec.xpath))
	if len(r.frames) > 1 {
		rec.xpath = append(rec.xpath, rec.xpath[parent.pathStart:parent.pathEnd]...)
		rec.xpath = append(rec.xpath, '.')
	}
	rec.xpath = append(rec.xpath, t.Name.Local...)
	pe := int32(len(rec.xpath))
	r.addAttrs(t.Attr, ps, pe)
	r.frames = append(r.frames, xmlFrame{pathStart: ps, pathEnd: pe, textStart: int32(len(rec.xtext))})
}

func (r *refXMLReader) addAttrs(attrs []xml.Attr, ps, pe int32) {
	rec := &r.rec
	for _, a := range attrs {
		s := int32(len(rec.xpath))
		if pe > ps {
			rec.xpath = append(rec.xpath, rec.xpath[ps:pe]...)
			rec.xpath = append(rec.xpath, '.')
		}
		rec.xpath = append(rec.xpath, '@')
		rec.xpath = append(rec.xpath, a.Name.Local...)
		ts := int32(len(rec.xtext))
		rec.xtext = append(rec.xtext, a.Value...)
		rec.xvals = append(rec.xvals, xmlValue{
			pathStart: s, pathEnd: int32(len(rec.xpath)),
			textStart: ts, textEnd: int32(len(rec.xtext)),
		})
	}
}

func (r *refXMLReader) tokenErr(err error, line int, off int64) error {
	if err == io.EOF {
		if len(r.stack) > 0 {
			return r.payloadErr(line, r.d.InputOffset(), fmt.Sprintf("unexpected end of input (element <%s> not closed)", refQName(r.stack[len(r.stack)-1])))
		}
		if r.index == 0 {
			return r.payloadErr(line, r.d.InputOffset(), noRecordsMsg)
		}
		return io.EOF
	}
	if r.charset != "" {
		return r.payloadErr(line, off, fmt.Sprintf("only UTF-8 XML is accepted (declared encoding: %s)", r.charset))
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg := se.Msg
		if msg == "unexpected EOF" {
			msg = "unexpected end of input"
		}
		return r.payloadErr(se.Line, r.d.InputOffset(), msg)
	}
	return r.payloadErr(line, off, strings.TrimPrefix(err.Error(), "xml: "))
}

func refQName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}
