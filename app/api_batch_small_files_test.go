package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/db/storage"
)

// A small batch's files are kept in the database: its input by the upload's
// transaction, its result files by the one that ends it. They read like
// any other file, and go with their batch. A payload over
// storage.InlineMaxBytes goes to the bucket.
func TestSmallBatchFilesAreKeptInTheDatabase(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t, withWorkers)
	ready := http.Header{"X-Batch-Status": {"READY"}}
	res := b.post(t, v2Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), ready)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	id := decodeBatch(t, res).ID
	require.Equal(t, "FINISHED", b.waitEnded(t, id).Status)

	keys := batchFileKeys(t, b, id)
	require.Len(t, keys, 3)
	for kind, key := range keys {
		require.True(t, storage.IsInline(key), "%s: %s", kind, key)
	}
	require.ElementsMatch(t, []string{keys["input"], keys["output"], keys["process"]}, contentKeys(t, b.h))
	require.Len(t, storedObjects(t, b.h), starterObjects+3, "nothing in the bucket but the starter files")

	files := "/api/v1/batches/" + id.String() + "/files/"
	input := b.h.API(t, b.key, http.MethodGet, files+"input", nil, nil)
	require.Equal(t, http.StatusOK, input.StatusCode)
	require.Equal(t, contactsJSON, input.Body)
	part := b.h.API(t, b.key, http.MethodGet, files+"input", nil, http.Header{"Range": {"bytes=3-20"}})
	require.Equal(t, http.StatusPartialContent, part.StatusCode)
	require.Equal(t, contactsJSON[3:21], part.Body)
	output := b.h.API(t, b.key, http.MethodGet, files+"output", nil, nil)
	require.Equal(t, http.StatusOK, output.StatusCode)
	require.Regexp(t, `^\["[0-9a-f-]{36}","[0-9a-f-]{36}"\]\n$`, output.Body)
	process := b.h.API(t, b.key, http.MethodGet, files+"process", nil, nil)
	require.Equal(t, http.StatusOK, process.StatusCode)
	require.Equal(t, 2, strings.Count(process.Body, `"status":"inserted"`))

	// A clone copies the input into the bucket.
	clone := b.h.API(t, b.key, http.MethodPost, "/api/v1/batches/"+id.String()+"/clone", nil, nil)
	require.Equal(t, http.StatusCreated, clone.StatusCode, clone.Body)
	cloneID := decodeBatch(t, clone).ID
	require.False(t, storage.IsInline(batchFileKeys(t, b, cloneID)["input"]))
	cloned := b.h.API(t, b.key, http.MethodGet, "/api/v1/batches/"+cloneID.String()+"/files/input", nil, nil)
	require.Equal(t, contactsJSON, cloned.Body)

	del := b.h.API(t, b.key, http.MethodDelete, "/api/v1/batches/"+id.String(), nil, nil)
	require.Equal(t, http.StatusNoContent, del.StatusCode, del.Body)
	require.Empty(t, contentKeys(t, b.h), "the contents go with their batch")

	var big strings.Builder
	big.WriteString("[")
	for i := 0; big.Len() <= storage.InlineMaxBytes; i++ {
		fmt.Fprintf(&big, `{"external_id":"b%d","first_name":"Ada","age":36},`, i)
	}
	payload := strings.TrimSuffix(big.String(), ",") + "]"
	res = b.post(t, v2Path(b.jsonID), "application/json", strings.NewReader(payload), nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	bigID := decodeBatch(t, res).ID
	require.False(t, storage.IsInline(batchFileKeys(t, b, bigID)["input"]))
	got := b.h.API(t, b.key, http.MethodGet, "/api/v1/batches/"+bigID.String()+"/files/input", nil, nil)
	require.Equal(t, payload, got.Body)
}

// batchFileKeys maps a batch's file kinds to their storage keys.
func batchFileKeys(t *testing.T, b *batchAPIBundle, id uuid.UUID) map[string]string {
	t.Helper()
	rows, err := b.h.Pool.Query(context.Background(), "SELECT kind, storage_key FROM files WHERE batch_id = $1", id)
	require.NoError(t, err)
	keys := map[string]string{}
	var kind, key string
	_, err = pgx.ForEachRow(rows, []any{&kind, &key}, func() error {
		keys[kind] = key
		return nil
	})
	require.NoError(t, err)
	return keys
}
