package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/models"
)

const testQuota = 1 << 20

func withQuota(c *config.Config) { c.AccountQuota = testQuota }

// leaveRoom fills an account's quota with a placeholder file so that exactly
// left bytes remain (0: the account is full).
func leaveRoom(t *testing.T, h *apptest.Harness, accountID uuid.UUID, left int64) {
	t.Helper()
	ctx := context.Background()
	_, err := h.Pool.Exec(ctx, "DELETE FROM files WHERE account_id = $1 AND folder = 'filler'", accountID)
	require.NoError(t, err)
	used, err := models.StorageUsed(ctx, h.DB, accountID)
	require.NoError(t, err)
	_, err = h.Pool.Exec(ctx, "INSERT INTO files (account_id, folder, name, size, storage_key) VALUES ($1, 'filler', 'filler.bin', $2, $3)",
		accountID, testQuota-used-left, "f/"+uuid.NewString())
	require.NoError(t, err)
}

func TestQuotaRefusesAPIUploads(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t, withQuota)
	objects := len(storedObjects(t, b.h))

	// The request cannot fit: 413 before reading, naming what is left.
	leaveRoom(t, b.h, b.acct.ID, 100)
	big := "[" + strings.Repeat(`{"external_id":"x"},`, 10) + `{"external_id":"y"}]`
	for _, path := range []string{v1Path(b.jsonID), v2Path(b.jsonID)} {
		p := requireProblem(t, b.post(t, path, "application/json", strings.NewReader(big), nil), http.StatusRequestEntityTooLarge)
		require.Contains(t, p.Detail, "does not fit in the 100 B left")
	}
	// Without Content-Length the upload is cut at the byte that overflows.
	res := b.post(t, v2Path(b.jsonID), "application/json", unsized{strings.NewReader(big)}, nil)
	p := requireProblem(t, res, http.StatusRequestEntityTooLarge)
	require.Contains(t, p.Detail, "100 B left")
	// Files API: two files that fit alone but not together.
	body, ctype := multipartBody(t, [][2]string{{"a.csv", strings.Repeat("a", 60)}, {"b.csv", strings.Repeat("b", 60)}})
	res = b.h.API(t, b.key, http.MethodPost, "/api/v1/files?folder=samples", unsized{body}, http.Header{"Content-Type": {ctype}})
	requireProblem(t, res, http.StatusRequestEntityTooLarge)
	require.Len(t, storedObjects(t, b.h), objects, "nothing of the refused uploads is kept")

	// What fits is taken.
	ok := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(`[{"external_id":"z"}]`), nil)
	require.Equal(t, http.StatusCreated, ok.StatusCode, ok.Body)

	// A full account: 507 for every upload, before reading.
	leaveRoom(t, b.h, b.acct.ID, 0)
	for _, path := range []string{v1Path(b.jsonID), v2Path(b.jsonID)} {
		p := requireProblem(t, b.post(t, path, "application/json", strings.NewReader(contactsJSON), nil), http.StatusInsufficientStorage)
		require.Contains(t, p.Detail, "1.0 MB quota")
	}
	body, ctype = multipartBody(t, [][2]string{{"c.csv", "c"}})
	requireProblem(t, b.h.API(t, b.key, http.MethodPost, "/api/v1/files?folder=samples", body, http.Header{"Content-Type": {ctype}}),
		http.StatusInsufficientStorage)
	require.Equal(t, 1, countRows(t, b.h, "SELECT count(*) FROM batches"))
}

func TestQuotaRefusesRunAndCloneOfAFullAccount(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t, withQuota)
	id := b.createBatch(t)
	run := "/api/v1/batches/" + id.String() + "/run"
	clone := "/api/v1/batches/" + id.String() + "/clone"

	// Room for less than another copy of the input: clone refused, run allowed.
	leaveRoom(t, b.h, b.acct.ID, int64(len(contactsJSON))-1)
	requireProblem(t, b.h.API(t, b.key, http.MethodPost, clone, nil, nil), http.StatusInsufficientStorage)
	leaveRoom(t, b.h, b.acct.ID, 0)
	p := requireProblem(t, b.h.API(t, b.key, http.MethodPost, run, nil, nil), http.StatusInsufficientStorage)
	require.Contains(t, p.Detail, "Delete files or batches")
	ready := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), http.Header{"X-Batch-Status": {"READY"}})
	requireProblem(t, ready, http.StatusInsufficientStorage)
	require.Equal(t, 1, countRows(t, b.h, "SELECT count(*) FROM batches"))
	require.Zero(t, countRows(t, b.h, "SELECT count(*) FROM river_job"))

	// A READY upload that fills the account to the byte is stored, then
	// refused at Run (its results would not fit) and removed again; one
	// byte more of room and it is queued.
	for _, path := range []string{v1Path(b.jsonID), v2Path(b.jsonID)} {
		leaveRoom(t, b.h, b.acct.ID, int64(len(contactsJSON)))
		ready = b.post(t, path, "application/json", strings.NewReader(contactsJSON), http.Header{"X-Batch-Status": {"READY"}})
		p = requireProblem(t, ready, http.StatusInsufficientStorage)
		require.Contains(t, p.Detail, "stores 1.0 MB of its 1.0 MB quota")
		require.Equal(t, 1, countRows(t, b.h, "SELECT count(*) FROM batches"), path)
	}
	leaveRoom(t, b.h, b.acct.ID, int64(len(contactsJSON))+1)
	ready = b.post(t, v2Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), http.Header{"X-Batch-Status": {"READY"}})
	require.Equal(t, http.StatusCreated, ready.StatusCode, ready.Body)
	require.Equal(t, 1, countRows(t, b.h, "SELECT count(*) FROM river_job"))

	// Room for the copy and a byte more: the account is not full after it.
	leaveRoom(t, b.h, b.acct.ID, int64(len(contactsJSON))+1)
	require.Equal(t, http.StatusCreated, b.h.API(t, b.key, http.MethodPost, clone, nil, nil).StatusCode)
	require.Equal(t, http.StatusOK, b.h.API(t, b.key, http.MethodPost, run, nil, nil).StatusCode)
}

func TestQuotaInTheBrowser(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers, withQuota)
	files := u.b.Get("/files")
	require.Regexp(t, `Storage used: [0-9.]+ KB of 1\.0 MB`, files.Body)

	leaveRoom(t, u.h, u.acct.ID, 0)
	u.b.Get("/files?folder=samples")
	body, ctype := multipartBody(t, [][2]string{{"dropped.json", `{"a":1}`}})
	req, err := http.NewRequest(http.MethodPost, u.h.URL+"/files/upload?folder=samples", body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", u.b.CSRF)
	res := u.b.Do(req)
	require.Equal(t, http.StatusInsufficientStorage, res.StatusCode)
	require.Equal(t, "#flash", res.Header.Get("HX-Retarget"), "an error fragment, shown in place")
	require.Contains(t, res.Body, "Storage quota reached")
	require.Contains(t, res.Body, "Delete files or batches to make room")

	id := u.newDraft(t, "Over quota")
	base := "/batches/" + id.String() + "/wizard/"
	u.b.PostForm(base+"format", url.Values{"format": {"json"}})
	paste := u.b.HTMX(http.MethodPost, base+"upload", url.Values{"mode": {"paste"}, "payload": {twoContacts}})
	require.Equal(t, http.StatusInsufficientStorage, paste.StatusCode, paste.Body)
	require.Contains(t, paste.Body, "Storage quota reached")
	require.Equal(t, 0, countRows(t, u.h, fmt.Sprintf("SELECT count(*) FROM files WHERE batch_id = '%s'", id)))
}
