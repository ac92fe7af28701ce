package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/models"
)

func TestBatchClientDisconnectMidUploadLeavesNothing(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	for _, tc := range []struct{ name, path, contentType, head string }{
		{"v1 raw", v1Path(b.jsonID), "application/json", "["},
		{"v2 raw", v2Path(b.jsonID), "application/json", "["},
		{"v2 multipart", v2Path(b.jsonID), "multipart/form-data; boundary=B",
			"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n\r\n["},
		{"v2 chunked", v2Path(b.csvID), "text/csv", ""},
	} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(b.h.URL, "http://"))
		require.NoError(t, err)
		length := "Content-Length: 10000000\r\n"
		if tc.name == "v2 chunked" {
			length = "Transfer-Encoding: chunked\r\n"
		}
		_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\n%s\r\n%s",
			tc.path, b.key, tc.contentType, length, tc.head)
		require.NoError(t, err)
		chunk := strings.Repeat(`{"external_id":"x"},`, 1000)
		sent := 0
		// Send until the server has started writing the object, then hang up.
		require.Eventually(t, func() bool {
			if tc.name == "v2 chunked" {
				_, err = fmt.Fprintf(conn, "%x\r\n%s\r\n", len(chunk), chunk)
			} else {
				_, err = conn.Write([]byte(chunk))
			}
			require.NoError(t, err)
			sent += len(chunk)
			return len(storedObjects(t, b.h)) > starterObjects
		}, 10*time.Second, 10*time.Millisecond, tc.name)
		require.Less(t, sent, 10000000)
		require.NoError(t, conn.Close())

		require.Eventually(t, func() bool { return len(storedObjects(t, b.h)) == starterObjects }, 10*time.Second, 10*time.Millisecond,
			"%s: the partial object is removed, no temporary file is left", tc.name)
	}
	// The server had every chance to create a batch: a later request on a
	// fresh connection has been served.
	require.Equal(t, http.StatusOK, b.h.API(t, b.key, http.MethodGet, "/api/v1/batches", nil, nil).StatusCode)
	require.Zero(t, countRows(t, b.h, "SELECT count(*) FROM batches"))
	require.Zero(t, countRows(t, b.h, "SELECT count(*) FROM files WHERE batch_id IS NOT NULL"))
	require.Len(t, storedObjects(t, b.h), starterObjects)
}

func TestBatchStatusHeader(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	for _, v := range []string{"READY", "ready", " Ready "} {
		res := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), http.Header{"X-Batch-Status": {v}})
		require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
		doc := decodeBatch(t, res)
		require.Equal(t, "READY", doc.Status, v)
		require.NotNil(t, doc.ReadyAt)
		require.NotNil(t, doc.Durations.Queue)
		require.Equal(t, 1, countRows(t, b.h, "SELECT count(*) FROM river_job WHERE kind = 'process_batch' AND args->>'batch_id' = $1", doc.ID.String()))
	}
	ct, body := batchMultipart(t, formPart{name: "file", fileName: "c.csv", value: contactsCSV})
	res := b.post(t, v2Path(b.csvID), ct, body, http.Header{"X-Batch-Status": {"READY"}})
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Equal(t, "READY", decodeBatch(t, res).Status)

	res = b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), nil)
	require.Equal(t, "DRAFT", decodeBatch(t, res).Status)
	before := countRows(t, b.h, "SELECT count(*) FROM batches")
	for _, v := range []string{"DRAFT", "RUN", "READY!", "true"} {
		p := requireProblem(t, b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), http.Header{"X-Batch-Status": {v}}), http.StatusBadRequest)
		require.Contains(t, p.Detail, "READY")
		requireProblem(t, b.post(t, v2Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), http.Header{"X-Batch-Status": {v}}), http.StatusBadRequest)
	}
	require.Equal(t, before, countRows(t, b.h, "SELECT count(*) FROM batches"))

	// READY through an interface without a flow cannot queue: 422, nothing left.
	noFlow := &models.Interface{AccountID: b.acct.ID, Name: "No flow", Format: models.FormatJSON, Scopes: models.Scopes{models.ScopeBatch}, CSVDelimiter: ","}
	require.NoError(t, models.CreateInterface(context.Background(), b.h.DB, noFlow))
	p := requireProblem(t, b.post(t, v1Path(noFlow.ID), "application/json", strings.NewReader(contactsJSON), http.Header{"X-Batch-Status": {"READY"}}), http.StatusUnprocessableEntity)
	require.Contains(t, p.Detail, "a flow")
	require.Equal(t, before, countRows(t, b.h, "SELECT count(*) FROM batches"))
	require.Len(t, storedObjects(t, b.h), starterObjects+before)
}

