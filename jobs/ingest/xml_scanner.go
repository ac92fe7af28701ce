package ingest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// xmlTok is the kind of a token of xmlScanner.
type xmlTok uint8

const (
	xmlEOF   xmlTok = iota // the end of the input, every element closed
	xmlStart               // a start tag, self-closing or not
	xmlEnd                 // an end tag matching the open element
	xmlText                // a run of character data, or a CDATA section
	xmlSkip                // a comment or a processing instruction, never returned
)

// xmlAttr locates an attribute of the current start tag. Offsets are relative to
// the tag's '<'.
type xmlAttr struct {
	local, nameEnd   int32 // the local name (the name without its prefix)
	valStart, valEnd int32 // the value, without its quotes
	plain            bool  // the value holds no reference and no '\r': its text is its bytes
}

// xmlScanner is a validating XML tokenizer over a sliding buffer. It accepts
// exactly what encoding/xml's Decoder accepts in Strict mode through RawToken,
// with the checks the reader always made on top of it: end tags must match their
// start tags, nesting is bounded by maxDepth, declarations ("<!DOCTYPE") are
// refused and so are encodings other than UTF-8. It returns start tags, end tags
// and character data; comments and processing instructions are checked and
// skipped.
//
// Only the current token is kept in the buffer, or, once the reader marks a
// record, everything from the record's start on. Neither may grow beyond max
// bytes, nor may the names of the elements open outside records, together.
// Offsets of the current token are relative to tok, which moves when the buffer
// is refilled.
type xmlScanner struct {
	src    io.Reader
	srcErr error
	buf    []byte
	pos    int   // next byte to scan, between tokens
	end    int   // end of the data in buf
	base   int64 // offset of buf[0] in the payload
	max    int
	large  bool // the kept bytes outgrew max

	line    int // the line of buf[linePos]: lines are counted when asked for
	linePos int

	tok      int  // start of the current token in buf
	wantText bool // return text tokens; others are checked and skipped
	recStart int  // start of the record being read in buf, -1 outside records

	// The current token: start and end tags name buf[tok+nameStart:tok+nameEnd],
	// whose local part starts at local; text is buf[tok+textStart:tok+textEnd].
	nameStart, local, nameEnd int
	selfClose                 bool
	matched                   bool // the end tag is known to match the open element
	attrs                     []xmlAttr
	textStart, textEnd        int
	textPlain                 bool // the text is its bytes: no reference, no '\r'
	cdata                     bool

	open  []int32 // where the name of each open element starts in names
	names []byte

	// pending is the first invalid character of the text being scanned. As
	// encoding/xml checks characters once it has read a whole text, an error in
	// the markup of the text takes precedence.
	pending error
}

const xmlBufSize = 64 << 10

func (s *xmlScanner) init(src io.Reader, max, bufSize int) {
	s.src = src
	s.buf = make([]byte, bufSize)
	s.max = max
	s.line = 1
	s.recStart = -1
}

// next scans the next token. Text is returned only when wantText is set.
func (s *xmlScanner) next() (xmlTok, error) {
	for {
		s.tok = s.pos
		if s.pos == s.end {
			var ok bool
			if s.pos, ok = s.more(s.pos); !ok {
				return s.eof()
			}
		}
		var kind xmlTok
		var err error
		switch {
		case s.buf[s.pos] != '<':
			kind, err = xmlText, s.scanText()
		case s.pos+1 == s.end:
			kind, err = s.scanMarkup()
		case s.buf[s.pos+1] == '/':
			kind, err = xmlEnd, s.scanEndTag()
		case xmlNameClass[s.buf[s.pos+1]] != 0:
			kind, err = xmlStart, s.scanStartTag()
		default:
			kind, err = s.scanMarkup()
		}
		if err != nil {
			return 0, err
		}
		if s.recStart < 0 && s.pos-s.tok > s.max {
			return 0, s.tooLarge()
		}
		switch kind {
		case xmlSkip:
			continue
		case xmlText:
			if !s.wantText {
				continue
			}
		case xmlStart:
			if len(s.open) >= maxDepth {
				return 0, s.errAt(s.tok, fmt.Sprintf("exceeded max depth of %d", maxDepth))
			}
			// The names of the elements open around the records are kept
			// too: together they must fit in the limit.
			if s.recStart < 0 && len(s.names)+s.nameEnd-s.nameStart > s.max {
				return 0, s.tooLarge()
			}
			if !s.selfClose {
				s.open = append(s.open, int32(len(s.names)))
				s.names = append(s.names, s.name()...)
			}
		case xmlEnd:
			n := len(s.open)
			if n == 0 {
				return 0, s.errAt(s.tok, fmt.Sprintf("unexpected end element </%s>", s.name()))
			}
			if top := s.names[s.open[n-1]:]; !s.matched && !bytes.Equal(top, s.name()) {
				return 0, s.errAt(s.tok, fmt.Sprintf("element <%s> closed by </%s>", top, s.name()))
			}
			s.names = s.names[:s.open[n-1]]
			s.open = s.open[:n-1]
		}
		return kind, nil
	}
}

