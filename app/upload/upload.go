// Package upload reads request bodies as streams, so that a 1 GiB upload
// costs a buffer, not a gigabyte: raw bodies (optionally gzip-encoded) and
// multipart/form-data parts, each limited in size, with errors that say
// which limit was hit. Fiber must run with StreamRequestBody and
// DisablePreParseMultipartForm for this to hold.
package upload

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"
)

// Error is a refused upload: Status is the HTTP status and Detail the
// sentence to show.
type Error struct {
	Status int
	Detail string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Detail + ": " + e.Err.Error()
	}
	return e.Detail
}

func (e *Error) Unwrap() error { return e.Err }

// Options are the limits of one upload.
type Options struct {
	// MaxBytes caps the (decompressed) bytes of the body, or of each file part.
	MaxBytes int64
	// MaxParts caps the number of multipart parts (default 100).
	MaxParts int
	// MaxFieldBytes caps each non-file part (default 64 KiB).
	MaxFieldBytes int64
	// Gzip accepts `Content-Encoding: gzip`; the limits apply to the decompressed bytes.
	Gzip bool
	// FileField names a multipart part that is read as a file (limited by
	// MaxBytes) even without a filename, as `curl -F 'file=<data.json'` sends it.
	FileField string
}

func (o Options) withDefaults() Options {
	if o.MaxParts <= 0 {
		o.MaxParts = 100
	}
	if o.MaxFieldBytes <= 0 {
		o.MaxFieldBytes = 64 << 10
	}
	return o
}

// multipartBytes is the most a whole multipart body may carry: the file
// limit plus room for the other parts' headers and fields.
func (o Options) multipartBytes() int64 {
	return o.MaxBytes + int64(o.MaxParts)*(o.MaxFieldBytes+4096)
}

// MaxContentLength is the largest Content-Length that Body (or Read, for a
// multipart request) would start to read under opts; a request announcing
// more is refused before a byte of its body is read. It lets a server answer
// `Expect: 100-continue` with 413 instead of asking for the body.
func MaxContentLength(c *fiber.Ctx, opts Options) int64 {
	opts = opts.withDefaults()
	limit := opts.MaxBytes
	if mediaType, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType)); mediaType == fiber.MIMEMultipartForm {
		limit = opts.multipartBytes()
	}
	if opts.Gzip && isGzip(c) {
		limit += gzipSlack(limit)
	}
	return limit
}

// TooLarge is the error for a body or file over its limit.
func TooLarge(limit int64) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Detail: "The upload is larger than the limit of " + HumanBytes(limit) + "."}
}

// Body returns the request body as a stream limited to opts.MaxBytes, decoded
// when it is gzip-encoded.
func Body(c *fiber.Ctx, opts Options) (io.Reader, error) {
	opts = opts.withDefaults()
	if n := int64(c.Request().Header.ContentLength()); n > opts.MaxBytes && !isGzip(c) {
		return nil, TooLarge(opts.MaxBytes)
	}
	r, err := decoded(c, opts, opts.MaxBytes)
	if err != nil {
		return nil, err
	}
	return &limitReader{r: r, left: opts.MaxBytes, tooLarge: TooLarge(opts.MaxBytes)}, nil
}

func isGzip(c *fiber.Ctx) bool {
	return strings.EqualFold(strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)), "gzip")
}

// gzipSlack is how much larger than its content a gzip stream may be: the
// header and trailer plus 5 bytes per stored 64 KiB block.
func gzipSlack(n int64) int64 { return n/8192 + 64<<10 }

// decoded is the body stream after Content-Encoding. A gzip-encoded body is
// also limited in its encoded bytes (to maxBytes plus gzip's own overhead), so
// that a stream of empty gzip members cannot keep the server reading forever.
func decoded(c *fiber.Ctx, opts Options, maxBytes int64) (io.Reader, error) {
	raw := rawBody(c)
	switch enc := strings.ToLower(strings.TrimSpace(c.Get(fiber.HeaderContentEncoding))); enc {
	case "", "identity":
		return raw, nil
	case "gzip":
		if !opts.Gzip {
			return nil, &Error{Status: http.StatusUnsupportedMediaType, Detail: "Content-Encoding gzip is not accepted here."}
		}
		limit := maxBytes + gzipSlack(maxBytes)
		if n := int64(c.Request().Header.ContentLength()); n > limit {
			return nil, TooLarge(maxBytes)
		}
		zr, err := gzip.NewReader(&limitReader{r: raw, left: limit, tooLarge: TooLarge(maxBytes)})
		if err != nil {
			var ue *Error
			if errors.As(err, &ue) {
				return nil, ue
			}
			return nil, &Error{Status: http.StatusBadRequest, Detail: "The body is not valid gzip.", Err: err}
		}
		return &gzipErrors{zr}, nil
	default:
		return nil, &Error{Status: http.StatusUnsupportedMediaType, Detail: fmt.Sprintf("Content-Encoding %q is not supported; send the body as is or gzip-encoded.", enc)}
	}
}

// gzipErrors reports corrupt gzip data as a 400 Error.
type gzipErrors struct{ r io.Reader }

func (g *gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) {
		err = &Error{Status: http.StatusBadRequest, Detail: "The body is not valid gzip.", Err: err}
	}
	return n, err
}