func TestBatchNameAndDesigner(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	res := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON),
		http.Header{"X-Batch-Name": {"Designer run"}, "X-Batch-Designer": {"true"}})
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	doc := decodeBatch(t, res)
	require.Equal(t, "Designer run", doc.Name)
	require.True(t, doc.Designer)

	ct, body := batchMultipart(t, formPart{name: "designer", value: "true"}, formPart{name: "name", value: "From the form"},
		formPart{name: "file", fileName: "a.json", value: contactsJSON})
	res = b.post(t, v2Path(b.jsonID), ct, body, http.Header{"X-Batch-Name": {"From the header"}})
	doc = decodeBatch(t, res)
	require.True(t, doc.Designer)
	require.Equal(t, "From the form", doc.Name, "a part overrides its header")

	requireProblem(t, b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), http.Header{"X-Batch-Designer": {"maybe"}}), http.StatusBadRequest)
	p := requireProblem(t, b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), http.Header{"X-Batch-Name": {strings.Repeat("n", 121)}}), http.StatusUnprocessableEntity)
	require.Contains(t, p.Errors, "name")

	for _, bad := range []string{"caf\xe9", "nul\x00name"} {
		ct, body := batchMultipart(t, formPart{name: "file", fileName: "a.json", value: contactsJSON}, formPart{name: "name", value: bad},
			formPart{name: "description", value: bad})
		p = requireProblem(t, b.post(t, v2Path(b.jsonID), ct, body, nil), http.StatusUnprocessableEntity)
		require.Contains(t, p.Errors, "name")
		require.Contains(t, p.Errors, "description")
	}
	p = requireProblem(t, b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), http.Header{"X-Batch-Name": {"caf\xe9"}}), http.StatusUnprocessableEntity)
	require.Contains(t, p.Errors, "name")
	require.Len(t, storedObjects(t, b.h), starterObjects+2)
}

func TestBatchInterfaceScopeAndArchive(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	ctx := context.Background()
	apiOnly := &models.Interface{AccountID: b.acct.ID, Name: "API only", Format: models.FormatJSON, Scopes: models.Scopes{models.ScopeAPI}, FlowID: &b.flowID, CSVDelimiter: ","}
	require.NoError(t, models.CreateInterface(ctx, b.h.DB, apiOnly))
	p := requireProblem(t, b.post(t, v1Path(apiOnly.ID), "application/json", strings.NewReader(contactsJSON), nil), http.StatusForbidden)
	require.Contains(t, p.Detail, "scope batch")
	requireProblem(t, b.post(t, v2Path(apiOnly.ID), "application/json", strings.NewReader(contactsJSON), nil), http.StatusForbidden)

	require.NoError(t, b.h.DB.Model(&models.Interface{}).Where("id = ?", b.csvID).Update("archived_at", time.Now()).Error)
	p = requireProblem(t, b.post(t, v2Path(b.csvID), "text/csv", strings.NewReader(contactsCSV), nil), http.StatusNotFound)
	require.Contains(t, p.Detail, "archived")
	requireProblem(t, b.post(t, v1Path(uuid.New()), "application/json", strings.NewReader(contactsJSON), nil), http.StatusNotFound)
	requireProblem(t, b.post(t, "/api/v1/interfaces/not-a-uuid/batch", "application/json", strings.NewReader(contactsJSON), nil), http.StatusNotFound)
	require.Len(t, storedObjects(t, b.h), starterObjects)
}

