package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

// putFile stores content and registers it as a file of the account.
func putFile(t *testing.T, h *apptest.Harness, a apptest.Account, folder, name, contentType, content string) *models.File {
	t.Helper()
	ctx := context.Background()
	obj, err := h.Store.Put(ctx, strings.NewReader(content), contentType)
	require.NoError(t, err)
	f := &models.File{AccountID: a.ID, Folder: folder, Name: name, Size: obj.Size, ContentType: contentType,
		SHA256: obj.SHA256, StorageKey: obj.Key}
	require.NoError(t, models.CreateFile(ctx, h.DB, f))
	return f
}

// putBatchFile creates a batch with an input file and returns the file.
func putBatchFile(t *testing.T, h *apptest.Harness, a apptest.Account, batchName, content string) (*models.Batch, *models.File) {
	t.Helper()
	ctx := context.Background()
	b := &models.Batch{AccountID: a.ID, Name: batchName, Format: models.FormatCSV, Source: models.SourceUI}
	require.NoError(t, models.CreateBatch(ctx, h.DB, b))
	obj, err := h.Store.Put(ctx, strings.NewReader(content), "text/csv")
	require.NoError(t, err)
	kind := models.KindInput
	f := &models.File{AccountID: a.ID, Folder: b.Folder(), Name: b.FileName(kind), Size: obj.Size, ContentType: "text/csv",
		SHA256: obj.SHA256, StorageKey: obj.Key, BatchID: &b.ID, Kind: &kind}
	require.NoError(t, models.CreateFile(ctx, h.DB, f))
	return b, f
}

// multipartBody builds a multipart body with one part per file (name → content).
func multipartBody(t *testing.T, files [][2]string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, strings.ReplaceAll(f[0], `"`, `\"`)))
		h.Set("Content-Type", "application/octet-stream")
		part, err := w.CreatePart(h)
		require.NoError(t, err)
		_, err = part.Write([]byte(f[1]))
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return &buf, w.FormDataContentType()
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestFilesPageListsSortsAndPages(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "files@example.com", true)
	b, _ := putBatchFile(t, h, a, "Contacts import", "a,b\n1,2\n")
	for i := 0; i < 55; i++ {
		putFile(t, h, a, "samples/many", fmt.Sprintf("f%02d.csv", i), "text/csv", strings.Repeat("x", i))
	}
	br := h.SignIn(t, a)

	root := br.Get("/files")
	require.Equal(t, http.StatusOK, root.StatusCode)
	require.Contains(t, root.Body, ">batch/<")
	require.Contains(t, root.Body, ">samples/<")
	require.Less(t, strings.Index(root.Body, ">batch/<"), strings.Index(root.Body, ">samples/<"))
	require.Contains(t, root.Body, "Storage used: ")
	require.Contains(t, root.Body, `id="upload-form"`)

	batchDir := br.Get("/files?folder=batch")
	require.Contains(t, batchDir.Body, `href="/batches/`+b.ID.String()+`"`, "a batch folder links to its report")
	require.NotContains(t, batchDir.Body, `id="upload-form"`, "no uploads into batch/")
	inBatch := br.Get("/files?folder=" + url.QueryEscape(b.Folder()))
	require.Contains(t, inBatch.Body, `id="batch-report-link"`)
	require.Contains(t, inBatch.Body, "input.csv")

	samples := br.Get("/files?folder=samples")
	for _, name := range []string{"many/", "contacts.csv", "contacts.json", "contacts.xml"} {
		require.Contains(t, samples.Body, name)
	}
	require.Contains(t, samples.Body, `aria-current="page" class="font-medium text-gray-900">samples</li>`, "breadcrumb")

	page1 := br.Get("/files?folder=samples/many&sort=size&desc=1")
	require.Equal(t, 50, strings.Count(page1.Body, `id="file-row-`))
	require.Less(t, strings.Index(page1.Body, ">f54.csv<"), strings.Index(page1.Body, ">f53.csv<"), "largest first")
	require.Contains(t, page1.Body, "Page 1 of 2")
	require.Contains(t, page1.Body, "54 B")

	fragment := br.HTMX(http.MethodGet, "/files?folder=samples/many&sort=size&desc=1&page=2", nil)
	require.Equal(t, http.StatusOK, fragment.StatusCode)
	require.True(t, strings.HasPrefix(strings.TrimSpace(fragment.Body), `<div id="file-list"`), "htmx gets the list alone")
	require.Equal(t, 5, strings.Count(fragment.Body, `id="file-row-`))
	require.Contains(t, fragment.Body, ">f00.csv<")
	require.Contains(t, fragment.Body, "Page 2 of 2")

	missing := br.Get("/files?folder=nope")
	require.Equal(t, http.StatusNotFound, missing.StatusCode)
	hostile := br.Get("/files?folder=" + url.QueryEscape("../../etc"))
	require.Equal(t, http.StatusNotFound, hostile.StatusCode)
}

