package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/models"
)

const contactsJSON = `[{"external_id":"c1","first_name":"Ada","age":36},{"external_id":"c2","first_name":"Grace","age":45}]`
const contactsCSV = "external_id,first_name,age\nc1,Ada,36\nc2,Grace,45\n"
const contactsXML = `<contacts><contact><external_id>c1</external_id></contact></contacts>`

func TestBatchV2MultipartAsPostmanSendsIt(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	ct, body := batchMultipart(t,
		formPart{name: "name", value: "Nightly contacts"},
		formPart{name: "description", value: "From the CRM export"},
		formPart{name: "postman_extra", value: "ignored"},
		formPart{name: "file", fileName: "contacts.json", value: contactsJSON},
		formPart{name: "output_name", value: "ids.json"},
	)
	res := b.post(t, v2Path(b.jsonID), ct, body, nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	doc := decodeBatch(t, res)
	require.Equal(t, doc.URL, res.Header.Get("Location"))
	require.Equal(t, b.h.Config.BaseURL+"/api/v1/batches/"+doc.ID.String(), doc.URL)
	require.Equal(t, "Nightly contacts", doc.Name)
	require.Equal(t, "From the CRM export", doc.Description)
	require.Equal(t, "DRAFT", doc.Status)
	require.Equal(t, "api_v2", doc.Source)
	require.Equal(t, "json", doc.Format)
	require.Equal(t, b.flowID, *doc.FlowID, "the interface's flow by default")
	require.Nil(t, doc.ReadyAt)
	require.Len(t, doc.Files, 1)
	require.Equal(t, "input", doc.Files[0].Kind)
	require.Equal(t, "contacts.json", doc.Files[0].Name, "the uploaded file's name")
	require.Equal(t, int64(len(contactsJSON)), doc.Files[0].Size)
	require.Equal(t, sha(contactsJSON), doc.Files[0].SHA256)

	input := b.h.API(t, b.key, http.MethodGet, strings.TrimPrefix(doc.Files[0].URL, b.h.Config.BaseURL), nil, nil)
	require.Equal(t, http.StatusOK, input.StatusCode)
	require.Equal(t, contactsJSON, input.Body)
	require.Equal(t, "application/json", input.Header.Get("Content-Type"))
	require.Contains(t, input.Header.Get("Content-Disposition"), `filename="contacts.json"`)

	batch, err := models.BatchByID(context.Background(), b.h.DB, b.acct.ID, doc.ID)
	require.NoError(t, err)
	require.Equal(t, "ids.json", batch.OutputName)
}

func TestBatchV1RawBodiesPerFormat(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	cases := []struct {
		name, contentType, body string
		iface                   func() string
	}{
		{"json", "application/json", contactsJSON, func() string { return v1Path(b.jsonID) }},
		{"json charset", "application/json; charset=utf-8", contactsJSON, func() string { return v1Path(b.jsonID) }},
		{"xml", "application/xml", contactsXML, func() string { return v1Path(b.xmlID) }},
		{"xml text", "text/xml", contactsXML, func() string { return v1Path(b.xmlID) }},
		{"csv", "text/csv", contactsCSV, func() string { return v1Path(b.csvID) }},
	}
	for _, tc := range cases {
		res := b.post(t, tc.iface(), tc.contentType, strings.NewReader(tc.body), nil)
		require.Equal(t, http.StatusCreated, res.StatusCode, tc.name+": "+res.Body)
		doc := decodeBatch(t, res)
		require.Equal(t, "api_v1", doc.Source, tc.name)
		require.Equal(t, sha(tc.body), doc.Files[0].SHA256, tc.name)
		require.True(t, strings.HasPrefix(doc.Name, "Contacts "), "default name from the interface: %q", doc.Name)
		require.Contains(t, doc.Name, " UTC")
	}

	wrong := b.post(t, v1Path(b.jsonID), "text/csv", strings.NewReader(contactsCSV), nil)
	p := requireProblem(t, wrong, http.StatusUnsupportedMediaType)
	require.Contains(t, p.Detail, "application/json")
	missing := b.post(t, v1Path(b.csvID), "", strings.NewReader(contactsCSV), nil)
	require.Contains(t, requireProblem(t, missing, http.StatusUnsupportedMediaType).Detail, "text/csv")
	form := b.post(t, v1Path(b.xmlID), "application/x-www-form-urlencoded", strings.NewReader(contactsXML), nil)
	require.Contains(t, requireProblem(t, form, http.StatusUnsupportedMediaType).Detail, "application/xml")
	require.Len(t, storedObjects(t, b.h), starterObjects+len(cases), "refused bodies are not stored")
}

func TestBatchV2RawBodiesAndXML(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	res := b.post(t, v2Path(b.csvID), "text/csv", strings.NewReader(contactsCSV), http.Header{"X-Batch-Name": {"Raw CSV"}})
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	doc := decodeBatch(t, res)
	require.Equal(t, "Raw CSV", doc.Name)
	require.Equal(t, "api_v2", doc.Source)
	require.Equal(t, "input.csv", doc.Files[0].Name)

	res = b.post(t, v2Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)

	ct, body := batchMultipart(t, formPart{name: "file", fileName: "contacts.xml", value: contactsXML})
	xml := b.post(t, v2Path(b.xmlID), ct, body, nil)
	require.Equal(t, http.StatusCreated, xml.StatusCode, xml.Body)
	require.Equal(t, "xml", decodeBatch(t, xml).Format)
	xml = b.post(t, v2Path(b.xmlID), "text/xml", strings.NewReader(contactsXML), nil)
	require.Equal(t, http.StatusCreated, xml.StatusCode, xml.Body)
	requireProblem(t, b.post(t, v2Path(b.xmlID), "text/csv", strings.NewReader(contactsXML), nil), http.StatusUnsupportedMediaType)
}

// A payload whose content is another format than the interface's is
// refused before a batch is made, by v1 and v2 alike.
func TestBatchOfAnotherFormatIsRefused(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	before := len(storedObjects(t, b.h))
	const sentence = "The file is JSON, but the batch reads CSV: send a CSV file, or use an interface that reads JSON."
	p := requireProblem(t, b.post(t, v1Path(b.csvID), "text/csv", strings.NewReader("\n  "+contactsJSON), nil), http.StatusUnprocessableEntity)
	require.Equal(t, sentence, p.Detail)
	p = requireProblem(t, b.post(t, v2Path(b.csvID), "text/csv", strings.NewReader(contactsJSON), nil), http.StatusUnprocessableEntity)
	require.Equal(t, sentence, p.Detail)
	ct, body := batchMultipart(t, formPart{name: "file", fileName: "contacts.csv", value: "\xEF\xBB\xBF" + contactsJSON})
	p = requireProblem(t, b.post(t, v2Path(b.csvID), ct, body, nil), http.StatusUnprocessableEntity)
	require.Equal(t, sentence, p.Detail)
	ct, body = batchMultipart(t, formPart{name: "file", fileName: "contacts.json", value: contactsXML})
	p = requireProblem(t, b.post(t, v2Path(b.jsonID), ct, body, nil), http.StatusUnprocessableEntity)
	require.Equal(t, "The file is XML, but the batch reads JSON: send a JSON file, or use an interface that reads XML.", p.Detail)
	require.Len(t, storedObjects(t, b.h), before, "nothing is left stored")
	require.Zero(t, countRows(t, b.h, "SELECT count(*) FROM batches WHERE account_id = $1", b.acct.ID))

	// Text that is not JSON goes through: the reader will say where it is broken.
	res := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader("id,name\n1,x\n"), nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
}

// unsized hides a reader's length so that the client sends it chunked.
type unsized struct{ r io.Reader }

func (u unsized) Read(p []byte) (int, error) { return u.r.Read(p) }

func TestBatchChunkedWithoutContentLength(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	payload := "[" + strings.Repeat(`{"external_id":"x"},`, 20000) + `{"external_id":"y"}]`
	req, err := http.NewRequest(http.MethodPost, b.h.URL+v1Path(b.jsonID), unsized{strings.NewReader(payload)})
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+b.key)
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = -1 // unknown: sent chunked
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode)

	ct, body := batchMultipart(t, formPart{name: "file", fileName: "big.json", value: payload})
	res2 := b.post(t, v2Path(b.jsonID), ct, unsized{body}, nil)
	require.Equal(t, http.StatusCreated, res2.StatusCode, res2.Body)
	doc := decodeBatch(t, res2)
	require.Equal(t, sha(payload), doc.Files[0].SHA256)
	require.Equal(t, int64(len(payload)), doc.Files[0].Size)
}