// createBatch sends a small v1 batch and returns its ID.
func (b *batchAPIBundle) createBatch(t *testing.T) uuid.UUID {
	t.Helper()
	res := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	return decodeBatch(t, res).ID
}

func (b *batchAPIBundle) setStatus(t *testing.T, id uuid.UUID, status models.Status) {
	t.Helper()
	_, err := b.h.Pool.Exec(context.Background(), "UPDATE batches SET status = $2 WHERE id = $1", id, string(status))
	require.NoError(t, err)
}

func TestBatchStatusRules(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	call := func(method, path string) *apptest.Response {
		return b.h.API(t, b.key, method, path, nil, nil)
	}
	for _, status := range models.Statuses {
		id := b.createBatch(t)
		b.setStatus(t, id, status)
		base := "/api/v1/batches/" + id.String()

		run := call(http.MethodPost, base+"/run")
		if status == models.StatusDraft {
			require.Equal(t, http.StatusOK, run.StatusCode, run.Body)
		} else {
			require.Contains(t, requireProblem(t, run, http.StatusConflict).Detail, string(status))
		}
		// Cancel ends a READY batch: it is tried on a batch of its own.
		cancelled := b.createBatch(t)
		b.setStatus(t, cancelled, status)
		cancel := call(http.MethodPost, "/api/v1/batches/"+cancelled.String()+"/cancel")
		if status == models.StatusReady || status == models.StatusProcessing {
			require.Equal(t, http.StatusAccepted, cancel.StatusCode, cancel.Body)
		} else {
			requireProblem(t, cancel, http.StatusConflict)
		}
		clone := call(http.MethodPost, base+"/clone")
		require.Equal(t, http.StatusCreated, clone.StatusCode, clone.Body)
		cloned := decodeBatch(t, clone)
		require.Equal(t, "DRAFT", cloned.Status)
		require.Equal(t, clone.Header.Get("Location"), cloned.URL)
		require.Len(t, cloned.Files, 1, "the input is copied")

		if status == models.StatusDraft {
			b.setStatus(t, id, models.StatusDraft) // run made it READY
		}
		del := call(http.MethodDelete, base)
		switch status {
		case models.StatusReady, models.StatusProcessing:
			requireProblem(t, del, http.StatusConflict)
			require.Equal(t, http.StatusOK, call(http.MethodGet, base).StatusCode)
		default:
			require.Equal(t, http.StatusNoContent, del.StatusCode, del.Body)
			requireProblem(t, call(http.MethodGet, base), http.StatusNotFound)
			requireProblem(t, call(http.MethodGet, base+"/files/input"), http.StatusNotFound)
		}
	}

	// Run names what a DRAFT lacks.
	empty := &models.Batch{AccountID: b.acct.ID, Name: "Empty", Format: models.FormatJSON, Source: models.SourceUI}
	require.NoError(t, models.CreateBatch(context.Background(), b.h.DB, empty))
	p := requireProblem(t, call(http.MethodPost, "/api/v1/batches/"+empty.ID.String()+"/run"), http.StatusUnprocessableEntity)
	require.Contains(t, p.Detail, "an input file")
	require.Contains(t, p.Detail, "a flow")
}