func TestFilePreviewPerType(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "preview@example.com", false)
	br := h.SignIn(t, a)
	cases := []struct {
		name, ctype, content string
		want, absent         []string
	}{
		{"data.json", "application/json", `{"a":[1,2],"b":"<img src=x onerror=alert(1)>"}`,
			[]string{"{\n  &#34;a&#34;: [\n    1,", "&lt;img src=x onerror=alert(1)&gt;"}, []string{"<img src=x"}},
		{"process.log", "application/x-ndjson", `{"index":0,"status":"inserted","uuid":"0190a","error":null}` + "\n",
			[]string{">index</th>", ">status</th>", ">uuid</th>", ">error</th>", ">inserted</td>"}, nil},
		{"list.csv", "text/csv", "name,formula\nAda,=HYPERLINK(\"http://evil\")\n",
			[]string{">name</th>", ">Ada</td>", ">&#39;=HYPERLINK(&#34;http://evil&#34;)</td>"}, nil},
		{"doc.xml", "application/xml", `<a><script>alert(1)</script></a>`,
			[]string{"&lt;script&gt;alert(1)&lt;/script&gt;"}, []string{"<script>alert(1)"}},
		{"image.png", "image/png", "\x89PNG\x00\x00\x01", []string{"No preview for this type of file (image/png, 7 B)"}, nil},
		{"people.xlsx", "application/octet-stream", previewWorkbook(t),
			[]string{">name</th>", ">born</th>", ">Zoë</td>", ">07-14-90</td>", "Sheet “People”, with values as a spreadsheet shows them."}, nil},
		{"broken.xlsx", "application/octet-stream", "PK\x03\x04 not a zip",
			[]string{"This workbook cannot be previewed: the file is not an XLSX workbook (not a zip archive)."}, nil},
	}
	for _, c := range cases {
		f := putFile(t, h, a, "", c.name, c.ctype, c.content)
		res := br.Get("/files/" + f.ID.String())
		require.Equal(t, http.StatusOK, res.StatusCode, c.name)
		for _, w := range c.want {
			require.Contains(t, res.Body, w, c.name)
		}
		for _, w := range c.absent {
			require.NotContains(t, res.Body, w, c.name)
		}
		require.Contains(t, res.Body, sha(c.content))
	}
	res := br.Get("/files/not-a-uuid")
	require.Equal(t, http.StatusNotFound, res.StatusCode)
}

