package upload

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// parsed is what a multipart reader made of a body: its parts' headers and
// contents, and whether it ended at the closing boundary or with an error.
type parsed struct {
	headers []textproto.MIMEHeader
	bodies  [][]byte
	failed  bool
}

func parseOurs(body io.Reader, boundary string) parsed {
	m := newMultipartReader(body, boundary)
	return collect(func() (textproto.MIMEHeader, io.Reader, error) {
		p, err := m.nextPart()
		if err != nil {
			return nil, nil, err
		}
		return p.Header, p, nil
	})
}

func parseStd(body io.Reader, boundary string) parsed {
	m := multipart.NewReader(body, boundary)
	return collect(func() (textproto.MIMEHeader, io.Reader, error) {
		p, err := m.NextRawPart()
		if err != nil {
			return nil, nil, err
		}
		return p.Header, p, nil
	})
}

// collect reads every part next gives, until io.EOF or the first error.
func collect(next func() (textproto.MIMEHeader, io.Reader, error)) parsed {
	var out parsed
	for {
		header, body, err := next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			out.failed = true
			return out
		}
		b, err := io.ReadAll(body)
		out.headers, out.bodies = append(out.headers, header), append(out.bodies, b)
		if err != nil {
			out.failed = true
			return out
		}
	}
}

// chunked returns its bytes in pieces of random sizes, as a network does.
type chunked struct {
	b   []byte
	rnd *rand.Rand
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.b), 1+c.rnd.IntN(3*multipartBufferSize/2))
	if c.rnd.IntN(4) == 0 {
		n = min(n, 1+c.rnd.IntN(16))
	}
	copy(p, c.b[:n])
	c.b = c.b[n:]
	return n, nil
}

// randomBody builds a multipart body that tries the reader's edges: line
// ends of both kinds, a preamble, white space after boundaries, contents
// holding line ends, hyphens, parts of the boundary and false boundaries
// across buffer ends, empty parts, epilogues and bodies cut short.
func randomBody(rnd *rand.Rand) (body []byte, boundary string) {
	const bchars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'()+_,-./:=?"
	b := make([]byte, 1+rnd.IntN(70))
	for i := range b {
		b[i] = bchars[rnd.IntN(len(bchars))]
	}
	boundary = string(b)
	nl := "\r\n"
	if rnd.IntN(4) == 0 {
		nl = "\n"
	}
	ws := func() string { return []string{"", "", " ", "\t ", "  "}[rnd.IntN(5)] }
	var buf bytes.Buffer
	if rnd.IntN(3) == 0 {
		fmt.Fprintf(&buf, "preamble line%sanother -- line%s", nl, nl)
	}
	pieces := []string{"a", "xyz", "\r", "\n", "\r\n", "-", "--", "\r\n-", "\r\n--", "\r\n--" + boundary[:len(boundary)/2],
		"\r\n--" + boundary + "x", "--" + boundary + "z", "\n--" + boundary + "Q", strings.Repeat("j", 1000)}
	parts := rnd.IntN(4)
	for range parts {
		buf.WriteString("--" + boundary + ws() + nl)
		fmt.Fprintf(&buf, "Content-Disposition: form-data; name=\"f%d\"; filename=\"a b.csv\"%s", rnd.IntN(9), nl)
		if rnd.IntN(2) == 0 {
			buf.WriteString("content-type: text/csv" + nl)
		}
		if rnd.IntN(4) == 0 {
			buf.WriteString("X-Note: one" + nl + "\ttwo" + nl)
		}
		if rnd.IntN(8) == 0 {
			odd := []string{"X-Bad\x01: v", "NoColon", "Bad Key: v", "X-Ctl: a\x01b", "X-Nbsp: v\u00a0", "X-Tab:\tv\t",
				"X-Obs: caf\xe9", ":empty", "X-Del: a\x7fb", "X-Cr: a\rb", "x-lower-case: v", "X-Empty:"}
			buf.WriteString(odd[rnd.IntN(len(odd))] + nl)
		}
		buf.WriteString(nl)
		switch size := rnd.IntN(5); size {
		case 0: // empty
		case 1:
			buf.WriteString(pieces[rnd.IntN(len(pieces))])
		default:
			for n := rnd.IntN(size * 40_000); n > 0; {
				if rnd.IntN(3) == 0 {
					p := pieces[rnd.IntN(len(pieces))]
					buf.WriteString(p)
					n -= len(p)
				} else {
					k := min(n, 1+rnd.IntN(5000))
					buf.Write(bytes.Repeat([]byte{byte('A' + rnd.IntN(26))}, k))
					n -= k
				}
			}
		}
		buf.WriteString(nl)
	}
	if parts > 0 || rnd.IntN(2) == 0 {
		buf.WriteString("--" + boundary + "--" + ws())
		if rnd.IntN(2) == 0 {
			buf.WriteString(nl)
			if rnd.IntN(3) == 0 {
				buf.WriteString("epilogue" + nl)
			}
		}
	}
	body = buf.Bytes()
	if rnd.IntN(5) == 0 && len(body) > 0 {
		body = body[:rnd.IntN(len(body))]
	}
	return body, boundary
}