// name returns the qualified name of the current start or end tag.
func (s *xmlScanner) name() []byte { return s.buf[s.tok+s.nameStart : s.tok+s.nameEnd] }

// localName returns the name of the current start tag without its prefix.
func (s *xmlScanner) localName() []byte { return s.buf[s.tok+s.local : s.tok+s.nameEnd] }

// attrLocal returns the local name of attribute a of the current start tag.
func (s *xmlScanner) attrLocal(a *xmlAttr) []byte {
	return s.buf[s.tok+int(a.local) : s.tok+int(a.nameEnd)]
}

// appendAttr appends the text of attribute a of the current start tag to dst.
func (s *xmlScanner) appendAttr(dst []byte, a *xmlAttr) []byte {
	b := s.buf[s.tok+int(a.valStart) : s.tok+int(a.valEnd)]
	if a.plain {
		return append(dst, b...)
	}
	return appendXMLText(dst, b, true)
}

// appendText appends the text of the current text token to dst.
func (s *xmlScanner) appendText(dst []byte) []byte {
	b := s.buf[s.tok+s.textStart : s.tok+s.textEnd]
	if s.textPlain {
		return append(dst, b...)
	}
	return appendXMLText(dst, b, !s.cdata)
}

// startRecord keeps the bytes from the current token on, until endRecord.
func (s *xmlScanner) startRecord() { s.recStart = s.tok }

// endRecord lets the buffer drop the record's bytes again.
func (s *xmlScanner) endRecord() { s.recStart = -1 }

// abs returns the payload offset of buf[i].
func (s *xmlScanner) abs(i int) int64 { return s.base + int64(i) }

// lineAt returns the line of buf[i].
func (s *xmlScanner) lineAt(i int) int {
	if i < s.linePos {
		return s.line - bytes.Count(s.buf[i:s.linePos], newline)
	}
	s.line += bytes.Count(s.buf[s.linePos:i], newline)
	s.linePos = i
	return s.line
}

var newline = []byte{'\n'}

func (s *xmlScanner) errAt(i int, msg string) error {
	return &PayloadError{Format: FormatXML, Line: s.lineAt(i), Offset: s.abs(i), Msg: msg}
}

// more reads more input, keeping the bytes from the record's start on, or from
// the token's outside records. It returns i moved along with the kept bytes and
// whether any byte was added.
func (s *xmlScanner) more(i int) (int, bool) {
	if s.srcErr != nil {
		return i, false
	}
	keep := s.tok
	if s.recStart >= 0 {
		keep = s.recStart
	}
	if keep > 0 {
		if s.linePos < keep {
			s.line += bytes.Count(s.buf[s.linePos:keep], newline)
			s.linePos = keep
		}
		copy(s.buf, s.buf[keep:s.end])
		s.end -= keep
		s.pos -= keep
		s.tok -= keep
		s.linePos -= keep
		if s.recStart >= 0 {
			s.recStart -= keep
		}
		s.base += int64(keep)
		i -= keep
	}
	if s.end == len(s.buf) {
		if s.end >= s.max+xmlBufSize {
			s.large = true
			return i, false
		}
		nb := make([]byte, min(2*len(s.buf), s.max+xmlBufSize))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for range 100 {
		n, err := s.src.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.srcErr = err
			return i, n > 0
		}
		if n > 0 {
			return i, true
		}
	}
	s.srcErr = io.ErrNoProgress
	return i, false
}