func TestBatchOtherAccountsAreNotFound(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	id := b.createBatch(t)
	other := b.h.CreateAccount(t, "other@example.com", true)
	otherKey := b.h.APIKey(t, other)
	base := "/api/v1/batches/" + id.String()
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, base}, {http.MethodDelete, base}, {http.MethodPost, base + "/run"},
		{http.MethodPost, base + "/clone"}, {http.MethodPost, base + "/cancel"}, {http.MethodGet, base + "/files/input"},
		{http.MethodGet, "/api/v1/batches/not-a-uuid"},
	} {
		requireProblem(t, b.h.API(t, otherKey, r.method, r.path, nil, nil), http.StatusNotFound)
	}
	for _, path := range []string{v1Path(b.jsonID), v2Path(b.jsonID)} {
		res := b.h.API(t, otherKey, http.MethodPost, path, strings.NewReader(contactsJSON), http.Header{"Content-Type": {"application/json"}})
		requireProblem(t, res, http.StatusNotFound)
	}
	list := b.h.API(t, otherKey, http.MethodGet, "/api/v1/batches", nil, nil)
	require.JSONEq(t, `{"data":[],"next_cursor":null}`, list.Body)
	require.Equal(t, http.StatusOK, b.h.API(t, b.key, http.MethodGet, base, nil, nil).StatusCode, "still there for its owner")
}

func TestBatchUploadWithRevokedKey(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	keys, err := models.ListAPIKeys(context.Background(), b.h.DB, b.acct.ID)
	require.NoError(t, err)
	require.NoError(t, models.RevokeAPIKey(context.Background(), b.h.DB, b.acct.ID, keys[0].ID))
	for _, path := range []string{v1Path(b.jsonID), v2Path(b.jsonID)} {
		res := b.post(t, path, "application/json", strings.NewReader(contactsJSON), nil)
		requireProblem(t, res, http.StatusUnauthorized)
		require.Contains(t, res.Header.Get("WWW-Authenticate"), "Bearer")
	}
	require.Len(t, storedObjects(t, b.h), starterObjects)
}

func TestBatchAPIRateLimit(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t, func(c *config.Config) { c.APIRateLimit = 3 })
	other := b.h.APIKey(t, b.acct)
	for i := 0; i < 3; i++ {
		require.Equal(t, http.StatusOK, b.h.API(t, b.key, http.MethodGet, "/api/v1/batches", nil, nil).StatusCode)
	}
	res := b.post(t, v2Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), nil)
	p := requireProblem(t, res, http.StatusTooManyRequests)
	require.Contains(t, p.Detail, "3 requests a minute")
	wait, err := strconv.Atoi(res.Header.Get("Retry-After"))
	require.NoError(t, err)
	require.Positive(t, wait)
	require.LessOrEqual(t, wait, 60)
	require.Equal(t, http.StatusOK, b.h.API(t, other, http.MethodGet, "/api/v1/batches", nil, nil).StatusCode, "limits are per key")
	require.Equal(t, 1, countRows(t, b.h, "SELECT count(*) FROM rate_limits WHERE k = 'api:'||$1", keysOf(t, b)[1].ID.String()),
		"counters live in PostgreSQL")
	require.Len(t, storedObjects(t, b.h), starterObjects)
}

func keysOf(t *testing.T, b *batchAPIBundle) []models.APIKey {
	t.Helper()
	keys, err := models.ListAPIKeys(context.Background(), b.h.DB, b.acct.ID)
	require.NoError(t, err)
	return keys // newest first
}