// TestMultipartReaderAgreesWithTheStandardLibrary parses random bodies with
// both readers, in random read sizes, and requires the same parts, headers
// and contents, and the same outcome; except that a body cut short after a
// boundary, which mime/multipart sometimes takes for a complete one, is
// refused.
func TestMultipartReaderAgreesWithTheStandardLibrary(t *testing.T) {
	t.Parallel()
	failed, stricter := 0, 0
	for seed := range uint64(4) {
		rnd := rand.New(rand.NewPCG(seed, 2))
		for i := range 1000 {
			body, boundary := randomBody(rnd)
			want := parseStd(&chunked{b: body, rnd: rand.New(rand.NewPCG(uint64(i), seed+3))}, boundary)
			got := parseOurs(&chunked{b: body, rnd: rand.New(rand.NewPCG(uint64(i), seed+4))}, boundary)
			at := fmt.Sprintf("seed %d body %d", seed, i)
			switch {
			case want.failed:
				failed++
				require.True(t, got.failed, at)
			case got.failed:
				stricter++
				require.False(t, isClosed(body, boundary), "%s: a complete body refused", at)
			default:
				require.Equal(t, len(want.bodies), len(got.bodies), "%s: parts", at)
			}
			for k := range min(len(want.bodies), len(got.bodies)) {
				require.Equal(t, want.headers[k], got.headers[k], "%s part %d", at, k)
				require.True(t, bytes.Equal(want.bodies[k], got.bodies[k]), "%s part %d: %d bytes, want %d", at, k, len(got.bodies[k]), len(want.bodies[k]))
			}
		}
	}
	require.Greater(t, failed, 200, "cut and malformed bodies are among them")
	require.Less(t, stricter, failed, "mostly, a body refused is refused by both")
}

// isClosed reports whether body holds its closing boundary.
func isClosed(body []byte, boundary string) bool {
	return bytes.Contains(body, []byte("--"+boundary+"--"))
}

func TestMultipartReaderRefusesHugeHeaders(t *testing.T) {
	t.Parallel()
	for name, header := range map[string]string{
		"long line":  "X-Long: " + strings.Repeat("a", multipartBufferSize) + "\r\n",
		"many lines": strings.Repeat("X-A: b\r\n", maxPartHeaderLines+1),
		"many bytes": strings.Repeat("X-A: "+strings.Repeat("b", 1000)+"\r\n", maxPartHeaderBytes/1000+1),
	} {
		body := "--b\r\n" + header + "\r\ncontent\r\n--b--\r\n"
		_, err := newMultipartReader(strings.NewReader(body), "b").nextPart()
		require.ErrorIs(t, err, errPartHeaderTooLarge, name)
	}
}

// BenchmarkMultipartReader reads a 43 MB part with each reader.
func BenchmarkMultipartReader(b *testing.B) {
	line := `{"external_id":"ext-1","first_name":"Ann","email":"ann@example.com","created":"2024-01-01T00:00:00Z"},` + "\n"
	payload := strings.Repeat(line, 420_000)
	body := "--bench-boundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.json\"\r\n\r\n" +
		payload + "\r\n--bench-boundary--\r\n"
	for _, r := range []struct {
		name  string
		parse func(io.Reader, string) parsed
	}{{"mime-multipart", parseStd}, {"own", parseOurs}} {
		b.Run(r.name, func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				p := r.parse(strings.NewReader(body), "bench-boundary")
				if p.failed || len(p.bodies) != 1 || len(p.bodies[0]) != len(payload) {
					b.Fatal("not parsed")
				}
			}
		})
	}
}