// has reports whether n bytes are available from buf[i] on, reading more input
// when needed. It returns i moved along with the buffer.
func (s *xmlScanner) has(i, n int) (int, bool) {
	for i+n > s.end {
		var ok bool
		if i, ok = s.more(i); !ok {
			return i, false
		}
	}
	return i, true
}

// readErr returns the input's error when it is not io.EOF.
func (s *xmlScanner) readErr() error {
	if s.srcErr != nil && s.srcErr != io.EOF {
		return fmt.Errorf("reading XML payload: %w", s.srcErr)
	}
	return nil
}

// endErr is the error for input ending inside a token.
func (s *xmlScanner) endErr() error {
	if s.large {
		return s.tooLarge()
	}
	if err := s.readErr(); err != nil {
		return err
	}
	return s.errAt(s.end, "unexpected end of input")
}

// tooLarge is the error for a record, or a token outside records, larger than max.
func (s *xmlScanner) tooLarge() error {
	start := s.tok
	if s.recStart >= 0 {
		start = s.recStart
	}
	return s.errAt(start, tooLargeMsg(s.max))
}

// eof handles the end of the input between tokens.
func (s *xmlScanner) eof() (xmlTok, error) {
	if s.large {
		return 0, s.tooLarge()
	}
	if err := s.readErr(); err != nil {
		return 0, err
	}
	if n := len(s.open); n > 0 {
		return 0, s.errAt(s.end, fmt.Sprintf("unexpected end of input (element <%s> not closed)", s.names[s.open[n-1]:]))
	}
	return xmlEOF, nil
}

// invalid notes the character r ending before buf[i], not allowed in XML (or
// invalid UTF-8 when r is utf8.RuneError), unless a character was noted already.
func (s *xmlScanner) invalid(i int, r rune) {
	if s.pending != nil {
		return
	}
	msg := "invalid UTF-8"
	if r != utf8.RuneError {
		msg = fmt.Sprintf("illegal character code %U", r)
	}
	s.pending = s.errAt(i, msg)
}

// The byte classes of the scanning loops.
var (
	// xmlTextPlain: bytes of character data that need no attention.
	xmlTextPlain = byteClass(func(c byte) bool { return c != '<' && c != '&' && c != ']' && c != '\r' })
	// xmlCDATAPlain: bytes of a CDATA section that need no attention.
	xmlCDATAPlain = byteClass(func(c byte) bool { return c != ']' && c != '\r' })
	// xmlAttrPlain: bytes of a quoted attribute value that need no attention.
	xmlAttrPlain = byteClass(func(c byte) bool {
		return c != '<' && c != '&' && c != '"' && c != '\'' && c != '\r'
	})
	// xmlNameClass: the class bits of the bytes read as part of a name, 0 for
	// the others. Every non-ASCII byte is, as in encoding/xml, and the name is
	// checked once read.
	xmlNameClass = func() (t [256]uint8) {
		for c := range 256 {
			switch {
			case c >= utf8.RuneSelf:
				t[c] = nameByte | nameNonASCII
			case c == ':':
				t[c] = nameByte | nameColon
			case isXMLNameStart(byte(c)) || c >= '0' && c <= '9' || c == '.' || c == '-':
				t[c] = nameByte
			}
		}
		return t
	}()
)

// The class bits of name bytes.
const (
	nameByte     = 1 << iota
	nameColon    // ':'
	nameNonASCII // a byte of a multi-byte character
)

// byteClass returns the table of the ASCII characters allowed in XML (tab,
// newline, carriage return and from space on) for which plain is true.
func byteClass(plain func(byte) bool) (t [256]bool) {
	for c := range utf8.RuneSelf {
		t[c] = (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') && plain(byte(c))
	}
	return t
}

func isXMLNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':'
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// isXMLChar reports whether r is in the Char production of XML 1.0.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= utf8.MaxRune
}

// char checks the character starting at buf[i], a byte that is not plain, and
// returns the index after it. An invalid character is noted as pending.
func (s *xmlScanner) char(i int) int {
	if c := s.buf[i]; c < utf8.RuneSelf {
		s.invalid(i+1, rune(c))
		return i + 1
	}
	for i+utf8.UTFMax > s.end && !utf8.FullRune(s.buf[i:s.end]) {
		var ok bool
		if i, ok = s.more(i); !ok {
			break
		}
	}
	r, n := utf8.DecodeRune(s.buf[i:s.end])
	if !isXMLChar(r) || r == utf8.RuneError && n == 1 {
		s.invalid(i+n, r)
	}
	return i + n
}