// limitReader fails with tooLarge once more than left bytes are read.
type limitReader struct {
	r        io.Reader
	left     int64
	tooLarge *Error
	err      error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		l.err = l.tooLarge
		return 0, l.err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		var ue *Error
		if !errors.As(err, &ue) {
			err = &Error{Status: http.StatusBadRequest, Detail: "The upload was interrupted before it was complete.", Err: err}
		}
		l.err = err
	}
	return n, err
}

// Part is one part of a multipart body. A file part streams its content
// through Read; a field part's value is available from Value.
type Part struct {
	FormName string
	FileName string // sanitised base name; "" for a field part
	// RawFileName is the file name exactly as the client sent it, for callers
	// that refuse a name with a directory or control characters in it rather
	// than reduce it. Never a storage path.
	RawFileName string
	ContentType string
	r           io.Reader
}

// Read streams the part's content.
func (p *Part) Read(b []byte) (int, error) { return p.r.Read(b) }

// IsFile reports whether the part carries a file (it has a filename).
func (p *Part) IsFile() bool { return p.FileName != "" }

// Value reads a field part's value (at most MaxFieldBytes).
func (p *Part) Value() (string, error) {
	b, err := io.ReadAll(p.r)
	return string(b), err
}

// Read walks the parts of a multipart/form-data body in order, calling fn for
// each. fn must consume or ignore the part before returning; parts are never
// buffered whole.
func Read(c *fiber.Ctx, opts Options, fn func(p *Part) error) error {
	opts = opts.withDefaults()
	mediaType, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mediaType != fiber.MIMEMultipartForm || params["boundary"] == "" {
		return &Error{Status: http.StatusUnsupportedMediaType, Detail: "Send the file as multipart/form-data."}
	}
	total := opts.multipartBytes()
	if n := int64(c.Request().Header.ContentLength()); n > total && !isGzip(c) {
		return TooLarge(opts.MaxBytes)
	}
	body, err := decoded(c, opts, total)
	if err != nil {
		return err
	}
	stream := &limitReader{r: body, left: total, tooLarge: TooLarge(opts.MaxBytes)}
	// A body left half-read would be parsed as the connection's next request
	// (the closing chunk of a chunked body, or the rest of a refused upload):
	// unless Read reaches the body's end, the connection closes after the answer.
	drained := false
	defer func() {
		if !drained {
			Abandon(c)
		}
	}()
	mr := newMultipartReader(stream, params["boundary"])
	defer mr.release()
	for parts := 0; ; parts++ {
		raw, err := mr.nextPart()
		if errors.Is(err, io.EOF) {
			if parts == 0 {
				return &Error{Status: http.StatusBadRequest, Detail: "The multipart body has no parts."}
			}
			// Skip the epilogue and read the end of a chunked body.
			_, err := io.CopyN(io.Discard, stream, maxEpilogue)
			drained = errors.Is(err, io.EOF)
			return nil
		}
		if err != nil {
			var ue *Error
			if errors.As(err, &ue) {
				return ue
			}
			return &Error{Status: http.StatusBadRequest, Detail: "The multipart body is malformed or was cut short.", Err: err}
		}
		if parts >= opts.MaxParts {
			return &Error{Status: http.StatusBadRequest, Detail: fmt.Sprintf("The multipart body has more than %d parts.", opts.MaxParts)}
		}
		disposition, dispositionParams, err := mime.ParseMediaType(raw.Header.Get("Content-Disposition"))
		if err != nil {
			dispositionParams = nil
		}
		formName := ""
		if disposition == "form-data" {
			formName = dispositionParams["name"]
		}
		rawName := dispositionParams["filename"]
		p := &Part{FormName: formName, FileName: SafeFileName(rawName), RawFileName: rawName,
			ContentType: raw.Header.Get("Content-Type")}
		if rawName != "" && p.FileName == "" {
			p.FileName = "upload"
		}
		if p.IsFile() || (opts.FileField != "" && p.FormName == opts.FileField) {
			p.r = &limitReader{r: raw, left: opts.MaxBytes, tooLarge: TooLarge(opts.MaxBytes)}
		} else {
			p.r = &limitReader{r: raw, left: opts.MaxFieldBytes, tooLarge: &Error{
				Status: http.StatusRequestEntityTooLarge,
				Detail: fmt.Sprintf("The form field %q is larger than the limit of %s.", p.FormName, HumanBytes(opts.MaxFieldBytes)),
			}}
		}
		if err := fn(p); err != nil {
			return err
		}
		// Drain what fn left, so the next part can be found; still limited.
		if _, err := io.Copy(io.Discard, p.r); err != nil {
			return err
		}
	}
}

// maxEpilogue is how much text after the closing boundary Read skips.
const maxEpilogue = 64 << 10

// Abandon marks the request's body as not read to its end: the connection
// closes after the response instead of reading the rest as a next request.
// Handlers that refuse an upload before reading it call it; Read does when
// it stops early.
func Abandon(c *fiber.Ctx) { c.Context().SetConnectionClose() }

// SafeFileName reduces a client-supplied file name to a plain base name:
// no directories, no control characters, at most 120 characters. It is used
// for display only, never as a storage path.
func SafeFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." || name == "/" {
		return ""
	}
	name = strings.TrimLeft(name, ".")
	if r := []rune(name); len(r) > 120 {
		name = string(r[:120])
	}
	return name
}

// HumanBytes writes a size the way people read it: 64 MiB, 1 GiB, 512 B.
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %ciB", int64(v), "KMGTPE"[exp])
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp])
}
