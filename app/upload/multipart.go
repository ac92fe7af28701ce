package upload

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strings"
	"sync"
)

// multipartReader reads the parts of a multipart body (RFC 2046 §5.1) from
// a stream, as mime/multipart's NextRawPart does (no transfer decoding), but
// scans a part's content for the boundary over a large buffer, looking back
// from the end only as far as a boundary can reach. mime/multipart reads 4
// KiB at a time and searches every buffer backwards, byte by byte, for the
// boundary's first byte: the most CPU an upload spent (docs/benchmarks.md).
// Its grammar is mime/multipart's: a preamble before the first boundary,
// optional white space after a boundary, lines ending in CRLF or, when the
// first boundary line ends in LF alone, in LF.
type multipartReader struct {
	br        *bufio.Reader
	dash      []byte // "--boundary"
	dashDash  []byte // "--boundary--"
	nl        []byte // "\r\n", or "\n" for a body whose first boundary line ends in LF
	nlDash    []byte // nl + "--boundary"
	partsRead int
	current   *partBody
}

// multipartBufferSize is the buffer a part's content is scanned in.
const multipartBufferSize = 64 << 10

// Limits of a part's header: its lines (each must fit the buffer) and their number.
const (
	maxPartHeaderBytes = 16 << 10
	maxPartHeaderLines = 100
)

// errPartHeaderTooLarge reports a part header over maxPartHeaderBytes or maxPartHeaderLines.
var errPartHeaderTooLarge = errors.New("multipart: part header too large")

// multipartBuffers keeps the readers' buffers between requests: a small
// upload would otherwise allocate one as large as a big upload's.
var multipartBuffers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, multipartBufferSize) }}

// newMultipartReader reads the body r with boundary, which must not be
// empty. Call release once done with the reader and its parts.
func newMultipartReader(r io.Reader, boundary string) *multipartReader {
	b := []byte("\r\n--" + boundary + "--")
	br := multipartBuffers.Get().(*bufio.Reader)
	br.Reset(r)
	return &multipartReader{
		br:       br,
		nl:       b[:2],
		nlDash:   b[:len(b)-2],
		dash:     b[2 : len(b)-2],
		dashDash: b[2:],
	}
}

// release gives the reader's buffer back for another request.
func (mr *multipartReader) release() {
	mr.br.Reset(nil)
	multipartBuffers.Put(mr.br)
	mr.br = nil
}

// rawPart is one part: its header and its content, read until the boundary.
type rawPart struct {
	Header textproto.MIMEHeader
	*partBody
}

// nextPart skips what is left of the current part and returns the next
// one, or io.EOF after the closing boundary, or (an error wrapping io.EOF)
// when the body ends before any boundary. A body cut short after its first
// boundary, within a part's header or before the closing boundary, is an
// error (io.ErrUnexpectedEOF), where mime/multipart takes some such cuts
// for the end of the body.
func (m *multipartReader) nextPart() (*rawPart, error) {
	if m.current != nil {
		if _, err := io.Copy(io.Discard, m.current); err != nil {
			return nil, err
		}
		m.current = nil
	}
	expectNewPart := false
	for {
		line, err := m.br.ReadSlice('\n')
		if err == io.EOF && m.isFinalBoundary(line) {
			return nil, io.EOF // "--boundary--" without its line end, or part of it
		}
		if err != nil {
			if m.partsRead > 0 {
				err = unexpectedEOF(err) // cut short after a part
			}
			return nil, fmt.Errorf("multipart: reading a boundary: %w", err)
		}
		if m.isBoundaryLine(line) {
			m.partsRead++
			header, err := m.readHeader()
			if err != nil {
				return nil, err
			}
			m.current = &partBody{m: m}
			return &rawPart{Header: header, partBody: m.current}, nil
		}
		if m.isFinalBoundary(line) {
			return nil, io.EOF
		}
		if expectNewPart {
			return nil, fmt.Errorf("multipart: expecting a new part; got line %q", line)
		}
		if m.partsRead == 0 {
			continue // the preamble
		}
		if bytes.Equal(line, m.nl) { // the line end before the boundary that ended the part
			expectNewPart = true
			continue
		}
		return nil, fmt.Errorf("multipart: unexpected line %q", line)
	}
}

// isBoundaryLine reports whether line is "--boundary", optional white
// space and a line end; on the first, it learns whether lines end in LF.
func (m *multipartReader) isBoundaryLine(line []byte) bool {
	if !bytes.HasPrefix(line, m.dash) {
		return false
	}
	rest := skipLWSP(line[len(m.dash):])
	if m.partsRead == 0 && len(rest) == 1 && rest[0] == '\n' {
		m.nl, m.nlDash = m.nl[1:], m.nlDash[1:]
	}
	return bytes.Equal(rest, m.nl)
}

// isFinalBoundary reports whether line is "--boundary--", optional white
// space and a line end, all of it or its start (the body's last line).
func (m *multipartReader) isFinalBoundary(line []byte) bool {
	if !bytes.HasPrefix(line, m.dashDash) {
		return false
	}
	return bytes.HasPrefix(m.nl, skipLWSP(line[len(m.dashDash):]))
}