// scanText scans character data up to the next '<' or the end of the input.
func (s *xmlScanner) scanText() error {
	s.pending = nil
	s.textPlain = true
	s.cdata = false
	i := s.pos
	for {
		buf := s.buf[:s.end]
		for i < len(buf) && xmlTextPlain[buf[i]] {
			i++
		}
		if i == len(buf) {
			var ok bool
			if i, ok = s.more(i); !ok {
				if s.large {
					return s.tooLarge()
				}
				break
			}
			continue
		}
		c := buf[i]
		if c == '<' {
			break
		}
		switch c {
		case '&':
			s.textPlain = false
			var err error
			if i, err = s.entity(i); err != nil {
				return err
			}
		case ']':
			var ok bool
			if i, ok = s.has(i, 3); ok && s.buf[i+1] == ']' && s.buf[i+2] == '>' {
				return s.errAt(i+3, "unescaped ]]> not in CDATA section")
			}
			i++
		case '\r':
			s.textPlain = false
			i++
		default:
			i = s.char(i)
		}
	}
	s.textStart, s.textEnd = 0, i-s.tok
	s.pos = i
	return s.pending
}

// scanCDATA scans a CDATA section, its "<![CDATA[" read.
func (s *xmlScanner) scanCDATA() error {
	s.pending = nil
	s.textPlain = true
	s.cdata = true
	i := s.tok + len("<![CDATA[")
	for {
		buf := s.buf[:s.end]
		for i < len(buf) && xmlCDATAPlain[buf[i]] {
			i++
		}
		if i == len(buf) {
			var ok bool
			if i, ok = s.more(i); !ok {
				if s.large || s.readErr() != nil {
					return s.endErr()
				}
				return s.errAt(s.end, "unexpected end of input in CDATA section")
			}
			continue
		}
		switch buf[i] {
		case ']':
			var ok bool
			if i, ok = s.has(i, 3); ok && s.buf[i+1] == ']' && s.buf[i+2] == '>' {
				s.textStart, s.textEnd = len("<![CDATA["), i-s.tok
				s.pos = i + 3
				return s.pending
			}
			i++
		case '\r':
			s.textPlain = false
			i++
		default:
			i = s.char(i)
		}
	}
}

// entity checks the reference starting at buf[i] ('&') and returns the index
// after it. Only the predefined entities and character references are known.
func (s *xmlScanner) entity(i int) (int, error) {
	start := i - s.tok
	i, ok := s.has(i, 2)
	if !ok {
		return i, s.endErr()
	}
	i++
	if s.buf[i] != '#' {
		if i, _, ok = s.readName(i); !ok {
			return i, s.endErr()
		}
		ent := s.buf[s.tok+start : i]
		if s.buf[i] != ';' {
			return i, s.errAt(i, fmt.Sprintf("invalid character entity %s (no semicolon)", ent))
		}
		switch string(ent[1:]) {
		case "lt", "gt", "amp", "apos", "quot":
			return i + 1, nil
		}
		return i + 1, s.errAt(i+1, fmt.Sprintf("invalid character entity %s;", ent))
	}
	if i, ok = s.has(i, 2); !ok {
		return i, s.endErr()
	}
	i++
	base := 10
	if s.buf[i] == 'x' {
		base = 16
		if i, ok = s.has(i, 2); !ok {
			return i, s.endErr()
		}
		i++
	}
	n, digits := 0, 0
	for {
		d := hexVal(s.buf[i])
		if d < 0 || d >= base {
			break
		}
		digits++
		if n <= utf8.MaxRune {
			n = n*base + d
		}
		if i, ok = s.has(i, 2); !ok {
			return i, s.endErr()
		}
		i++
	}
	ent := s.buf[s.tok+start : i]
	if s.buf[i] != ';' {
		return i, s.errAt(i, fmt.Sprintf("invalid character entity %s (no semicolon)", ent))
	}
	i++
	if digits == 0 || n > utf8.MaxRune {
		return i, s.errAt(i, fmt.Sprintf("invalid character entity %s;", ent))
	}
	// A surrogate becomes U+FFFD, as in encoding/xml.
	if r := rune(n); utf8.ValidRune(r) && !isXMLChar(r) {
		s.invalid(i, r)
	}
	return i, nil
}

