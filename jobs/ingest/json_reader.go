package ingest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// jsonMember locates one member of a record object; offsets are relative to the
// start of the record.
type jsonMember struct {
	keyStart, keyEnd int32 // key without its quotes
	valStart, valEnd int32
	keyEsc           bool // the key holds escapes
}

type jsonState uint8

const (
	jsonStart jsonState = iota
	jsonArrayFirst
	jsonArrayNext
	jsonNDJSON
	jsonDone
)

// jsonReader is a validating JSON scanner over a sliding buffer. Only the record
// being read is kept in the buffer; values around the records are skipped as they
// stream by.
type jsonReader struct {
	src    io.Reader
	srcErr error
	buf    []byte
	pos    int   // next byte to scan
	end    int   // end of the data in buf
	base   int64 // offset of buf[0] in the payload
	mark   int   // first byte kept on refill, -1 for none
	line   int
	max    int
	large  bool // the record outgrew max

	path    []string
	rawPath string
	state   jsonState
	index   int
	recAbs  int64
	rec     Record
	err     error
	scratch []byte
}

const jsonBufSize = 64 << 10

// newJSONReader reads src through a buffer of bufSize bytes at first
// (jsonBufSize, or less for a small input), grown as records need.
func newJSONReader(src io.Reader, opts Options, bufSize int) (*jsonReader, error) {
	r := &jsonReader{
		src:     src,
		buf:     make([]byte, bufSize),
		mark:    -1,
		line:    1,
		max:     opts.maxRecordSize(),
		rawPath: opts.RecordsPath,
	}
	if opts.RecordsPath != "" {
		r.path = strings.Split(opts.RecordsPath, ".")
		for _, s := range r.path {
			if s == "" {
				return nil, fmt.Errorf("invalid records_path %q", opts.RecordsPath)
			}
		}
	}
	r.rec.format = FormatJSON
	return r, nil
}

// Next implements Reader.
func (r *jsonReader) Next() (*Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	rec, err := r.next()
	if err != nil {
		if err == io.EOF && r.index == 0 {
			err = &PayloadError{Format: FormatJSON, Line: r.line, Offset: r.abs(), Msg: noRecordsMsg}
		}
		r.err = err
		return nil, err
	}
	return rec, nil
}

func (r *jsonReader) next() (*Record, error) {
	switch r.state {
	case jsonStart:
		if err := r.start(); err != nil {
			return nil, err
		}
		return r.next()
	case jsonArrayFirst:
		if !r.skipWS() {
			return nil, r.eofErr()
		}
		if r.buf[r.pos] == ']' {
			r.pos++
			return nil, r.endArray()
		}
		r.state = jsonArrayNext
		return r.readRecord()
	case jsonArrayNext:
		if !r.skipWS() {
			return nil, r.eofErr()
		}
		switch c := r.buf[r.pos]; c {
		case ',':
			r.pos++
			if !r.skipWS() {
				return nil, r.eofErr()
			}
			return r.readRecord()
		case ']':
			r.pos++
			return nil, r.endArray()
		default:
			return nil, r.syntaxErr("invalid character %s after array element", quoteChar(c))
		}
	case jsonNDJSON:
		if !r.skipWS() {
			if err := r.readErr(); err != nil {
				return nil, err
			}
			r.state = jsonDone
			return nil, io.EOF
		}
		return r.readRecord()
	default:
		return nil, io.EOF
	}
}

func (r *jsonReader) start() error {
	for r.end < 3 && r.fill() {
	}
	if bytes.HasPrefix(r.buf[:r.end], utf8BOM) {
		r.pos = 3
	}
	if !r.skipWS() {
		if err := r.readErr(); err != nil {
			return err
		}
		r.state = jsonDone
		return io.EOF
	}
	c := r.buf[r.pos]
	switch {
	case r.path != nil:
		if c != '{' {
			return r.syntaxErr("expected a JSON object holding records_path %q, found %s", r.rawPath, quoteChar(c))
		}
		if err := r.walkPath(); err != nil {
			return err
		}
		r.pos++
		r.state = jsonArrayFirst
	case c == '[':
		r.pos++
		r.state = jsonArrayFirst
	case c == '{':
		r.state = jsonNDJSON
	default:
		return r.syntaxErr("expected a JSON array or object, found %s", quoteChar(c))
	}
	return nil
}