func TestBatchSizeLimitsAtLimitPlusOne(t *testing.T) {
	t.Parallel()
	const limit = 200
	b := setupBatchAPI(t, func(c *config.Config) { c.V1MaxBytes = limit; c.V2MaxBytes = limit })
	atLimit := "[" + strings.Repeat(" ", limit-2) + "]"
	over := atLimit + " "

	require.Equal(t, http.StatusCreated, b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(atLimit), nil).StatusCode)
	p := requireProblem(t, b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(over), nil), http.StatusRequestEntityTooLarge)
	require.Contains(t, p.Detail, "200 B")
	requireProblem(t, b.post(t, v1Path(b.jsonID), "application/json", unsized{strings.NewReader(over)}, nil), http.StatusRequestEntityTooLarge)
	require.Equal(t, http.StatusCreated, b.post(t, v1Path(b.jsonID), "application/json", unsized{strings.NewReader(atLimit)}, nil).StatusCode)

	require.Equal(t, http.StatusCreated, b.post(t, v2Path(b.jsonID), "application/json", strings.NewReader(atLimit), nil).StatusCode)
	requireProblem(t, b.post(t, v2Path(b.jsonID), "application/json", strings.NewReader(over), nil), http.StatusRequestEntityTooLarge)
	ct, body := batchMultipart(t, formPart{name: "name", value: "limits"}, formPart{name: "file", fileName: "a.json", value: atLimit})
	require.Equal(t, http.StatusCreated, b.post(t, v2Path(b.jsonID), ct, body, nil).StatusCode)
	ct, body = batchMultipart(t, formPart{name: "file", fileName: "a.json", value: over})
	p = requireProblem(t, b.post(t, v2Path(b.jsonID), ct, unsized{body}, nil), http.StatusRequestEntityTooLarge)
	require.Contains(t, p.Detail, "200 B")

	require.Len(t, storedObjects(t, b.h), starterObjects+4)
	require.Equal(t, 4, countRows(t, b.h, "SELECT count(*) FROM batches"))
}

