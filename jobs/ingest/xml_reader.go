package ingest

import (
	"errors"
	"io"
)

// xmlValue is a leaf element or an attribute of a record; offsets index the
// record's path and text arenas.
type xmlValue struct {
	pathStart, pathEnd int32
	textStart, textEnd int32
	children           bool // an element with child elements: no scalar value
}

// xmlFrame is an element open inside the current record.
type xmlFrame struct {
	pathStart, pathEnd int32
	textStart          int32
	children           bool
}

// xmlReader reads the records of an XML payload off the tokens of an xmlScanner.
type xmlReader struct {
	s      xmlScanner
	elem   string
	frames []xmlFrame
	inRec  bool
	index  int
	rec    Record
	err    error
}

// newXMLReader reads src through a buffer of bufSize bytes at first
// (xmlBufSize, or less for a small input), grown as records need.
func newXMLReader(src io.Reader, opts Options, bufSize int) (*xmlReader, error) {
	if opts.RecordElement == "" {
		return nil, errors.New("record_element is required for XML")
	}
	r := &xmlReader{elem: opts.RecordElement}
	r.s.init(src, opts.maxRecordSize(), bufSize)
	r.rec.format = FormatXML
	return r, nil
}

// Next implements Reader.
func (r *xmlReader) Next() (*Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	rec, err := r.next()
	if err != nil {
		if pe, ok := err.(*PayloadError); ok {
			pe.Index = r.index
		}
		r.err = err
		return nil, err
	}
	return rec, nil
}

func (r *xmlReader) next() (*Record, error) {
	s := &r.s
	for {
		tok, err := s.next()
		if err != nil {
			return nil, err
		}
		switch tok {
		case xmlStart:
			if r.inRec {
				r.startChild()
			} else if string(s.localName()) == r.elem {
				r.startRecord()
			}
			if s.selfClose && r.inRec && r.endElement() {
				return r.endRecord()
			}
		case xmlEnd:
			if r.inRec && r.endElement() {
				return r.endRecord()
			}
		case xmlText:
			// Only the text of an element of the record without children so
			// far: startChild and endElement set wantText.
			r.rec.xtext = s.appendText(r.rec.xtext)
		case xmlEOF:
			if r.index == 0 {
				return nil, s.errAt(s.pos, noRecordsMsg)
			}
			return nil, io.EOF
		}
	}
}

func (r *xmlReader) startRecord() {
	rec := &r.rec
	s := &r.s
	r.inRec = true
	s.startRecord()
	rec.Index = r.index
	rec.Line = s.lineAt(s.tok)
	rec.Offset = s.abs(s.tok)
	rec.xvals = rec.xvals[:0]
	rec.xpath = rec.xpath[:0]
	rec.xtext = rec.xtext[:0]
	r.frames = r.frames[:0]
	s.wantText = false
	r.addAttrs(0, 0)
	r.frames = append(r.frames, xmlFrame{textStart: int32(len(rec.xtext))})
}

func (r *xmlReader) startChild() {
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
	rec.xpath = append(rec.xpath, r.s.localName()...)
	pe := int32(len(rec.xpath))
	if len(r.s.attrs) > 0 {
		r.addAttrs(ps, pe)
	}
	r.frames = append(r.frames, xmlFrame{pathStart: ps, pathEnd: pe, textStart: int32(len(rec.xtext))})
	// The text of an element without children is its value.
	r.s.wantText = true
}

// addAttrs records the attributes of the current start tag, the element at path
// xpath[ps:pe], as values named "path.@name", or "@name" for the record element.
func (r *xmlReader) addAttrs(ps, pe int32) {
	rec := &r.rec
	for i := range r.s.attrs {
		a := &r.s.attrs[i]
		s := int32(len(rec.xpath))
		if pe > ps {
			rec.xpath = append(rec.xpath, rec.xpath[ps:pe]...)
			rec.xpath = append(rec.xpath, '.')
		}
		rec.xpath = append(rec.xpath, '@')
		rec.xpath = append(rec.xpath, r.s.attrLocal(a)...)
		ts := int32(len(rec.xtext))
		rec.xtext = r.s.appendAttr(rec.xtext, a)
		rec.xvals = append(rec.xvals, xmlValue{
			pathStart: s, pathEnd: int32(len(rec.xpath)),
			textStart: ts, textEnd: int32(len(rec.xtext)),
		})
	}
}

// endElement closes the innermost element of the record and reports whether it
// was the record element.
func (r *xmlReader) endElement() bool {
	rec := &r.rec
	r.s.wantText = false
	f := r.frames[len(r.frames)-1]
	r.frames = r.frames[:len(r.frames)-1]
	if len(r.frames) == 0 {
		return true
	}
	rec.xvals = append(rec.xvals, xmlValue{
		pathStart: f.pathStart, pathEnd: f.pathEnd,
		textStart: f.textStart, textEnd: int32(len(rec.xtext)),
		children: f.children,
	})
	return false
}

func (r *xmlReader) endRecord() (*Record, error) {
	rec := &r.rec
	s := &r.s
	r.inRec = false
	rec.xraw = s.buf[s.recStart:s.pos]
	s.endRecord()
	if s.abs(s.pos)-rec.Offset > int64(s.max) {
		return nil, &PayloadError{Format: FormatXML, Line: rec.Line, Offset: rec.Offset, Msg: tooLargeMsg(s.max)}
	}
	r.index++
	return rec, nil
}