// walkPath descends through the objects named by the records path and stops on
// the '[' of its array.
func (r *jsonReader) walkPath() error {
	for level, seg := range r.path {
		r.pos++ // '{'
		for first := true; ; first = false {
			if !r.skipWS() {
				return r.eofErr()
			}
			c := r.buf[r.pos]
			if c == '}' {
				return r.syntaxErr("records_path %q not found", r.rawPath)
			}
			if !first {
				if c != ',' {
					return r.syntaxErr("invalid character %s after object key:value pair", quoteChar(c))
				}
				r.pos++
				if !r.skipWS() {
					return r.eofErr()
				}
				c = r.buf[r.pos]
			}
			if c != '"' {
				return r.syntaxErr("invalid character %s looking for beginning of object key string", quoteChar(c))
			}
			r.mark = r.pos
			esc, err := r.scanString()
			if err != nil {
				return err
			}
			key := r.buf[r.mark+1 : r.pos-1]
			if esc {
				r.scratch = unescapeJSON(r.scratch[:0], key)
				key = r.scratch
			}
			match := string(key) == seg
			r.mark = -1
			if err := r.colon(); err != nil {
				return err
			}
			if !r.skipWS() {
				return r.eofErr()
			}
			if match {
				c := r.buf[r.pos]
				last := level == len(r.path)-1
				if last && c == '[' {
					return nil
				}
				if !last && c == '{' {
					break
				}
				want := "an array"
				if !last {
					want = "an object"
				}
				return r.syntaxErr("records_path %q: %q is not %s (found %s)", r.rawPath, strings.Join(r.path[:level+1], "."), want, kindName(c))
			}
			if err := r.scanValue(level + 1); err != nil {
				return err
			}
		}
	}
	return nil
}

// endArray checks what follows the records array: the rest of the objects around
// it, then nothing but whitespace.
func (r *jsonReader) endArray() error {
	for range r.path {
		for {
			if !r.skipWS() {
				return r.eofErr()
			}
			c := r.buf[r.pos]
			if c == '}' {
				r.pos++
				break
			}
			if c != ',' {
				return r.syntaxErr("invalid character %s after object key:value pair", quoteChar(c))
			}
			r.pos++
			if err := r.member(len(r.path), nil); err != nil {
				return err
			}
		}
	}
	if r.skipWS() {
		return r.syntaxErr("invalid character %s after top-level value", quoteChar(r.buf[r.pos]))
	}
	if err := r.readErr(); err != nil {
		return err
	}
	r.state = jsonDone
	return io.EOF
}

// readRecord scans the value at r.pos as one record.
func (r *jsonReader) readRecord() (*Record, error) {
	rec := &r.rec
	r.mark = r.pos
	r.recAbs = r.abs()
	rec.Index = r.index
	rec.Line = r.line
	rec.Offset = r.recAbs
	rec.members = rec.members[:0]
	var err error
	if r.buf[r.pos] == '{' {
		err = r.scanObject(1, &rec.members)
	} else {
		err = r.scanValue(0)
	}
	if err != nil {
		return nil, err
	}
	if r.pos-r.mark > r.max {
		return nil, r.tooLarge()
	}
	rec.raw = r.buf[r.mark:r.pos]
	r.mark = -1
	r.index++
	return rec, nil
}

func (r *jsonReader) abs() int64 { return r.base + int64(r.pos) }