func TestDownloadIsIdenticalWithRanges(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "download@example.com", false)
	content := strings.Repeat("0123456789", 10_000)
	f := putFile(t, h, a, "", "Grüße \"quoted\";.html", "text/html", content)
	br := h.SignIn(t, a)
	path := "/files/" + f.ID.String() + "/download"

	res := br.Get(path)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, sha(content), sha(res.Body))
	require.Equal(t, `"`+sha(content)+`"`, res.Header.Get("ETag"))
	require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	require.Equal(t, "application/octet-stream", res.Header.Get("Content-Type"), "HTML is never rendered")
	require.Equal(t, `attachment; filename="Gr__e _quoted__.html"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%22quoted%22%3B.html`,
		res.Header.Get("Content-Disposition"))
	require.Equal(t, "bytes", res.Header.Get("Accept-Ranges"))

	get := func(header http.Header) *apptest.Response {
		req, err := http.NewRequest(http.MethodGet, h.URL+path, nil)
		require.NoError(t, err)
		for k, v := range header {
			req.Header[k] = v
		}
		return br.Do(req)
	}
	part := get(http.Header{"Range": {"bytes=10-19"}})
	require.Equal(t, http.StatusPartialContent, part.StatusCode)
	require.Equal(t, "0123456789", part.Body)
	require.Equal(t, "bytes 10-19/100000", part.Header.Get("Content-Range"))
	tail := get(http.Header{"Range": {"bytes=-5"}})
	require.Equal(t, "56789", tail.Body)
	open := get(http.Header{"Range": {"bytes=99998-"}})
	require.Equal(t, "89", open.Body)
	bad := get(http.Header{"Range": {"bytes=100000-"}})
	require.Equal(t, http.StatusRequestedRangeNotSatisfiable, bad.StatusCode)
	require.Equal(t, "bytes */100000", bad.Header.Get("Content-Range"))
	require.Empty(t, bad.Header.Get("Content-Disposition"))
	stale := get(http.Header{"Range": {"bytes=0-1"}, "If-Range": {`"old"`}})
	require.Equal(t, http.StatusOK, stale.StatusCode, "a changed file is sent whole")
	require.Len(t, stale.Body, len(content))
	cached := get(http.Header{"If-None-Match": {`"` + sha(content) + `"`}})
	require.Equal(t, http.StatusNotModified, cached.StatusCode)

	key := h.APIKey(t, a)
	api := h.API(t, key, http.MethodGet, "/api/v1/files/"+f.ID.String()+"/content", nil, http.Header{"Range": {"bytes=0-3"}})
	require.Equal(t, http.StatusPartialContent, api.StatusCode)
	require.Equal(t, "0123", api.Body)
	full := h.API(t, key, http.MethodGet, "/api/v1/files/"+f.ID.String()+"/content", nil, nil)
	require.Equal(t, sha(content), sha(full.Body))
}

