package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/models"
)

// batchAPIBundle is a server without workers (batches stay where the test
// puts them) and an account with the starter Contacts interfaces.
type batchAPIBundle struct {
	h                    *apptest.Harness
	acct                 apptest.Account
	key                  string
	jsonID, csvID, xmlID uuid.UUID
	flowID               uuid.UUID
}

func setupBatchAPI(t testing.TB, opts ...apptest.Option) *batchAPIBundle {
	t.Helper()
	opts = append([]apptest.Option{func(c *config.Config) { c.Workers = 0 }}, opts...)
	h := apptest.New(t, opts...)
	acct := h.CreateAccount(t, "api@example.com", true)
	b := &batchAPIBundle{h: h, acct: acct, key: h.APIKey(t, acct)}
	list, err := models.ListInterfaces(context.Background(), h.DB, acct.ID, false)
	require.NoError(t, err)
	for _, in := range list {
		switch in.Format {
		case models.FormatJSON:
			b.jsonID = in.ID
		case models.FormatCSV:
			b.csvID = in.ID
		case models.FormatXML:
			b.xmlID = in.ID
		}
		b.flowID = *in.FlowID
	}
	return b
}

// batchDoc is the part of the batch document the tests read.
type batchDoc struct {
	ID          uuid.UUID  `json:"id"`
	URL         string     `json:"url"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Status      string     `json:"status"`
	Format      string     `json:"format"`
	Source      string     `json:"source"`
	Designer    bool       `json:"designer"`
	InterfaceID *uuid.UUID `json:"interface_id"`
	FlowID      *uuid.UUID `json:"flow_id"`
	ReadyAt     *string    `json:"ready_at"`
	Durations   struct {
		Queue      *float64 `json:"queue_seconds"`
		Processing *float64 `json:"processing_seconds"`
		Total      *float64 `json:"total_seconds"`
	} `json:"durations"`
	Files []struct {
		Kind   string `json:"kind"`
		Name   string `json:"name"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
		URL    string `json:"url"`
	} `json:"files"`
}

type problemDoc struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail"`
	Errors map[string]string `json:"errors"`
}

func decodeBatch(t *testing.T, res *apptest.Response) batchDoc {
	t.Helper()
	var d batchDoc
	require.NoError(t, json.Unmarshal([]byte(res.Body), &d), res.Body)
	return d
}

// requireProblem checks a problem+json answer of status and returns it.
func requireProblem(t *testing.T, res *apptest.Response, status int) problemDoc {
	t.Helper()
	require.Equal(t, status, res.StatusCode, res.Body)
	require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	var p problemDoc
	require.NoError(t, json.Unmarshal([]byte(res.Body), &p), res.Body)
	require.Equal(t, status, p.Status)
	require.NotEmpty(t, p.Detail)
	return p
}

func (b *batchAPIBundle) post(t *testing.T, path, contentType string, body io.Reader, header http.Header) *apptest.Response {
	t.Helper()
	if header == nil {
		header = http.Header{}
	}
	if contentType != "" {
		header.Set("Content-Type", contentType)
	}
	return b.h.API(t, b.key, http.MethodPost, path, body, header)
}

func v1Path(id uuid.UUID) string { return "/api/v1/interfaces/" + id.String() + "/batch" }
func v2Path(id uuid.UUID) string { return "/api/v2/interfaces/" + id.String() + "/batch" }

// formPart is one part of a multipart body.
type formPart struct {
	name, fileName, value string
}

// multipartBody builds a multipart/form-data body as curl and Postman send it.
func batchMultipart(t *testing.T, parts ...formPart) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.fileName != "" {
			h.Set("Content-Disposition", `form-data; name="`+p.name+`"; filename="`+p.fileName+`"`)
			h.Set("Content-Type", "application/octet-stream")
		} else {
			h.Set("Content-Disposition", `form-data; name="`+p.name+`"`)
		}
		pw, err := w.CreatePart(h)
		require.NoError(t, err)
		_, err = pw.Write([]byte(p.value))
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return w.FormDataContentType(), &buf
}

// sha is defined in files_test.go: the hex SHA-256 of a string.

// storedObjects lists the objects in the harness's storage, temporary files
// included, and the small ones kept in the database.
func storedObjects(t *testing.T, h *apptest.Harness) []string {
	t.Helper()
	names := contentKeys(t, h)
	err := filepath.WalkDir(h.StorageDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(h.StorageDir, path)
			names = append(names, rel)
		}
		return nil
	})
	require.NoError(t, err)
	return names
}

// contentKeys lists the keys of the small objects kept in the database.
func contentKeys(t *testing.T, h *apptest.Harness) []string {
	t.Helper()
	rows, err := h.Pool.Query(context.Background(), "SELECT key FROM file_contents")
	require.NoError(t, err)
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return keys
}

// countRows counts the rows of a table in the harness's database.
func countRows(t *testing.T, h *apptest.Harness, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, h.Pool.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

// starterObjects is how many objects a starter account stores (its samples).
const starterObjects = 3