// readName reads the bytes of a name from buf[i] on and returns the index after
// them and the union of their class bits; it reports false when the input ends
// first.
func (s *xmlScanner) readName(i int) (int, uint8, bool) {
	var class uint8
	for {
		buf := s.buf[:s.end]
		for ; i < len(buf); i++ {
			c := xmlNameClass[buf[i]]
			if c == 0 {
				return i, class, true
			}
			class |= c
		}
		var ok bool
		if i, ok = s.more(i); !ok {
			return i, class, false
		}
	}
}

// scanName reads a name from buf[i] on, possibly empty, and checks it. It
// returns the index after it and the union of the class bits of its bytes.
func (s *xmlScanner) scanName(i int) (int, uint8, error) {
	start := i - s.tok
	i, class, ok := s.readName(i)
	if !ok {
		return i, class, s.endErr()
	}
	if class == 0 {
		return i, 0, nil
	}
	name := s.buf[s.tok+start : i]
	if class&nameNonASCII == 0 && !isXMLNameStart(name[0]) || class&nameNonASCII != 0 && !isXMLName(name) {
		return i, class, s.errAt(i, "invalid XML name: "+string(name))
	}
	return i, class, nil
}

// qname reads a qualified name from buf[i] on: a name with at most one colon. It
// returns the index after it and, relative to tok, where its local part starts;
// an empty or invalid name is the error msg.
func (s *xmlScanner) qname(i int, msg string) (int, int, error) {
	start := i - s.tok
	i, class, err := s.scanName(i)
	if err != nil {
		return i, 0, err
	}
	if class == 0 {
		return i, 0, s.errAt(i, msg)
	}
	if class&nameColon == 0 {
		return i, start, nil
	}
	name := s.buf[s.tok+start : i]
	c := bytes.IndexByte(name, ':')
	switch {
	case bytes.LastIndexByte(name, ':') != c:
		return i, 0, s.errAt(i, msg)
	case c > 0 && c < len(name)-1:
		return i, start + c + 1, nil
	}
	return i, start, nil
}

// skipSpace returns the index of the first byte from buf[i] on that is not
// white space; it reports false when the input ends first.
func (s *xmlScanner) skipSpace(i int) (int, bool) {
	for {
		buf := s.buf[:s.end]
		for i < len(buf) && isXMLSpace(buf[i]) {
			i++
		}
		if i < len(buf) {
			return i, true
		}
		var ok bool
		if i, ok = s.more(i); !ok {
			return i, false
		}
	}
}

// scanMarkup scans the markup starting at buf[pos] ('<').
func (s *xmlScanner) scanMarkup() (xmlTok, error) {
	i, ok := s.has(s.tok, 2)
	if !ok {
		return 0, s.endErr()
	}
	switch s.buf[i+1] {
	case '/':
		return xmlEnd, s.scanEndTag()
	case '?':
		return xmlSkip, s.scanPI()
	case '!':
		if i, ok = s.has(i, 3); !ok {
			return 0, s.endErr()
		}
		switch s.buf[i+2] {
		case '-':
			if i, ok = s.has(i, 4); !ok {
				return 0, s.endErr()
			}
			if s.buf[i+3] != '-' {
				return 0, s.errAt(i+4, "invalid sequence <!- not part of <!--")
			}
			return xmlSkip, s.scanComment()
		case '[':
			for j := range len("CDATA[") {
				if i, ok = s.has(i, 4+j); !ok {
					return 0, s.endErr()
				}
				if s.buf[i+3+j] != "CDATA["[j] {
					return 0, s.errAt(i+4+j, "invalid <![ sequence")
				}
			}
			return xmlText, s.scanCDATA()
		}
		return 0, s.errAt(i, "DTD not allowed")
	}
	return xmlStart, s.scanStartTag()
}