func TestUploadRenameMoveDelete(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "changes@example.com", true)
	key := h.APIKey(t, a)

	body, ctype := multipartBody(t, [][2]string{{"one.csv", "a,b\n1,2\n"}, {"two.json", `[{"a":1}]`}})
	res := h.API(t, key, http.MethodPost, "/api/v1/files?folder=samples", body, http.Header{"Content-Type": {ctype}})
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	var created struct {
		Data []struct {
			ID, Name, Folder, SHA256 string
			ContentType              string `json:"content_type"`
			Size                     int64
		}
	}
	require.NoError(t, json.Unmarshal([]byte(res.Body), &created))
	require.Len(t, created.Data, 2)
	require.Equal(t, "one.csv", created.Data[0].Name)
	require.Equal(t, "samples", created.Data[0].Folder)
	require.Equal(t, sha("a,b\n1,2\n"), created.Data[0].SHA256)
	require.Equal(t, "text/csv", created.Data[0].ContentType)
	require.Equal(t, "application/json", created.Data[1].ContentType)

	refusals := []struct {
		folder string
		files  [][2]string
		status int
		detail string
	}{
		{"samples", [][2]string{{"one.csv", "again"}}, http.StatusUnprocessableEntity, "already exists"},
		{"samples", [][2]string{{"new.csv", "x"}, {"new.csv", "y"}}, http.StatusUnprocessableEntity, "two files of this name"},
		{"samples", [][2]string{{"../escape.csv", "x"}}, http.StatusUnprocessableEntity, `cannot contain / or \\`},
		{"samples", [][2]string{{"evil\u202Etxt.exe", "x"}}, http.StatusUnprocessableEntity, "control characters"},
		{"samples", [][2]string{{" padded.csv", "x"}}, http.StatusUnprocessableEntity, "spaces"},
		{"samples", [][2]string{{strings.Repeat("n", 121), "x"}}, http.StatusUnprocessableEntity, "at most 120"},
		{"batch", [][2]string{{"mine.csv", "x"}}, http.StatusUnprocessableEntity, "belongs to batches"},
		{"nowhere", [][2]string{{"x.csv", "x"}}, http.StatusNotFound, ""},
		{"samples", nil, http.StatusBadRequest, "no parts"},
	}
	for _, r := range refusals {
		body, ctype := multipartBody(t, r.files)
		res := h.API(t, key, http.MethodPost, "/api/v1/files?folder="+url.QueryEscape(r.folder), body, http.Header{"Content-Type": {ctype}})
		require.Equal(t, r.status, res.StatusCode, "%v: %s", r.files, res.Body)
		require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
		require.Contains(t, res.Body, r.detail)
	}
	notMultipart := h.API(t, key, http.MethodPost, "/api/v1/files", strings.NewReader("{}"), http.Header{"Content-Type": {"application/json"}})
	require.Equal(t, http.StatusUnsupportedMediaType, notMultipart.StatusCode)
	list := h.API(t, key, http.MethodGet, "/api/v1/files?folder=samples", nil, nil)
	require.Equal(t, 5, strings.Count(list.Body, `"content_url"`), "refused uploads left nothing behind: %s", list.Body)
	require.NotContains(t, list.Body, "new.csv")

	br := h.SignIn(t, a)
	br.Get("/files")
	one := created.Data[0].ID
	dup := br.HTMX(http.MethodPost, "/files/"+one+"/rename", url.Values{"name": {"two.json"}})
	require.Equal(t, http.StatusOK, dup.StatusCode)
	require.Contains(t, dup.Body, `id="file-rename"`)
	require.Contains(t, dup.Body, "already exists in this folder")
	plain := br.PostForm("/files/"+one+"/rename", url.Values{"name": {"a/b"}})
	require.Equal(t, http.StatusUnprocessableEntity, plain.StatusCode)
	require.Contains(t, plain.Body, "<html")
	require.Contains(t, plain.Body, "Names cannot contain / or")
	ok := br.HTMX(http.MethodPost, "/files/"+one+"/rename", url.Values{"name": {"renamed.csv"}})
	require.Equal(t, http.StatusNoContent, ok.StatusCode)
	require.Equal(t, "/files/"+one, ok.Header.Get("HX-Redirect"))

	folder := br.HTMX(http.MethodPost, "/folders", url.Values{"folder": {""}, "name": {"archive"}})
	require.Equal(t, http.StatusNoContent, folder.StatusCode, folder.Body)
	require.Equal(t, "/files?folder=archive", folder.Header.Get("HX-Redirect"))
	badFolder := br.HTMX(http.MethodPost, "/folders", url.Values{"folder": {""}, "name": {"batch"}})
	require.Contains(t, badFolder.Body, "The batch folder belongs to batches", "batch/ is reserved even before any batch has files")
	require.Contains(t, br.HTMX(http.MethodPost, "/folders", url.Values{"folder": {""}, "name": {".."}}).Body, `contain &#34;..&#34;`)

	moved := br.HTMX(http.MethodPost, "/files/"+one+"/move", url.Values{"folder": {"archive"}})
	require.Equal(t, http.StatusNoContent, moved.StatusCode, moved.Body)
	f, err := models.FileByID(context.Background(), h.DB, a.ID, mustUUID(t, one))
	require.NoError(t, err)
	require.Equal(t, "archive", f.Folder)
	require.Equal(t, "renamed.csv", f.Name)
	intoBatch := br.HTMX(http.MethodPost, "/files/"+one+"/move", url.Values{"folder": {"batch"}})
	require.Contains(t, intoBatch.Body, "belongs to batches")

	ask := br.HTMX(http.MethodPost, "/folders/delete", url.Values{"folder": {"archive"}})
	require.Equal(t, http.StatusOK, ask.StatusCode)
	require.Contains(t, ask.Body, "holds 1 file;")
	require.Contains(t, ask.Body, "Delete folder and 1 file")
	require.Contains(t, ask.Body, `name="confirm_files" value="1"`)
	gone := br.HTMX(http.MethodPost, "/folders/delete", url.Values{"folder": {"archive"}, "confirm_files": {"1"}})
	require.Equal(t, http.StatusNoContent, gone.StatusCode)
	require.Equal(t, "/files", gone.Header.Get("HX-Redirect"))
	exists, err := h.Store.Exists(context.Background(), f.StorageKey)
	require.NoError(t, err)
	require.False(t, exists, "stored content goes with the folder")

	two := created.Data[1].ID
	del := h.API(t, key, http.MethodDelete, "/api/v1/files/"+two, nil, nil)
	require.Equal(t, http.StatusNoContent, del.StatusCode)
	require.Equal(t, http.StatusNotFound, h.API(t, key, http.MethodGet, "/api/v1/files/"+two, nil, nil).StatusCode)
}

