package app_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
)

// patternReader yields n bytes of a repeating, non-trivial pattern.
type patternReader struct{ left int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.left)]
	for i := range p {
		p[i] = byte(r.left - int64(i))
	}
	r.left -= int64(len(p))
	return len(p), nil
}

// TestUploadStreamsWithBoundedMemory uploads 200 MB generated on the fly and
// checks that the process's heap does not grow with the upload. It does not
// run in parallel so that other tests' allocations do not blur the figure.
func TestUploadStreamsWithBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 200 MB")
	}
	h := apptest.New(t)
	a := h.CreateAccount(t, "big@example.com", false)
	key := h.APIKey(t, a)
	const size = 200 << 20

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	hash := sha256.New()
	go func() {
		part, err := mw.CreateFormFile("file", "big.bin")
		if err == nil {
			_, err = io.Copy(io.MultiWriter(part, hash), &patternReader{left: size})
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()

	var res *apptest.Response
	growth := heapGrowthDuring(func() {
		res = h.API(t, key, http.MethodPost, "/api/v1/files", pr, http.Header{"Content-Type": {mw.FormDataContentType()}})
	})
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)

	var created struct {
		Data []struct {
			ID     string
			Size   int64
			SHA256 string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(res.Body), &created))
	require.EqualValues(t, size, created.Data[0].Size)
	require.Equal(t, hex.EncodeToString(hash.Sum(nil)), created.Data[0].SHA256)
	t.Logf("heap growth during a %d MB upload: %.1f MB", size>>20, float64(growth)/(1<<20))
	require.Less(t, growth, int64(32<<20), "the upload is streamed, not buffered")

	// Download it back, streamed as well, and compare.
	req, err := http.NewRequest(http.MethodGet, h.URL+"/api/v1/files/"+created.Data[0].ID+"/content", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	back := sha256.New()
	var n int64
	growth = heapGrowthDuring(func() {
		dl, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer dl.Body.Close()
		n, err = io.Copy(back, dl.Body)
		require.NoError(t, err)
	})
	require.EqualValues(t, size, n)
	require.Equal(t, created.Data[0].SHA256, hex.EncodeToString(back.Sum(nil)))
	t.Logf("heap growth during a %d MB download: %.1f MB", size>>20, float64(growth)/(1<<20))
	require.Less(t, growth, int64(32<<20), "the download is streamed, not buffered")
}

// heapGrowthDuring runs fn and returns how far the heap grew above its
// level before fn, sampled every 5 ms.
func heapGrowthDuring(fn func()) int64 {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
			}
		}
	}()
	fn()
	close(stop)
	<-sampled
	return int64(peak.Load()) - int64(base.HeapAlloc)
}

func TestUploadLimitAndBrowserUpload(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) { c.V2MaxBytes = 1000 })
	a := h.CreateAccount(t, "limit@example.com", true)
	key := h.APIKey(t, a)

	body, ctype := multipartBody(t, [][2]string{{"small.csv", "a\n1\n"}, {"big.csv", strings.Repeat("x", 1001)}})
	res := h.API(t, key, http.MethodPost, "/api/v1/files?folder=samples", body, http.Header{"Content-Type": {ctype}})
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, res.Body)
	require.Contains(t, res.Body, "larger than the limit of 1000 B")
	list := h.API(t, key, http.MethodGet, "/api/v1/files?folder=samples", nil, nil)
	require.NotContains(t, list.Body, "small.csv", "all or nothing")

	br := h.SignIn(t, a)
	br.Get("/files?folder=samples")
	send := func(csrf string) *apptest.Response {
		body, ctype := multipartBody(t, [][2]string{{"dropped.json", `{"a":1}`}, {"second.csv", "a\n"}})
		req, err := http.NewRequest(http.MethodPost, h.URL+"/files/upload?folder=samples", body)
		require.NoError(t, err)
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("HX-Request", "true")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		return br.Do(req)
	}
	require.Equal(t, http.StatusForbidden, send("").StatusCode, "uploads need the CSRF header")
	ok := send(br.CSRF)
	require.Equal(t, http.StatusNoContent, ok.StatusCode, ok.Body)
	require.Equal(t, "/files?folder=samples", ok.Header.Get("HX-Redirect"))
	page := br.Get("/files?folder=samples")
	require.Contains(t, page.Body, ">dropped.json<")
	require.Contains(t, page.Body, ">second.csv<")

	again := send(br.CSRF)
	require.Equal(t, http.StatusUnprocessableEntity, again.StatusCode)
	require.Contains(t, again.Body, "already exists in this folder")
	require.Equal(t, "#flash", again.Header.Get("HX-Retarget"))
}

// TestChunkedUploadKeepsTheConnectionUsable sends a chunked upload and then
// a second request on the same connection: the end of the chunked body must
// not be read as the next request.
func TestChunkedUploadKeepsTheConnectionUsable(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "chunked@example.com", false)
	key := h.APIKey(t, a)
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	r := bufio.NewReader(conn)

	body, ctype := multipartBody(t, [][2]string{{"chunked.csv", "a\n1\n"}})
	req, err := http.NewRequest(http.MethodPost, h.URL+"/api/v1/files", io.MultiReader(body)) // unknown length: chunked
	require.NoError(t, err)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+key)
	require.NoError(t, req.Write(conn))
	res, err := http.ReadResponse(r, req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	require.Equal(t, http.StatusCreated, res.StatusCode)
	require.Empty(t, res.Header.Get("Connection"))

	next, err := http.NewRequest(http.MethodGet, h.URL+"/healthz", nil)
	require.NoError(t, err)
	require.NoError(t, next.Write(conn))
	res, err = http.ReadResponse(r, next)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "the second request on the connection is answered")
}
