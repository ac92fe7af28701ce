package ingest

import (
	"bufio"
	"bytes"
	"io"
	"strings"
)

// csvQuote returns the quote character of the options, '"' by default.
func csvQuote(opts Options) rune {
	if opts.CSVQuote == 0 {
		return '"'
	}
	return opts.CSVQuote
}

// crToLF turns every CR that no LF follows into an LF, so that encoding/csv
// (which knows LF and CRLF) reads a payload whose lines end in CR alone. It
// keeps the length of the text, so offsets stay those of the payload.
type crToLF struct {
	r *bufio.Reader
}

func (c *crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	b := p[:n]
	for i := bytes.IndexByte(b, '\r'); i >= 0; {
		if i+1 < len(b) {
			if b[i+1] != '\n' {
				b[i] = '\n'
			}
		} else if next, _ := c.r.Peek(1); len(next) == 0 || next[0] != '\n' {
			b[i] = '\n'
		}
		j := bytes.IndexByte(b[i+1:], '\r')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return n, err
}

// quoteSwap exchanges the bytes q and '"' in a stream, so that encoding/csv,
// whose quote is '"', reads a payload quoted with q. The values read are
// swapped back (swapQuotes). Being a one-to-one exchange of bytes, it keeps
// the structure of the text and its offsets.
type quoteSwap struct {
	r io.Reader
	q byte
}

func (s *quoteSwap) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	for i, c := range p[:n] {
		switch c {
		case s.q:
			p[i] = '"'
		case '"':
			p[i] = s.q
		}
	}
	return n, err
}

// swapQuotes undoes quoteSwap in a value.
func swapQuotes(v string, q byte) string {
	if strings.IndexByte(v, q) < 0 && strings.IndexByte(v, '"') < 0 {
		return v
	}
	b := []byte(v)
	for i, c := range b {
		switch c {
		case q:
			b[i] = '"'
		case '"':
			b[i] = q
		}
	}
	return string(b)
}