func TestBatchFilesAreProtected(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "protected@example.com", false)
	b, f := putBatchFile(t, h, a, "Locked", "a\n1\n")
	key := h.APIKey(t, a)
	br := h.SignIn(t, a)
	id := f.ID.String()

	page := br.Get("/files/" + id)
	require.Contains(t, page.Body, "belongs to its batch")
	require.NotContains(t, page.Body, `id="file-rename"`, "the UI offers no change")
	require.Contains(t, page.Body, `href="/batches/`+b.ID.String()+`"`)

	for _, res := range []*apptest.Response{
		br.HTMX(http.MethodPost, "/files/"+id+"/rename", url.Values{"name": {"x.csv"}}),
		br.HTMX(http.MethodPost, "/files/"+id+"/move", url.Values{"folder": {""}}),
		br.HTMX(http.MethodPost, "/files/"+id+"/delete", nil),
		br.PostForm("/files/"+id+"/delete", nil),
		br.HTMX(http.MethodPost, "/folders/delete", url.Values{"folder": {b.Folder()}, "confirm_files": {"9"}}),
		br.HTMX(http.MethodPost, "/folders/delete", url.Values{"folder": {"batch"}, "confirm_files": {"9"}}),
	} {
		require.Equal(t, http.StatusConflict, res.StatusCode, res.Body)
		require.Contains(t, res.Body, "batch")
	}
	api := h.API(t, key, http.MethodDelete, "/api/v1/files/"+id, nil, nil)
	require.Equal(t, http.StatusConflict, api.StatusCode)
	require.Contains(t, api.Body, "cannot be renamed, moved or deleted on its own")
	_, err := models.FileByID(context.Background(), h.DB, a.ID, f.ID)
	require.NoError(t, err, "the file is still there")
}

func TestFilesOfAnotherAccountAreNotFound(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "owner@example.com", false)
	b := h.CreateAccount(t, "intruder@example.com", false)
	f := putFile(t, h, a, "private", "secret.csv", "text/csv", "secret\n")
	id := f.ID.String()
	br := h.SignIn(t, b)
	br.Get("/files")
	key := h.APIKey(t, b)

	for _, res := range []*apptest.Response{
		br.Get("/files/" + id),
		br.Get("/files/" + id + "/download"),
		br.Get("/files?folder=private"),
		br.HTMX(http.MethodGet, "/files?folder=private", nil),
		br.HTMX(http.MethodPost, "/files/"+id+"/rename", url.Values{"name": {"mine.csv"}}),
		br.HTMX(http.MethodPost, "/files/"+id+"/move", url.Values{"folder": {""}}),
		br.HTMX(http.MethodPost, "/files/"+id+"/delete", nil),
		br.HTMX(http.MethodPost, "/folders/delete", url.Values{"folder": {"private"}, "confirm_files": {"1"}}),
		h.API(t, key, http.MethodGet, "/api/v1/files/"+id, nil, nil),
		h.API(t, key, http.MethodGet, "/api/v1/files/"+id+"/content", nil, nil),
		h.API(t, key, http.MethodDelete, "/api/v1/files/"+id, nil, nil),
		h.API(t, key, http.MethodGet, "/api/v1/files?folder=private", nil, nil),
	} {
		require.Equal(t, http.StatusNotFound, res.StatusCode, res.Request.URL.String())
		require.NotContains(t, res.Body, "secret")
	}
	body, ctype := multipartBody(t, [][2]string{{"x.csv", "x"}})
	up := h.API(t, key, http.MethodPost, "/api/v1/files?folder=private", body, http.Header{"Content-Type": {ctype}})
	require.Equal(t, http.StatusNotFound, up.StatusCode)

	still, err := models.FileByID(context.Background(), h.DB, a.ID, f.ID)
	require.NoError(t, err)
	require.Equal(t, "secret.csv", still.Name)
	require.Equal(t, "private", still.Folder)
}

func mustUUID(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	require.NoError(t, err)
	return id
}

