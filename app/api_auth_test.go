package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

func TestAPIKeyAuthentication(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "api@example.com", false)
	key := h.APIKey(t, a)

	none := h.API(t, "", http.MethodGet, "/api/v1/batches", nil, nil)
	require.Equal(t, http.StatusUnauthorized, none.StatusCode)
	require.Equal(t, "application/problem+json", none.Header.Get("Content-Type"))
	require.Contains(t, none.Header.Get("WWW-Authenticate"), "Bearer")
	var p map[string]any
	require.NoError(t, json.Unmarshal([]byte(none.Body), &p))
	require.EqualValues(t, 401, p["status"])
	require.NotEmpty(t, p["detail"])

	bad := h.API(t, "fb_not_a_key", http.MethodGet, "/api/v1/batches", nil, nil)
	require.Equal(t, http.StatusUnauthorized, bad.StatusCode)

	ok := h.API(t, key, http.MethodGet, "/api/v1/batches", nil, nil)
	require.Equal(t, http.StatusOK, ok.StatusCode)
	require.JSONEq(t, `{"data":[]}`, ok.Body)

	viaHeader := h.API(t, "", http.MethodGet, "/api/v1/batches", nil, http.Header{"X-Api-Key": {key}})
	require.Equal(t, http.StatusOK, viaHeader.StatusCode)

	keys, err := models.ListAPIKeys(context.Background(), h.DB, a.ID)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	require.NotNil(t, keys[0].LastUsedAt, "use is recorded")
	require.NoError(t, models.RevokeAPIKey(context.Background(), h.DB, a.ID, keys[0].ID))
	revoked := h.API(t, key, http.MethodGet, "/api/v1/batches", nil, nil)
	require.Equal(t, http.StatusUnauthorized, revoked.StatusCode)
	require.Contains(t, revoked.Body, "revoked")
}

func TestAccountsCannotSeeEachOther(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "a@example.com", true)
	b := h.CreateAccount(t, "b@example.com", true)
	ctx := context.Background()
	for _, acc := range []apptest.Account{a, b} {
		require.NoError(t, models.CreateBatch(ctx, h.DB, &models.Batch{AccountID: acc.ID, Name: "batch of " + acc.Email, Format: models.FormatJSON, Source: models.SourceUI}))
	}

	res := h.API(t, h.APIKey(t, a), http.MethodGet, "/api/v1/batches", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	var list struct {
		Data []struct{ Name string } `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.Body), &list))
	require.Len(t, list.Data, 1)
	require.Equal(t, "batch of a@example.com", list.Data[0].Name)

	bFlows, err := models.ListFlows(ctx, h.DB, b.ID, false)
	require.NoError(t, err)
	_, err = models.FlowByID(ctx, h.DB, a.ID, bFlows[0].ID)
	require.ErrorIs(t, err, models.ErrNotFound, "account A cannot load account B's flow")
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		res := h.API(t, "", http.MethodGet, path, nil, nil)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		require.JSONEq(t, `{"status":"ok"}`, res.Body)
	}
}

func TestStaticAssetsAreVersionedAndCached(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	page := h.NewBrowser(t).Get("/login")
	for _, asset := range []string{"/static/css/app.css?v=", "/static/vendor/htmx.min.js?v=", "/static/vendor/htmx-ext-sse.min.js?v="} {
		start := indexOf(page.Body, asset)
		require.GreaterOrEqual(t, start, 0, asset)
		end := start + indexOf(page.Body[start:], `"`)
		res := h.API(t, "", http.MethodGet, page.Body[start:end], nil, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Header.Get("Cache-Control"), "immutable")
	}
	stale := h.API(t, "", http.MethodGet, "/static/css/app.css?v=old", nil, nil)
	require.Equal(t, "no-cache", stale.Header.Get("Cache-Control"))
	missing := h.API(t, "", http.MethodGet, "/static/nope.js", nil, nil)
	require.Equal(t, http.StatusNotFound, missing.StatusCode)
}

func indexOf(s, sub string) int { return strings.Index(s, sub) }

func TestOversizedFormBodiesAreRefusedUnread(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	// Announce 5 MiB but send only what the server reads ahead: the answer
	// must come before the rest of the body is sent.
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", 5<<20)
	require.NoError(t, err)
	_, err = conn.Write(make([]byte, 64<<10))
	require.NoError(t, err)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Contains(t, string(body), "4 MiB")
}
