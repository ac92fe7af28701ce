// Package upload reads multipart/form-data request bodies as a stream, one
// part at a time, so that uploads of any size use bounded memory. It never
// buffers a whole body: Fiber runs with StreamRequestBody and does not
// pre-parse multipart forms.
package upload

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"

	"github.com/gofiber/fiber/v2"
)

// ErrNotMultipart reports a request whose body is not multipart/form-data.
var ErrNotMultipart = errors.New("the request body is not multipart/form-data")

// TooLargeError reports a part longer than the limit given to Read.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the upload is larger than %d bytes", e.Limit)
}

// maxEpilogue is how much text after the closing boundary Read skips.
const maxEpilogue = 64 << 10

// Abandon marks the request's body as not to be read: the connection closes
// after the response, rather than reading the body as the next request.
// Handlers that refuse an upload before calling Read use it.
func Abandon(c *fiber.Ctx) { c.Context().SetConnectionClose() }

// Part is one field or file of the form. Its Reader yields at most the
// limit given to Read, then fails with *TooLargeError.
type Part struct {
	FormName    string
	FileName    string
	ContentType string
	io.Reader
}

// IsFile reports whether the part carries a file (it has a file name).
func (p *Part) IsFile() bool { return p.FileName != "" }

// Read calls fn for each part of the request's multipart body, in order.
// Each part must be consumed (or abandoned) by fn before the next is read;
// an error from fn stops the reading and is returned as it is.
func Read(c *fiber.Ctx, maxBytes int64, fn func(p *Part) error) error {
	mediaType, params, err := mime.ParseMediaType(string(c.Request().Header.ContentType()))
	if err != nil || mediaType != fiber.MIMEMultipartForm || params["boundary"] == "" {
		return ErrNotMultipart
	}
	body := c.Context().RequestBodyStream()
	if body == nil {
		// The app runs with StreamRequestBody, which always sets a stream;
		// without it the body would have to be buffered, which Read refuses to do.
		return errors.New("reading multipart body: the server does not stream request bodies")
	}
	// A body left half-read would be parsed as the connection's next
	// request; unless it is read to its end, the connection closes.
	drained := false
	defer func() {
		if !drained {
			c.Context().SetConnectionClose()
		}
	}()
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			// Read past the closing boundary: the epilogue, and the last
			// chunk of a chunked body, which ends the request.
			_, err := io.CopyN(io.Discard, body, maxEpilogue)
			drained = errors.Is(err, io.EOF)
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading multipart body: %w", err)
		}
		part := &Part{
			FormName:    p.FormName(),
			FileName:    fileName(p),
			ContentType: p.Header.Get("Content-Type"),
			Reader:      &limitedReader{r: p, left: maxBytes, limit: maxBytes},
		}
		err = fn(part)
		_ = p.Close()
		if err != nil {
			return err
		}
	}
}

// fileName is the part's file name exactly as the client sent it: a name
// with a directory in it is refused by the caller's name rules rather than
// silently shortened.
func fileName(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return ""
	}
	return params["filename"]
}

// limitedReader fails with *TooLargeError once more than limit bytes are read.
type limitedReader struct {
	r           io.Reader
	left, limit int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, &TooLargeError{Limit: l.limit}
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n - 1, &TooLargeError{Limit: l.limit}
	}
	return n, err
}
