package app_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
)

// rawConn is a TCP connection to the test server that sends bytes exactly as
// given, for requests net/http refuses to make (two Content-Lengths, huge
// headers, Expect: 100-continue without a body).
type rawConn struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t *testing.T, h *apptest.Harness) *rawConn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.URL, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
	return &rawConn{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (rc *rawConn) send(s string) {
	rc.t.Helper()
	_, err := io.WriteString(rc.conn, s)
	require.NoError(rc.t, err)
}

// response reads the next response (a 1xx included) with its body.
func (rc *rawConn) response() *apptest.Response {
	rc.t.Helper()
	res, err := http.ReadResponse(rc.r, nil)
	require.NoError(rc.t, err)
	body, err := io.ReadAll(res.Body)
	require.NoError(rc.t, err)
	require.NoError(rc.t, res.Body.Close())
	return &apptest.Response{Response: res, Body: string(body)}
}

func rawRequest(method, path string, headers ...string) string {
	return method + " " + path + " HTTP/1.1\r\nHost: flowbatch.test\r\n" + strings.Join(headers, "\r\n") + "\r\n\r\n"
}

func TestAPIUnknownPathsAndMethodsAreProblems(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	batchPath := "/api/v1/batches/" + uuid.NewString()

	res := b.h.API(t, b.key, http.MethodPut, batchPath, strings.NewReader("{}"), http.Header{"Content-Type": {"application/json"}})
	requireProblem(t, res, http.StatusMethodNotAllowed)
	require.Equal(t, "DELETE, GET, HEAD", res.Header.Get("Allow"))

	res = b.h.API(t, b.key, http.MethodPatch, "/api/openapi.json", nil, nil)
	requireProblem(t, res, http.StatusMethodNotAllowed)
	require.Equal(t, "GET, HEAD", res.Header.Get("Allow"))

	res = b.h.API(t, b.key, http.MethodGet, v1Path(b.jsonID), nil, nil)
	requireProblem(t, res, http.StatusMethodNotAllowed)
	require.Equal(t, "POST", res.Header.Get("Allow"))

	for _, path := range []string{"/api/v1/interface/" + b.jsonID.String() + "/batch", "/api/v1/batches/x/y/z", "/api/v3/batches", "/api/"} {
		res = b.h.API(t, b.key, http.MethodGet, path, nil, nil)
		requireProblem(t, res, http.StatusNotFound)
		require.Empty(t, res.Header.Values("Set-Cookie"), "%s: an API answer starts no browser session", path)
	}
	res = b.h.API(t, b.key, http.MethodPost, "/api/v1/nothing", strings.NewReader("{}"), http.Header{"Content-Type": {"application/json"}})
	requireProblem(t, res, http.StatusNotFound)

	// The key is checked first on /api/v1: without one the answer is 401.
	res = b.h.API(t, "", http.MethodPut, batchPath, nil, nil)
	requireProblem(t, res, http.StatusUnauthorized)

	// The API page is a browser page.
	require.Equal(t, http.StatusSeeOther, b.h.NewBrowser(t).Get("/api/docs").StatusCode)
}

func TestAPIUnreadableRequestsAreProblems(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	auth := "Authorization: Bearer " + b.key

	cases := []struct {
		name    string
		request string
		status  int
	}{
		{"headers over 16 KiB", rawRequest("GET", "/api/v1/flows", auth, "X-Padding: "+strings.Repeat("a", 17<<10)), http.StatusRequestHeaderFieldsTooLarge},
		{"two different Content-Lengths", rawRequest("POST", "/api/v1/flows", auth, "Content-Type: application/json", "Content-Length: 2", "Content-Length: 12") + `{"name":"x"}`, http.StatusBadRequest},
		{"a Content-Length that is not a number", rawRequest("POST", "/api/v1/flows", auth, "Content-Type: application/json", "Content-Length: twelve") + `{"name":"x"}`, http.StatusBadRequest},
		{"a negative Content-Length", rawRequest("POST", "/api/v1/flows", auth, "Content-Type: application/json", "Content-Length: -12") + `{"name":"x"}`, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := dialRaw(t, b.h)
			rc.send(tc.request)
			res := rc.response()
			p := requireProblem(t, res, tc.status)
			require.True(t, res.Close, "the connection closes after a request that could not be read")
			require.NotContains(t, res.Body, b.key, "the request is not echoed")
			require.NotContains(t, p.Detail, "fasthttp")
			require.NotContains(t, res.Body, `"instance"`, "the request line is unknown")
		})
	}

	// Headers up to 16 KiB are read: long cookies and tokens fit.
	rc := dialRaw(t, b.h)
	rc.send(rawRequest("GET", "/api/v1/flows", auth, "X-Padding: "+strings.Repeat("a", 12<<10), "Connection: close"))
	require.Equal(t, http.StatusOK, rc.response().StatusCode)
}

func TestExpectContinueOverTheLimitIsRefusedBeforeTheBody(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t, func(c *config.Config) { c.V1MaxBytes = 1000 })
	auth := "Authorization: Bearer " + b.key
	cases := []struct {
		name, path, contentType string
		length                  int64
	}{
		{"v1 batch", v1Path(b.jsonID), "application/json", 1001},
		{"v2 batch", v2Path(b.jsonID), "application/json", 2 << 40},
		{"file upload", "/api/v1/files", "multipart/form-data; boundary=x", 2 << 40},
		{"JSON document", "/api/v1/flows", "application/json", 5 << 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := dialRaw(t, b.h)
			rc.send(rawRequest("POST", tc.path, auth, "Content-Type: "+tc.contentType, "Expect: 100-continue", fmt.Sprintf("Content-Length: %d", tc.length)))
			res := rc.response()
			p := requireProblem(t, res, http.StatusExpectationFailed)
			require.Contains(t, p.Detail, "larger than the limit")
			require.True(t, res.Close)
		})
	}

	// A chunked body to a route that reads its body whole would get 411.
	rc := dialRaw(t, b.h)
	rc.send(rawRequest("POST", "/api/v1/flows", auth, "Content-Type: application/json", "Expect: 100-continue", "Transfer-Encoding: chunked"))
	res := rc.response()
	p := requireProblem(t, res, http.StatusExpectationFailed)
	require.Contains(t, p.Detail, "Content-Length header")
	require.True(t, res.Close)

	// Within the limit the server asks for the body and takes it.
	payload := `[{"external_id":"e1","email":"a@example.com"}]`
	rc = dialRaw(t, b.h)
	rc.send(rawRequest("POST", v1Path(b.jsonID), auth, "Content-Type: application/json", "Expect: 100-continue", fmt.Sprintf("Content-Length: %d", len(payload))))
	require.Equal(t, http.StatusContinue, rc.response().StatusCode)
	rc.send(payload)
	res = rc.response()
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	var doc batchDoc
	require.NoError(t, json.Unmarshal([]byte(res.Body), &doc))
	require.Equal(t, "DRAFT", doc.Status)
}