// scanStartTag scans a start tag and its attributes.
func (s *xmlScanner) scanStartTag() error {
	// Most names are ASCII without a prefix, and read here at once.
	buf := s.buf[:s.end]
	i := s.tok + 1
	var class uint8
	for ; i < len(buf); i++ {
		c := xmlNameClass[buf[i]]
		if c == 0 {
			break
		}
		class |= c
	}
	if i < len(buf) && class == nameByte && isXMLNameStart(buf[s.tok+1]) {
		s.nameStart, s.local, s.nameEnd = 1, 1, i-s.tok
	} else {
		var local int
		var err error
		if i, local, err = s.qname(s.tok+1, "expected element name after <"); err != nil {
			return err
		}
		s.nameStart, s.local, s.nameEnd = 1, local, i-s.tok
	}
	s.selfClose = false
	s.attrs = s.attrs[:0]
	if s.buf[i] == '>' {
		s.pos = i + 1
		return nil
	}
	for {
		var ok bool
		if i, ok = s.skipSpace(i); !ok {
			return s.endErr()
		}
		switch s.buf[i] {
		case '>':
			s.pos = i + 1
			return nil
		case '/':
			if i, ok = s.has(i, 2); !ok {
				return s.endErr()
			}
			if s.buf[i+1] != '>' {
				return s.errAt(i+2, "expected /> in element")
			}
			s.selfClose = true
			s.pos = i + 2
			return nil
		}
		var a xmlAttr
		var local int
		var err error
		if i, local, err = s.qname(i, "expected attribute name in element"); err != nil {
			return err
		}
		a.local, a.nameEnd = int32(local), int32(i-s.tok)
		if i, ok = s.skipSpace(i); !ok {
			return s.endErr()
		}
		if s.buf[i] != '=' {
			return s.errAt(i+1, "attribute name without = in element")
		}
		if i, ok = s.skipSpace(i + 1); !ok {
			return s.endErr()
		}
		q := s.buf[i]
		if q != '"' && q != '\'' {
			return s.errAt(i+1, "unquoted or missing attribute value in element")
		}
		a.valStart = int32(i + 1 - s.tok)
		if i, a.plain, err = s.attrValue(i+1, q); err != nil {
			return err
		}
		a.valEnd = int32(i - s.tok)
		i++
		s.attrs = append(s.attrs, a)
	}
}

// attrValue scans an attribute value from buf[i] on up to the quote q and
// returns the index of the quote and whether the value is plain.
func (s *xmlScanner) attrValue(i int, q byte) (int, bool, error) {
	s.pending = nil
	plain := true
	for {
		buf := s.buf[:s.end]
		for i < len(buf) && xmlAttrPlain[buf[i]] {
			i++
		}
		if i == len(buf) {
			var ok bool
			if i, ok = s.more(i); !ok {
				if s.pending != nil && !s.large && s.readErr() == nil {
					return i, plain, s.pending
				}
				return i, plain, s.endErr()
			}
			continue
		}
		switch c := buf[i]; c {
		case q:
			return i, plain, s.pending
		case '"', '\'':
			i++
		case '<':
			return i, plain, s.errAt(i+1, "unescaped < inside quoted string")
		case '&':
			plain = false
			var err error
			if i, err = s.entity(i); err != nil {
				return i, plain, err
			}
		case '\r':
			plain = false
			i++
		default:
			i = s.char(i)
		}
	}
}

// scanEndTag scans an end tag; next matches it with the open element.
func (s *xmlScanner) scanEndTag() error {
	// Most end tags are the name of the open element and '>'.
	if n := len(s.open); n > 0 {
		top := s.names[s.open[n-1]:]
		i := s.tok + 2
		if e := i + len(top); e < s.end && s.buf[e] == '>' && string(s.buf[i:e]) == string(top) {
			s.nameStart, s.nameEnd = 2, e-s.tok
			s.matched = true
			s.pos = e + 1
			return nil
		}
	}
	s.matched = false
	i, local, err := s.qname(s.tok+2, "expected element name after </")
	if err != nil {
		return err
	}
	s.nameStart, s.local, s.nameEnd = 2, local, i-s.tok
	i, ok := s.skipSpace(i)
	if !ok {
		return s.endErr()
	}
	if s.buf[i] != '>' {
		return s.errAt(i+1, fmt.Sprintf("invalid characters between </%s and >", s.buf[s.tok+s.local:s.tok+s.nameEnd]))
	}
	s.pos = i + 1
	return nil
}

var (
	piEnd      = []byte("?>")
	commentEnd = []byte("--")
)