// gzipMembers concatenates n gzip members of size zero bytes each: a small
// body that decompresses to n*size bytes.
func gzipMembers(t *testing.T, n, size int) []byte {
	t.Helper()
	var one bytes.Buffer
	zw, err := gzip.NewWriterLevel(&one, gzip.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(make([]byte, size))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return bytes.Repeat(one.Bytes(), n)
}

func TestBatchV2GzipAndGzipBomb(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t, func(c *config.Config) { c.V2MaxBytes = 1 << 20 })

	var packed bytes.Buffer
	zw := gzip.NewWriter(&packed)
	_, _ = zw.Write([]byte(contactsJSON))
	require.NoError(t, zw.Close())
	res := b.post(t, v2Path(b.jsonID), "application/json", &packed, http.Header{"Content-Encoding": {"gzip"}})
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Equal(t, sha(contactsJSON), decodeBatch(t, res).Files[0].SHA256, "stored decompressed")

	bomb := gzipMembers(t, 256, 1<<20) // 256 MiB of zeros in about 256 KiB
	require.Less(t, len(bomb), 1<<20)
	start := time.Now()
	p := requireProblem(t, b.post(t, v2Path(b.jsonID), "application/json", bytes.NewReader(bomb), http.Header{"Content-Encoding": {"gzip"}}), http.StatusRequestEntityTooLarge)
	require.Contains(t, p.Detail, "1 MiB")
	require.Less(t, time.Since(start), 5*time.Second)

	ct, body := batchMultipart(t, formPart{name: "file", fileName: "bomb.json", value: string(make([]byte, 2<<20))})
	var zipped bytes.Buffer
	zw = gzip.NewWriter(&zipped)
	_, _ = io.Copy(zw, body)
	require.NoError(t, zw.Close())
	requireProblem(t, b.post(t, v2Path(b.jsonID), ct, &zipped, http.Header{"Content-Encoding": {"gzip"}}), http.StatusRequestEntityTooLarge)

	corrupt := b.post(t, v2Path(b.jsonID), "application/json", strings.NewReader("not gzip at all"), http.Header{"Content-Encoding": {"gzip"}})
	requireProblem(t, corrupt, http.StatusBadRequest)
	v1 := b.post(t, v1Path(b.jsonID), "application/json", bytes.NewReader(bomb), http.Header{"Content-Encoding": {"gzip"}})
	requireProblem(t, v1, http.StatusUnsupportedMediaType)
	require.Len(t, storedObjects(t, b.h), starterObjects+1)
}

