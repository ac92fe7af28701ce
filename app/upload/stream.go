package upload

import (
	"bytes"
	"errors"
	"io"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
)

// bodyStream is the request body as it arrives on the connection. It knows
// whether the body was read to its end, and turns a connection that closes
// mid-body into io.ErrUnexpectedEOF: fasthttp reports it as a plain io.EOF
// (before Content-Length bytes, or between two chunks), which would pass a
// cut-off upload as whole.
type bodyStream struct {
	r      io.Reader
	conn   net.Conn
	length int64 // Content-Length, or -1 when chunked
	read   int64
	err    error
	reuse  bool // the connection can carry another request once the body is read
}

func (b *bodyStream) Read(p []byte) (int, error) {
	if b.err != nil {
		// Never read past the end: a chunked stream would parse the next
		// request on the connection as a chunk.
		return 0, b.err
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	if errors.Is(err, io.EOF) {
		switch {
		case b.length >= 0 && b.read < b.length:
			err = io.ErrUnexpectedEOF
		case b.length == -1 && b.connClosed():
			err = io.ErrUnexpectedEOF
		}
	}
	b.err = err
	return n, err
}

// connClosed tells a chunked body's real end (the zero-length chunk, after
// which the client waits for the answer) from a client that hung up between
// two chunks, which fasthttp reports alike. A client that answers the probe
// with bytes is pipelining; those bytes cannot be given back, so the
// connection is closed after this request.
func (b *bodyStream) connClosed() bool {
	if b.conn == nil {
		return false
	}
	if err := b.conn.SetReadDeadline(time.Now().Add(5 * time.Millisecond)); err != nil {
		return true
	}
	var one [1]byte
	n, err := b.conn.Read(one[:])
	_ = b.conn.SetReadDeadline(time.Time{}) // the body is read; fasthttp sets the next request's deadline
	if n > 0 {
		b.reuse = false
		return false
	}
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

type streamKey struct{}

// rawBody returns the request's body stream, the same one for every caller
// of one request.
func rawBody(c *fiber.Ctx) *bodyStream {
	if b, ok := c.Locals(streamKey{}).(*bodyStream); ok {
		return b
	}
	b := &bodyStream{length: int64(c.Request().Header.ContentLength()), conn: c.Context().Conn(), reuse: true}
	if s := c.Context().RequestBodyStream(); s != nil {
		b.r = s
	} else {
		b.r = bytes.NewReader(c.Body())
		b.length = int64(len(c.Body()))
	}
	if b.length < -1 { // no length and not chunked: fasthttp reads no body
		b.length = 0
	}
	c.Locals(streamKey{}, b)
	return b
}

// drainTime bounds how long Drain waits for a client's remaining bytes.
const drainTime = 2 * time.Second

// Drain reads and discards what the handler left of a streamed request body,
// at most max bytes for at most two seconds, and reports whether the body was
// read to its end. When it was not, the connection cannot carry another
// request (its next bytes are the rest of this body): the caller must close
// it. Draining a little lets a client that is still sending read the answer
// instead of a reset.
func Drain(c *fiber.Ctx, max int64) bool {
	if c.Request().Header.ContentLength() == 0 {
		return true
	}
	b := rawBody(c)
	if b.err == nil {
		if b.conn != nil {
			// fasthttp sets the next request's deadline itself.
			_ = b.conn.SetReadDeadline(time.Now().Add(drainTime))
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(b, max))
		if b.err == nil {
			// Read max bytes without reaching the end.
			return false
		}
	}
	return errors.Is(b.err, io.EOF) && b.reuse
}