// scanPI scans a processing instruction. One whose target is "xml", wherever it
// is, is an XML declaration: its version must be 1.0 and its encoding UTF-8.
func (s *xmlScanner) scanPI() error {
	i, class, err := s.scanName(s.tok + 2)
	if err != nil {
		return err
	}
	if class == 0 {
		return s.errAt(i, "expected target name after <?")
	}
	decl := string(s.buf[s.tok+2:i]) == "xml"
	i, ok := s.skipSpace(i)
	if !ok {
		return s.endErr()
	}
	start := i - s.tok
	if i, ok = s.find(i, piEnd); !ok {
		return s.endErr()
	}
	s.pos = i + len(piEnd)
	if decl {
		return s.checkDecl(s.buf[s.tok+start : i])
	}
	return nil
}

// scanComment scans a comment, its "<!--" read. Its first "--" must end it.
func (s *xmlScanner) scanComment() error {
	i, ok := s.find(s.tok+len("<!--"), commentEnd)
	if !ok {
		return s.endErr()
	}
	if i, ok = s.has(i, 3); !ok {
		return s.endErr()
	}
	if s.buf[i+2] != '>' {
		return s.errAt(i+3, `invalid sequence "--" not allowed in comments`)
	}
	s.pos = i + 3
	return nil
}

// find returns the index of the first sep (two bytes) from buf[i] on; it
// reports false when the input ends first.
func (s *xmlScanner) find(i int, sep []byte) (int, bool) {
	for {
		if k := bytes.Index(s.buf[i:s.end], sep); k >= 0 {
			return i + k, true
		}
		i = max(i, s.end-1)
		var ok bool
		if i, ok = s.more(i); !ok {
			return i, false
		}
	}
}

// checkDecl checks the content of an XML declaration as encoding/xml does.
func (s *xmlScanner) checkDecl(content []byte) error {
	if v := xmlDeclParam(content, "version"); len(v) > 0 && string(v) != "1.0" {
		return s.errAt(s.tok, fmt.Sprintf("unsupported version %q; only version 1.0 is supported", v))
	}
	enc := string(xmlDeclParam(content, "encoding"))
	if enc == "" || strings.EqualFold(enc, "utf-8") {
		return nil
	}
	switch strings.ToLower(enc) {
	case "utf8", "us-ascii", "ascii":
		return nil
	}
	return s.errAt(s.tok, fmt.Sprintf("only UTF-8 XML is accepted (declared encoding: %s)", enc))
}

// xmlDeclParam returns the value of param="..." (or '...') in the content of an
// XML declaration, nil when there is none. Like encoding/xml, it looks for the
// first "param=" followed by a quote, even inside another name or value.
func xmlDeclParam(content []byte, param string) []byte {
	for i := 0; i < len(content); {
		k := bytes.Index(content[i:], []byte(param+"="))
		if k < 0 || i+k+len(param)+1 >= len(content) {
			return nil
		}
		i += k + len(param) + 1
		if q := content[i]; q == '"' || q == '\'' {
			j := bytes.IndexByte(content[i+1:], q)
			if j < 0 {
				return nil
			}
			return content[i+1 : i+1+j]
		}
		i++
	}
	return nil
}

// appendXMLText appends the text of b, character data checked by the scanner, to
// dst: references resolved when refs is set, and "\r\n" and "\r" turned into "\n".
func appendXMLText(dst, b []byte, refs bool) []byte {
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && b[j] != '\r' && (b[j] != '&' || !refs) {
			j++
		}
		dst = append(dst, b[i:j]...)
		if j == len(b) {
			break
		}
		if b[j] == '\r' {
			dst = append(dst, '\n')
			i = j + 1
			if i < len(b) && b[i] == '\n' {
				i++
			}
			continue
		}
		k := j + 1 + bytes.IndexByte(b[j+1:], ';')
		dst = appendXMLRef(dst, b[j+1:k])
		i = k + 1
	}
	return dst
}

// appendXMLRef appends the text of a checked reference, given without '&' and ';'.
func appendXMLRef(dst, ref []byte) []byte {
	switch string(ref) {
	case "lt":
		return append(dst, '<')
	case "gt":
		return append(dst, '>')
	case "amp":
		return append(dst, '&')
	case "apos":
		return append(dst, '\'')
	case "quot":
		return append(dst, '"')
	}
	base, digits := 10, ref[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	n := 0
	for _, c := range digits {
		n = n*base + hexVal(c)
	}
	return utf8.AppendRune(dst, rune(n))
}
