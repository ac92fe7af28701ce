package app

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// fileDownload answers GET /files/:id/download with the file's content.
func (s *Server) fileDownload(c *fiber.Ctx) error {
	f, err := s.fileParam(c)
	if err != nil {
		return err
	}
	return s.sendFile(c, f)
}

// sendFile streams a file from storage as an attachment, with its SHA-256 as
// ETag (and X-Content-SHA256) and support for one byte range (206, or 416 when it cannot be met).
// Memory stays bounded whatever the size: the body is copied from storage as
// the client reads it.
func (s *Server) sendFile(c *fiber.Ctx, f *models.File) error {
	etag := fileETag(f)
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), etag) {
		c.Set(fiber.HeaderETag, etag)
		return c.SendStatus(fiber.StatusNotModified)
	}
	start, length, partial := int64(0), f.Size, false
	if spec := c.Get(fiber.HeaderRange); spec != "" && ifRangeHolds(c.Get(fiber.HeaderIfRange), etag) {
		var ok bool
		start, length, ok, partial = parseRange(spec, f.Size)
		if !ok {
			return &HTTPError{
				Status: fiber.StatusRequestedRangeNotSatisfiable, Title: "Range Not Satisfiable",
				Detail:  fmt.Sprintf("The file is %d bytes long; ask for a range inside it.", f.Size),
				Headers: map[string]string{fiber.HeaderContentRange: fmt.Sprintf("bytes */%d", f.Size)},
			}
		}
	}
	var body io.ReadCloser
	if length > 0 {
		// The body is read after the handler returns, so the read must not end with the request's context.
		r, err := s.store.OpenRange(context.WithoutCancel(c.UserContext()), f.StorageKey, start, length)
		if err != nil {
			return err
		}
		body = r
	}
	c.Set(fiber.HeaderETag, etag)
	if f.SHA256 != "" {
		c.Set("X-Content-SHA256", f.SHA256)
	}
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentDisposition, attachment(f.Name))
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	c.Set(fiber.HeaderLastModified, f.UpdatedAt.UTC().Format(http.TimeFormat))
	// Should anything render it anyway, nothing in it may run.
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; sandbox")
	c.Set(fiber.HeaderContentType, downloadType(f.ContentType))
	if partial {
		c.Status(fiber.StatusPartialContent)
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", start, start+length-1, f.Size))
	}
	if body == nil {
		return c.Send(nil)
	}
	return c.SendStream(body, int(length))
}

func fileETag(f *models.File) string {
	if f.SHA256 != "" {
		return `"` + f.SHA256 + `"`
	}
	return fmt.Sprintf(`W/"%s-%d"`, f.ID, f.UpdatedAt.UnixNano())
}

// etagMatches reports whether an If-None-Match header names etag.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}

// ifRangeHolds reports whether a Range may be honoured under If-Range: only
// when the client's copy is the current one (strong ETag comparison).
func ifRangeHolds(header, etag string) bool {
	return header == "" || (header == etag && !strings.HasPrefix(etag, "W/"))
}

// parseRange reads a single byte range ("bytes=a-b", "bytes=a-", "bytes=-n")
// against size. A header it does not understand, or several ranges, means
// the whole file (partial false), as RFC 9110 allows; a range that starts
// beyond the end is not satisfiable (ok false).
func parseRange(header string, size int64) (start, length int64, ok, partial bool) {
	spec, found := strings.CutPrefix(header, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, size, true, false
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, size, true, false
	}
	if first == "" { // suffix: the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return 0, size, true, false
		}
		if n == 0 || size == 0 {
			return 0, 0, false, false
		}
		n = min(n, size)
		return size - n, n, true, true
	}
	a, err := strconv.ParseInt(first, 10, 64)
	if err != nil || a < 0 {
		return 0, size, true, false
	}
	b := size - 1
	if last != "" {
		if b, err = strconv.ParseInt(last, 10, 64); err != nil || b < a {
			return 0, size, true, false
		}
		b = min(b, size-1)
	}
	if a >= size {
		return 0, 0, false, false
	}
	return a, b - a + 1, true, true
}

// downloadType is the Content-Type a file is sent with: its own, except for
// types a browser would render as a page (HTML, SVG, XHTML), which are sent as bytes.
func downloadType(contentType string) string {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "application/octet-stream"
	}
	switch mediaType {
	case "text/html", "image/svg+xml", "application/xhtml+xml", "text/xsl", "application/xslt+xml":
		return "application/octet-stream"
	}
	return contentType
}

// attachment is a Content-Disposition header that makes the browser save the
// file as name: an ASCII fallback plus the exact name in RFC 6266 filename*.
func attachment(name string) string {
	var fallback strings.Builder
	for _, r := range name {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '%' || r == ';' {
			fallback.WriteByte('_')
		} else {
			fallback.WriteRune(r)
		}
	}
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, fallback.String(), rfc5987(name))
}

// rfc5987 percent-encodes every byte that is not an RFC 5987 attr-char.
func rfc5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x80 && (ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("!#$&+-.^_`|~", ch) >= 0) {
			b.WriteByte(ch)
		} else {
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}