func TestBatchListPagesWithCursor(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	var made []uuid.UUID
	for i := 0; i < 5; i++ {
		made = append(made, b.createBatch(t))
	}
	b.setStatus(t, made[0], models.StatusFinished)
	var seen []uuid.UUID
	path := "/api/v1/batches?limit=2"
	for pages := 0; ; pages++ {
		require.Less(t, pages, 3)
		res := b.h.API(t, b.key, http.MethodGet, path, nil, nil)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		var page struct {
			Data       []batchDoc `json:"data"`
			NextCursor *string    `json:"next_cursor"`
		}
		require.NoError(t, json.Unmarshal([]byte(res.Body), &page))
		for _, d := range page.Data {
			seen = append(seen, d.ID)
			require.Len(t, d.Files, 1)
		}
		if page.NextCursor == nil {
			require.Len(t, page.Data, 1)
			break
		}
		require.Len(t, page.Data, 2)
		path = "/api/v1/batches?limit=2&cursor=" + *page.NextCursor
	}
	for i := range made {
		require.Equal(t, made[len(made)-1-i], seen[i], "newest first, each once")
	}

	res := b.h.API(t, b.key, http.MethodGet, "/api/v1/batches?status=FINISHED", nil, nil)
	require.Contains(t, res.Body, made[0].String())
	require.Equal(t, 1, strings.Count(res.Body, `"id"`))
	for _, bad := range []string{"?status=DONE", "?limit=0", "?limit=201", "?cursor=garbage", "?cursor=" + "aGVsbG8"} {
		requireProblem(t, b.h.API(t, b.key, http.MethodGet, "/api/v1/batches"+bad, nil, nil), http.StatusBadRequest)
	}
}

func TestBatchReportAndFiles(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	id := b.createBatch(t)
	_, err := b.h.Pool.Exec(context.Background(), `UPDATE batches SET status = 'FINISHED', total_count = 2, processed_count = 2,
		inserted_count = 1, updated_count = 1, created_at = '2026-01-01T10:00:00Z', ready_at = '2026-01-01T10:00:01Z',
		started_at = '2026-01-01T10:00:03.5Z', finished_at = '2026-01-01T10:00:05Z' WHERE id = $1`, id)
	require.NoError(t, err)
	res := b.h.API(t, b.key, http.MethodGet, "/api/v1/batches/"+id.String(), nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	var report map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.Body), &report))
	require.Equal(t, map[string]any{"total": 2.0, "processed": 2.0, "inserted": 1.0, "updated": 1.0, "failed": 0.0}, report["counts"])
	require.Equal(t, map[string]any{"queue_seconds": 2.5, "processing_seconds": 1.5, "total_seconds": 4.0}, report["durations"])
	for _, k := range []string{"created_at", "ready_at", "started_at", "finished_at"} {
		require.NotEmpty(t, report[k], k)
	}

	p := requireProblem(t, b.h.API(t, b.key, http.MethodGet, "/api/v1/batches/"+id.String()+"/files/error", nil, nil), http.StatusNotFound)
	require.NotContains(t, p.Detail, "record not found", "no internal text")
	requireProblem(t, b.h.API(t, b.key, http.MethodGet, "/api/v1/batches/"+id.String()+"/files/secrets", nil, nil), http.StatusNotFound)
	input := b.h.API(t, b.key, http.MethodGet, "/api/v1/batches/"+id.String()+"/files/input", nil, nil)
	require.Equal(t, contactsJSON, input.Body)
	require.Equal(t, sha(contactsJSON), input.Header.Get("X-Content-SHA256"))
}

// A refused upload does not break the connection it came on: the client can
// send its next request on it (or is told to reconnect).
func TestBatchRefusedUploadKeepsTheConnectionUsable(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(b.h.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	br := bufio.NewReader(conn)
	body := strings.Repeat("x", 64<<10)
	for i := 0; i < 3; i++ {
		_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
			v1Path(b.jsonID), b.key, len(body), body)
		require.NoError(t, err)
		res, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode)
		require.NoError(t, res.Body.Close())
		require.False(t, res.Close, "the small body was drained")
	}
}

// A refused upload whose client stops sending gets its answer within the
// drain time, on a connection marked for closing.
func TestBatchRefusedLargeUploadClosesTheConnection(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(b.h.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
	start := time.Now()
	_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
		v2Path(b.jsonID), b.key, 50<<20, strings.Repeat("x", 256<<10))
	require.NoError(t, err)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode)
	require.True(t, res.Close, "the rest of the body was never read: Connection: close")
	require.Less(t, time.Since(start), 10*time.Second)
	require.Len(t, storedObjects(t, b.h), starterObjects)
}