func TestBatchEmptyPayloadHasNoRecords(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	for _, body := range []string{"", "  \n\t\r\n  "} {
		p := requireProblem(t, b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(body), nil), http.StatusUnprocessableEntity)
		require.Contains(t, p.Detail, "no records")
		p = requireProblem(t, b.post(t, v2Path(b.csvID), "text/csv", strings.NewReader(body), nil), http.StatusUnprocessableEntity)
		require.Contains(t, p.Detail, "no records")
		ct, mp := batchMultipart(t, formPart{name: "file", fileName: "empty.json", value: body})
		p = requireProblem(t, b.post(t, v2Path(b.jsonID), ct, mp, nil), http.StatusUnprocessableEntity)
		require.Contains(t, p.Detail, "no records")
	}
	ct, mp := batchMultipart(t, formPart{name: "name", value: "no file"})
	p := requireProblem(t, b.post(t, v2Path(b.jsonID), ct, mp, nil), http.StatusUnprocessableEntity)
	require.Contains(t, p.Errors["file"], "file")
	require.Len(t, storedObjects(t, b.h), starterObjects)
	require.Zero(t, countRows(t, b.h, "SELECT count(*) FROM batches"))
}

func TestBatchV2MultipartRefusals(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)

	var many strings.Builder
	many.WriteString("--B\r\n")
	for i := 0; i < 10000; i++ {
		many.WriteString("Content-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n--B\r\n")
	}
	many.WriteString("Content-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n\r\n[1]\r\n--B--\r\n")
	start := time.Now()
	p := requireProblem(t, b.post(t, v2Path(b.jsonID), "multipart/form-data; boundary=B", strings.NewReader(many.String()), nil), http.StatusBadRequest)
	require.Contains(t, p.Detail, "parts")
	require.Less(t, time.Since(start), 2*time.Second)

	ct, body := batchMultipart(t, formPart{name: "upload", fileName: "contacts.json", value: contactsJSON})
	p = requireProblem(t, b.post(t, v2Path(b.jsonID), ct, body, nil), http.StatusBadRequest)
	require.Contains(t, p.Detail, `named file`)
	require.Contains(t, p.Detail, `"upload"`)

	ct, body = batchMultipart(t,
		formPart{name: "file", fileName: "a.json", value: contactsJSON},
		formPart{name: "file", fileName: "b.json", value: contactsJSON})
	requireProblem(t, b.post(t, v2Path(b.jsonID), ct, body, nil), http.StatusBadRequest)

	ct, body = batchMultipart(t,
		formPart{name: "file", fileName: "a.json", value: contactsJSON},
		formPart{name: "flow_id", value: "not-a-uuid"})
	p = requireProblem(t, b.post(t, v2Path(b.jsonID), ct, body, nil), http.StatusUnprocessableEntity)
	require.Contains(t, p.Errors, "flow_id")

	ct, body = batchMultipart(t,
		formPart{name: "file", fileName: "a.json", value: contactsJSON},
		formPart{name: "name", value: strings.Repeat("n", 70<<10)})
	p = requireProblem(t, b.post(t, v2Path(b.jsonID), ct, body, nil), http.StatusRequestEntityTooLarge)
	require.Contains(t, p.Detail, `"name"`)

	truncated := "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n\r\n[1,2"
	requireProblem(t, b.post(t, v2Path(b.jsonID), "multipart/form-data; boundary=B", strings.NewReader(truncated), nil), http.StatusBadRequest)

	require.Len(t, storedObjects(t, b.h), starterObjects, "every refused upload left nothing")
	require.Zero(t, countRows(t, b.h, "SELECT count(*) FROM batches"))

	// A file sent as a plain field (curl -F 'file=<contacts.json') is a file too.
	ct, body = batchMultipart(t, formPart{name: "file", value: contactsJSON})
	res := b.post(t, v2Path(b.jsonID), ct, body, nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Equal(t, "input.json", decodeBatch(t, res).Files[0].Name)
}