// fill reads more input, keeping the bytes from the mark (or the current
// position) on. It reports whether any byte was added.
func (r *jsonReader) fill() bool {
	if r.srcErr != nil {
		return false
	}
	keep := r.pos
	if r.mark >= 0 && r.mark < keep {
		keep = r.mark
	}
	if keep > 0 {
		copy(r.buf, r.buf[keep:r.end])
		r.end -= keep
		r.pos -= keep
		if r.mark >= 0 {
			r.mark -= keep
		}
		r.base += int64(keep)
	}
	if r.end == len(r.buf) {
		if r.end >= r.max+jsonBufSize {
			r.large = true
			return false
		}
		nb := make([]byte, min(2*len(r.buf), r.max+jsonBufSize))
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	for range 100 {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if err != nil {
			r.srcErr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	r.srcErr = io.ErrNoProgress
	return false
}

// readErr returns the input's error when it is not io.EOF.
func (r *jsonReader) readErr() error {
	if r.srcErr != nil && r.srcErr != io.EOF {
		return fmt.Errorf("reading JSON payload: %w", r.srcErr)
	}
	return nil
}

// eofErr is the error for input ending in the middle of a value.
func (r *jsonReader) eofErr() error {
	if r.large {
		return r.tooLarge()
	}
	if err := r.readErr(); err != nil {
		return err
	}
	return &PayloadError{Format: FormatJSON, Line: r.line, Offset: r.base + int64(r.end), Index: r.index, Msg: "unexpected end of input"}
}

func (r *jsonReader) tooLarge() error {
	return &PayloadError{Format: FormatJSON, Line: r.rec.Line, Offset: r.recAbs, Index: r.index, Msg: tooLargeMsg(r.max)}
}

func (r *jsonReader) syntaxErr(format string, args ...any) error {
	return &PayloadError{Format: FormatJSON, Line: r.line, Offset: r.abs(), Index: r.index, Msg: fmt.Sprintf(format, args...)}
}

// skipWS skips whitespace and reports whether a byte follows.
func (r *jsonReader) skipWS() bool {
	for {
		buf := r.buf[:r.end]
		for i := r.pos; i < len(buf); i++ {
			switch buf[i] {
			case ' ', '\t', '\r':
			case '\n':
				r.line++
			default:
				r.pos = i
				return true
			}
		}
		r.pos = len(buf)
		if !r.fill() {
			return false
		}
	}
}

func (r *jsonReader) colon() error {
	if !r.skipWS() {
		return r.eofErr()
	}
	if c := r.buf[r.pos]; c != ':' {
		return r.syntaxErr("invalid character %s after object key", quoteChar(c))
	}
	r.pos++
	return nil
}

// scanValue scans one value starting at the next non-space byte.
func (r *jsonReader) scanValue(depth int) error {
	if !r.skipWS() {
		return r.eofErr()
	}
	switch c := r.buf[r.pos]; c {
	case '"':
		_, err := r.scanString()
		return err
	case '{':
		return r.scanObject(depth+1, nil)
	case '[':
		return r.scanArray(depth + 1)
	case 't':
		return r.scanLiteral("true")
	case 'f':
		return r.scanLiteral("false")
	case 'n':
		return r.scanLiteral("null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return r.scanNumber()
		}
		return r.syntaxErr("invalid character %s looking for beginning of value", quoteChar(c))
	}
}

// scanObject scans the object at r.pos; with members set, it records their
// positions relative to the record start.
func (r *jsonReader) scanObject(depth int, members *[]jsonMember) error {
	if depth > maxDepth {
		return r.syntaxErr("exceeded max depth of %d", maxDepth)
	}
	r.pos++
	if !r.skipWS() {
		return r.eofErr()
	}
	if r.buf[r.pos] == '}' {
		r.pos++
		return nil
	}
	for {
		if err := r.member(depth, members); err != nil {
			return err
		}
		if !r.skipWS() {
			return r.eofErr()
		}
		switch c := r.buf[r.pos]; c {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return nil
		default:
			return r.syntaxErr("invalid character %s after object key:value pair", quoteChar(c))
		}
	}
}

// member scans `"key": value`.
func (r *jsonReader) member(depth int, members *[]jsonMember) error {
	if !r.skipWS() {
		return r.eofErr()
	}
	if c := r.buf[r.pos]; c != '"' {
		return r.syntaxErr("invalid character %s looking for beginning of object key string", quoteChar(c))
	}
	ks := r.abs()
	esc, err := r.scanString()
	if err != nil {
		return err
	}
	ke := r.abs()
	if err := r.colon(); err != nil {
		return err
	}
	if !r.skipWS() {
		return r.eofErr()
	}
	vs := r.abs()
	if err := r.scanValue(depth); err != nil {
		return err
	}
	if members != nil {
		ve := r.abs()
		*members = append(*members, jsonMember{
			keyStart: int32(ks + 1 - r.recAbs),
			keyEnd:   int32(ke - 1 - r.recAbs),
			valStart: int32(vs - r.recAbs),
			valEnd:   int32(ve - r.recAbs),
			keyEsc:   esc,
		})
	}
	return nil
}

func (r *jsonReader) scanArray(depth int) error {
	if depth > maxDepth {
		return r.syntaxErr("exceeded max depth of %d", maxDepth)
	}
	r.pos++
	if !r.skipWS() {
		return r.eofErr()
	}
	if r.buf[r.pos] == ']' {
		r.pos++
		return nil
	}
	for {
		if err := r.scanValue(depth); err != nil {
			return err
		}
		if !r.skipWS() {
			return r.eofErr()
		}
		switch c := r.buf[r.pos]; c {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return nil
		default:
			return r.syntaxErr("invalid character %s after array element", quoteChar(c))
		}
	}
}

// scanString scans the string at r.pos and reports whether it holds escapes.
func (r *jsonReader) scanString() (esc bool, err error) {
	i := r.pos + 1
	for {
		buf := r.buf[:r.end]
		for i < len(buf) {
			for i < len(buf) && strSafe[buf[i]] {
				i++
			}
			if i == len(buf) {
				break
			}
			switch c := buf[i]; c {
			case '"':
				r.pos = i + 1
				return esc, nil
			case '\\':
				esc = true
				if i+1 >= len(buf) {
					goto more
				}
				switch buf[i+1] {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					i += 2
				case 'u':
					if i+6 > len(buf) {
						goto more
					}
					for _, h := range buf[i+2 : i+6] {
						if hexVal(h) < 0 {
							r.pos = i
							return esc, r.syntaxErr("invalid character %s in \\u hexadecimal character escape", quoteChar(h))
						}
					}
					i += 6
				default:
					r.pos = i + 1
					return esc, r.syntaxErr("invalid character %s in string escape code", quoteChar(buf[i+1]))
				}
			default:
				r.pos = i
				return esc, r.syntaxErr("invalid character %s in string literal", quoteChar(c))
			}
		}
	more:
		r.pos = i
		if !r.fill() {
			return esc, r.eofErr()
		}
		i = r.pos
	}
}

func (r *jsonReader) scanLiteral(lit string) error {
	set := r.mark < 0
	if set {
		r.mark = r.pos
	}
	for r.end-r.pos < len(lit) && r.fill() {
	}
	if set {
		r.mark = -1
	}
	n := min(len(lit), r.end-r.pos)
	for i := range n {
		if c := r.buf[r.pos+i]; c != lit[i] {
			r.pos += i
			return r.syntaxErr("invalid character %s in literal %s (expecting %s)", quoteChar(c), lit, quoteChar(lit[i]))
		}
	}
	if n < len(lit) {
		r.pos += n
		return r.eofErr()
	}
	r.pos += len(lit)
	return nil
}

func isNumByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func (r *jsonReader) scanNumber() error {
	set := r.mark < 0
	if set {
		r.mark = r.pos
	}
	start := r.pos - r.mark // relative to the mark, which fill may move
	i := r.pos + 1
	for {
		for i < r.end && isNumByte(r.buf[i]) {
			i++
		}
		if i < r.end {
			break
		}
		r.pos = i
		more := r.fill()
		i = r.pos // fill may have moved the data
		if !more {
			if r.large {
				return r.tooLarge()
			}
			break
		}
	}
	s := r.mark + start
	if set {
		r.mark = -1
	}
	n := validNumberPrefix(r.buf[s:i])
	if n < i-s {
		r.pos = s + n
		return r.syntaxErr("invalid character %s in numeric literal", quoteChar(r.buf[s+n]))
	}
	r.pos = i
	if !lastNumByteOK(r.buf[i-1]) {
		if i == r.end {
			return r.eofErr()
		}
		return r.syntaxErr("invalid character %s in numeric literal", quoteChar(r.buf[i]))
	}
	return nil
}

func lastNumByteOK(c byte) bool { return c >= '0' && c <= '9' }

// validNumberPrefix returns the length of the longest prefix of b that follows the
// JSON number grammar as far as it goes (possibly ending mid-number, as in "1.").
func validNumberPrefix(b []byte) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i == len(b) {
		return i
	}
	switch {
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return i
	}
	if i < len(b) && b[i] == '.' {
		i++
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == j {
			return i
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i
}

// isJSONNumber reports whether b is exactly one JSON number.
func isJSONNumber(b []byte) bool {
	return len(b) > 0 && validNumberPrefix(b) == len(b) && lastNumByteOK(b[len(b)-1])
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

func quoteChar(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c == '"':
		return `'"'`
	case c < 0x20 || c >= 0x7f:
		return fmt.Sprintf("0x%02x", c)
	}
	return "'" + string(rune(c)) + "'"
}

// kindName names the kind of JSON value starting with c.
func kindName(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}
