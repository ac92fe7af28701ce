package upload

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"net/textproto"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"
)

func TestReadKeepsTheRawFileName(t *testing.T) {
	t.Parallel()
	var got [][3]string
	app := fiber.New(fiber.Config{StreamRequestBody: true, DisablePreParseMultipartForm: true, BodyLimit: 64 << 10})
	app.Post("/", func(c *fiber.Ctx) error {
		return Read(c, Options{MaxBytes: 1 << 20}, func(p *Part) error {
			b, err := io.ReadAll(p)
			got = append(got, [3]string{p.FileName, p.RawFileName, string(b)})
			return err
		})
	})
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, name := range []string{"plain.csv", "../../etc/passwd", `C:\dir\x.json`} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+name+`"`)
		part, err := w.CreatePart(h)
		require.NoError(t, err)
		_, _ = part.Write([]byte("content of " + name))
	}
	require.NoError(t, w.Close())
	req := httptest.NewRequest("POST", "/", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err := app.Test(req)
	require.NoError(t, err)
	require.Equal(t, 200, res.StatusCode)
	require.Equal(t, [][3]string{
		{"plain.csv", "plain.csv", "content of plain.csv"},
		{"passwd", "../../etc/passwd", "content of ../../etc/passwd"},
		{"x.json", `C:\dir\x.json`, `content of C:\dir\x.json`},
	}, got)
}