func skipLWSP(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

// readHeader reads a part's header lines up to the empty line, with
// continuation lines folded into the value before them, and refuses what
// net/textproto refuses: a field name that is not a token, a control byte
// in a value, a line without a colon.
func (m *multipartReader) readHeader() (textproto.MIMEHeader, error) {
	header := textproto.MIMEHeader{}
	var key string
	size := 0
	for lines := 0; ; lines++ {
		line, err := m.br.ReadSlice('\n')
		if err == io.EOF && len(line) > 0 {
			err = nil // a last line without its end is read as a line; the end comes next
		}
		size += len(line)
		if errors.Is(err, bufio.ErrBufferFull) || size > maxPartHeaderBytes || lines > maxPartHeaderLines {
			return nil, errPartHeaderTooLarge
		}
		if err != nil {
			return nil, fmt.Errorf("multipart: reading a part header: %w", unexpectedEOF(err))
		}
		if line = bytes.TrimRight(line, "\r\n"); len(line) == 0 {
			return header, nil
		}
		if line[0] == ' ' || line[0] == '\t' { // a continuation line
			value := asciiTrim(line)
			if key == "" || !validHeaderValue(value) {
				return nil, fmt.Errorf("multipart: malformed part header line %q", line)
			}
			values := header[key]
			values[len(values)-1] += " " + string(value)
			continue
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		v = asciiTrim(v)
		if !ok || !validHeaderKey(k) || !validHeaderValue(v) {
			return nil, fmt.Errorf("multipart: malformed part header line %q", line)
		}
		key = textproto.CanonicalMIMEHeaderKey(string(k))
		header[key] = append(header[key], string(v))
	}
}

// asciiTrim trims ASCII white space from both ends of b.
func asciiTrim(b []byte) []byte { return bytes.Trim(b, " \t\r\n") }

// validHeaderKey reports whether k is a token (RFC 9110 §5.1), or one with
// spaces, which net/textproto accepts (and leaves as sent).
func validHeaderKey(k []byte) bool {
	if len(k) == 0 {
		return false
	}
	for _, c := range k {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~ ", c) >= 0) {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether v holds no control byte but tabs.
func validHeaderValue(v []byte) bool {
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// unexpectedEOF turns the stream's end, which there cuts the body short,
// into io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// partBody reads a part's content up to the line end before its boundary.
type partBody struct {
	m       *multipartReader
	total   int64 // bytes returned so far
	n       int   // bytes known to be content, ready to return
	err     error // what follows those n bytes: io.EOF at the boundary
	readErr error // the stream's error once it can give no more
}

func (p *partBody) Read(d []byte) (int, error) {
	br := p.m.br
	for p.n == 0 && p.err == nil {
		peek, _ := br.Peek(br.Buffered())
		p.n, p.err = p.m.scan(peek, p.total, p.readErr)
		if p.n == 0 && p.err == nil {
			// Not enough to tell: buffer more.
			_, err := br.Peek(len(peek) + 1)
			p.readErr = unexpectedEOF(err)
		}
	}
	if p.n == 0 {
		return 0, p.err
	}
	n, _ := br.Read(d[:min(len(d), p.n)])
	p.total += int64(n)
	p.n -= n
	if p.n == 0 {
		return n, p.err
	}
	return n, nil
}

// scan says how much of buf, the start of what is left of a part, is
// content: up to a boundary (io.EOF then), or all of buf but what could be
// the start of one.
func (m *multipartReader) scan(buf []byte, total int64, readErr error) (int, error) {
	if total == 0 && bytes.HasPrefix(buf, m.dash) {
		// An empty part: its boundary follows its header at once.
		switch matchAfterBoundary(buf, m.dash, readErr) {
		case -1:
			return len(m.dash), nil
		case 0:
			return 0, nil
		case +1:
			return 0, io.EOF
		}
	}
	if total == 0 && bytes.HasPrefix(m.dash, buf) {
		return 0, readErr
	}
	if i := bytes.Index(buf, m.nlDash); i >= 0 {
		switch matchAfterBoundary(buf[i:], m.nlDash, readErr) {
		case -1:
			return i + len(m.nlDash), nil
		case 0:
			return i, nil
		case +1:
			return i, io.EOF
		}
	}
	if bytes.HasPrefix(m.nlDash, buf) {
		return 0, readErr
	}
	// A boundary has one line-end byte, its first: only the last such byte
	// within a boundary's length of the end can start one.
	tail := max(0, len(buf)-len(m.nlDash)+1)
	if i := bytes.LastIndexByte(buf[tail:], m.nlDash[0]); i >= 0 && bytes.HasPrefix(m.nlDash, buf[tail+i:]) {
		return tail + i, nil
	}
	return len(buf), readErr
}

// matchAfterBoundary reports whether buf, which starts with boundary, holds
// a boundary (+1: white space, a line end or "--" follows), holds none (-1),
// or cannot tell yet (0).
func matchAfterBoundary(buf, boundary []byte, readErr error) int {
	if len(buf) == len(boundary) {
		if readErr != nil {
			return +1
		}
		return 0
	}
	switch c := buf[len(boundary)]; c {
	case ' ', '\t', '\r', '\n':
		return +1
	case '-':
		if len(buf) == len(boundary)+1 {
			if readErr != nil {
				return -1
			}
			return 0
		}
		if buf[len(boundary)+1] == '-' {
			return +1
		}
	}
	return -1
}