func TestBatchV2FileNameIsSanitisedNeverAPath(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	// RFC 2231 lets a client send any bytes in a file name; Postman and curl
	// send paths as typed.
	body := "--B\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''..%2F..%2F..%2Ftmp%2Fevil%01na%7Fme%0A.json\r\n\r\n" +
		contactsJSON + "\r\n--B--\r\n"
	res := b.post(t, v2Path(b.jsonID), "multipart/form-data; boundary=B", strings.NewReader(body), nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	doc := decodeBatch(t, res)
	require.Equal(t, "evilname.json", doc.Files[0].Name)

	ct, mp := batchMultipart(t, formPart{name: "file", fileName: `..\..\windows\contacts.json`, value: contactsJSON})
	res = b.post(t, v2Path(b.jsonID), ct, mp, nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Equal(t, "contacts.json", decodeBatch(t, res).Files[0].Name)

	f, err := models.FileOfBatch(context.Background(), b.h.DB, b.acct.ID, doc.ID, models.KindInput)
	require.NoError(t, err)
	require.Regexp(t, `^(f|db)/[0-9a-f-]{36}$`, f.StorageKey)
	for _, name := range storedObjects(t, b.h) {
		require.NotContains(t, name, "evil")
		require.NotContains(t, name, "..")
	}

	ct, mp = batchMultipart(t, formPart{name: "file", fileName: "..", value: contactsJSON})
	res = b.post(t, v2Path(b.jsonID), ct, mp, nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Equal(t, "upload", decodeBatch(t, res).Files[0].Name, "a name with nothing left is upload.SafeFileName's placeholder")

	// Raw control bytes make the part's header malformed: refused, nothing stored.
	raw := "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"evil\x01.json\"\r\n\r\n[1]\r\n--B--\r\n"
	requireProblem(t, b.post(t, v2Path(b.jsonID), "multipart/form-data; boundary=B", strings.NewReader(raw), nil), http.StatusBadRequest)
	require.Len(t, storedObjects(t, b.h), starterObjects+3)
}

// Twenty uploads at once each get their own batch with their own bytes (the
// 20 × 20 MB figure is BenchmarkAPIV2TwentyConcurrentUploads in cmd/flowbatch).
func TestBatchV2ConcurrentUploads(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	const uploads = 20
	type result struct {
		status int
		sent   string
		doc    batchDoc
		body   string
	}
	results := make(chan result, uploads)
	for i := 0; i < uploads; i++ {
		payload := "[" + strings.Repeat(`{"external_id":"u`+strconv.Itoa(i)+`"},`, 60_000) + "{}]"
		ct, body := batchMultipart(t, formPart{name: "name", value: "upload " + strconv.Itoa(i)}, formPart{name: "file", fileName: "u.json", value: payload})
		go func() {
			req, err := http.NewRequest(http.MethodPost, b.h.URL+v2Path(b.jsonID), body)
			if err != nil {
				results <- result{}
				return
			}
			req.Header.Set("Authorization", "Bearer "+b.key)
			req.Header.Set("Content-Type", ct)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				results <- result{body: err.Error()}
				return
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			r := result{status: res.StatusCode, sent: sha(payload), body: string(raw)}
			_ = json.Unmarshal(raw, &r.doc)
			results <- r
		}()
	}
	names := map[string]bool{}
	for i := 0; i < uploads; i++ {
		r := <-results
		require.Equal(t, http.StatusCreated, r.status, r.body)
		require.Equal(t, r.sent, r.doc.Files[0].SHA256, r.doc.Name)
		names[r.doc.Name] = true
	}
	require.Len(t, names, uploads)
	require.Equal(t, uploads, countRows(t, b.h, "SELECT count(*) FROM files WHERE kind = 'input'"))
	require.Len(t, storedObjects(t, b.h), starterObjects+uploads)
}

// A workbook goes through v1 as a raw body and through v2 as a file; text
// sent to an XLSX interface is refused.
func TestBatchXLSXThroughV1AndV2(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	iface := &models.Interface{AccountID: b.acct.ID, Name: "Contacts XLSX", Format: models.FormatXLSX, CSVHeader: true,
		Scopes: models.Scopes{models.ScopeBatch}, FlowID: &b.flowID,
		Fields: models.Fields{{Name: "external_id", Source: "external_id", Type: models.TypeString, Required: true}}}
	require.NoError(t, models.SaveInterface(context.Background(), b.h.DB, iface))
	f := excelize.NewFile()
	require.NoError(t, f.SetSheetRow("Sheet1", "A1", &[]any{"external_id"}))
	require.NoError(t, f.SetSheetRow("Sheet1", "A2", &[]any{"x1"}))
	book, err := f.WriteToBuffer()
	require.NoError(t, err)

	res := b.post(t, v1Path(iface.ID), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes.NewReader(book.Bytes()), nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Equal(t, "input.xlsx", decodeBatch(t, res).Files[0].Name)
	ct, body := batchMultipart(t, formPart{name: "file", fileName: "contacts.xlsx", value: book.String()})
	res = b.post(t, v2Path(iface.ID), ct, body, nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Equal(t, "contacts.xlsx", decodeBatch(t, res).Files[0].Name)

	p := requireProblem(t, b.post(t, v1Path(iface.ID), "application/octet-stream", strings.NewReader("external_id\nx1\n"), nil), http.StatusUnprocessableEntity)
	require.Equal(t, "The file is text (read as CSV), but the batch reads XLSX: send an XLSX file, or use an interface that reads CSV.", p.Detail)
}