func TestHostileNamesAreEscapedEverywhere(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "hostile@example.com", false)
	key := h.APIKey(t, a)
	const name = `<img src=x onerror=alert(1)>"';.csv`
	body, ctype := multipartBody(t, [][2]string{{name, "=1+1,@SUM(A1)\n"}})
	res := h.API(t, key, http.MethodPost, "/api/v1/files", body, http.Header{"Content-Type": {ctype}})
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	var created struct{ Data []struct{ ID, Name string } }
	require.NoError(t, json.Unmarshal([]byte(res.Body), &created))
	require.Equal(t, name, created.Data[0].Name, "a valid name is kept as it is")
	id := created.Data[0].ID

	br := h.SignIn(t, a)
	for _, page := range []*apptest.Response{br.Get("/files"), br.Get("/files/" + id)} {
		require.Equal(t, http.StatusOK, page.StatusCode)
		require.NotContains(t, page.Body, "<img src=x")
		require.Contains(t, page.Body, "&lt;img src=x onerror=alert(1)&gt;")
	}
	preview := br.Get("/files/" + id)
	require.Contains(t, preview.Body, ">&#39;=1+1</th>", "formula cells are neutralised")
	require.Contains(t, preview.Body, ">&#39;@SUM(A1)</th>")
	dl := br.Get("/files/" + id + "/download")
	require.Equal(t, `attachment; filename="<img src=x onerror=alert(1)>_'_.csv"; filename*=UTF-8''%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%22%27%3B.csv`,
		dl.Header.Get("Content-Disposition"))

	folder := br.HTMX(http.MethodPost, "/folders", url.Values{"folder": {""}, "name": {"<i>x&y"}})
	require.Equal(t, http.StatusNoContent, folder.StatusCode, folder.Body)
	root := br.Get("/files")
	require.Contains(t, root.Body, ">&lt;i&gt;x&amp;y/<")
	require.Contains(t, root.Body, `href="/files?folder=%3Ci%3Ex%26y"`)
}

func TestFolderFormsWorkWithoutHTMX(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "plain@example.com", true)
	br := h.SignIn(t, a)
	br.Get("/files")

	bad := br.PostForm("/folders", url.Values{"folder": {"samples"}, "name": {" x"}})
	require.Equal(t, http.StatusUnprocessableEntity, bad.StatusCode)
	require.Contains(t, bad.Body, "<html")
	require.Contains(t, bad.Body, "Remove the spaces")
	made := br.PostForm("/folders", url.Values{"folder": {"samples"}, "name": {"2026"}})
	require.Equal(t, http.StatusSeeOther, made.StatusCode)
	require.Equal(t, "/files?folder=samples%2F2026", made.Header.Get("Location"))
	empty := br.PostForm("/folders/delete", url.Values{"folder": {"samples/2026"}})
	require.Equal(t, http.StatusSeeOther, empty.StatusCode, "an empty folder goes at once")
	require.Equal(t, "/files?folder=samples", empty.Header.Get("Location"))

	ask := br.PostForm("/folders/delete", url.Values{"folder": {"samples"}})
	require.Equal(t, http.StatusOK, ask.StatusCode)
	require.Contains(t, ask.Body, "<html")
	require.Contains(t, ask.Body, "holds 3 files;")
	stale := br.PostForm("/folders/delete", url.Values{"folder": {"samples"}, "confirm_files": {"2"}})
	require.Contains(t, stale.Body, "holds 3 files;", "a count that no longer holds asks again")
	gone := br.PostForm("/folders/delete", url.Values{"folder": {"samples"}, "confirm_files": {"3"}})
	require.Equal(t, http.StatusSeeOther, gone.StatusCode)
	require.Equal(t, http.StatusNotFound, br.Get("/files?folder=samples").StatusCode)
	root := br.PostForm("/folders/delete", url.Values{"folder": {""}, "confirm_files": {"99"}})
	require.Equal(t, http.StatusUnprocessableEntity, root.StatusCode)
}

// previewWorkbook is a small workbook with a date in it.
func previewWorkbook(t *testing.T) string {
	t.Helper()
	f := excelize.NewFile()
	require.NoError(t, f.SetSheetName("Sheet1", "People"))
	require.NoError(t, f.SetSheetRow("People", "A1", &[]any{"name", "born"}))
	require.NoError(t, f.SetSheetRow("People", "A2", &[]any{"Zoë", time.Date(1990, 7, 14, 0, 0, 0, 0, time.UTC)}))
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	return buf.String()
}
