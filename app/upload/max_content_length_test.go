package upload

import (
	"errors"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"
)

// MaxContentLength is exactly where Body and Read refuse a request for its
// Content-Length alone: never below it (an early 413 to Expect: 100-continue
// would refuse what the handler takes), never above it.
func TestMaxContentLengthIsWhereBodyAndReadRefuse(t *testing.T) {
	t.Parallel()
	app := fiber.New()
	cases := []struct {
		name, contentType, encoding string
		opts                        Options
		read                        func(c *fiber.Ctx, opts Options) error
	}{
		{"raw", "application/json", "", Options{MaxBytes: 1000}, readBody},
		{"raw gzip", "application/json", "gzip", Options{MaxBytes: 1000, Gzip: true}, readBody},
		{"multipart", "multipart/form-data; boundary=x", "", Options{MaxBytes: 1000}, readParts},
		{"multipart gzip", "multipart/form-data; boundary=x", "gzip", Options{MaxBytes: 1000, Gzip: true}, readParts},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := func(length int64) *fiber.Ctx {
				fctx := &fasthttp.RequestCtx{}
				fctx.Request.Header.SetContentType(tc.contentType)
				if tc.encoding != "" {
					fctx.Request.Header.Set(fiber.HeaderContentEncoding, tc.encoding)
				}
				fctx.Request.Header.SetContentLength(int(length))
				c := app.AcquireCtx(fctx)
				t.Cleanup(func() { app.ReleaseCtx(c) })
				return c
			}
			limit := MaxContentLength(ctx(0), tc.opts)
			require.GreaterOrEqual(t, limit, tc.opts.MaxBytes)
			require.Equal(t, http.StatusRequestEntityTooLarge, status(tc.read(ctx(limit+1), tc.opts)), "one byte over")
			require.NotEqual(t, http.StatusRequestEntityTooLarge, status(tc.read(ctx(limit), tc.opts)), "at the limit")
		})
	}
}

func readBody(c *fiber.Ctx, opts Options) error {
	_, err := Body(c, opts)
	return err
}

func readParts(c *fiber.Ctx, opts Options) error {
	return Read(c, opts, func(*Part) error { return nil })
}

func status(err error) int {
	var ue *Error
	if errors.As(err, &ue) {
		return ue.Status
	}
	return 0
}
