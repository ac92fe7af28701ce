package app_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

func withKey(key string, more ...string) http.Header {
	h := http.Header{"Idempotency-Key": {key}}
	for i := 0; i+1 < len(more); i += 2 {
		h.Set(more[i], more[i+1])
	}
	return h
}

func TestIdempotentUploadsAnswerTheFirstAnswer(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)

	first := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), withKey("upload-1"))
	require.Equal(t, http.StatusCreated, first.StatusCode, first.Body)
	again := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), withKey("upload-1"))
	require.Equal(t, http.StatusCreated, again.StatusCode, again.Body)
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	require.Equal(t, first.Header.Get("Location"), again.Header.Get("Location"))
	require.Equal(t, first.Body, again.Body)
	require.Equal(t, 1, countRows(t, b.h, "SELECT count(*) FROM batches"))
	require.Len(t, storedObjects(t, b.h), starterObjects+1, "the retry's upload is not kept")

	other := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(`[{"external_id":"c9"}]`), withKey("upload-1"))
	p := requireProblem(t, other, http.StatusUnprocessableEntity)
	require.Contains(t, p.Detail, "different request")
	renamed := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), withKey("upload-1", "X-Batch-Name", "Other"))
	requireProblem(t, renamed, http.StatusUnprocessableEntity)

	// v2 multipart: a retry has a new boundary but is the same request.
	send := func(payload string) *apptest.Response {
		ct, body := batchMultipart(t, formPart{name: "name", value: "Nightly"}, formPart{name: "file", fileName: "c.json", value: payload})
		return b.post(t, v2Path(b.jsonID), ct, body, withKey("upload-2", "X-Batch-Status", "READY"))
	}
	v2 := send(contactsJSON)
	require.Equal(t, http.StatusCreated, v2.StatusCode, v2.Body)
	v2again := send(contactsJSON)
	require.Equal(t, http.StatusCreated, v2again.StatusCode, v2again.Body)
	require.Equal(t, decodeBatch(t, v2).ID, decodeBatch(t, v2again).ID)
	requireProblem(t, send(`[{"external_id":"c9"}]`), http.StatusUnprocessableEntity)
	require.Equal(t, 2, countRows(t, b.h, "SELECT count(*) FROM batches"))
	require.Equal(t, 1, countRows(t, b.h, "SELECT count(*) FROM river_job"), "queued once")
	require.Len(t, storedObjects(t, b.h), starterObjects+2)

	// Keys belong to one API key: another key of the account starts afresh.
	otherKey := b.h.APIKey(t, b.acct)
	res := b.h.API(t, otherKey, http.MethodPost, v1Path(b.jsonID), strings.NewReader(contactsJSON),
		withKey("upload-1", "Content-Type", "application/json"))
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Empty(t, res.Header.Get("Idempotent-Replayed"))
	require.Equal(t, 3, countRows(t, b.h, "SELECT count(*) FROM batches"))
}

func TestIdempotencyKeyRules(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	for _, key := range []string{strings.Repeat("k", 256), "with space", "tab\there", "ünïcode"} {
		res := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), withKey(key))
		p := requireProblem(t, res, http.StatusBadRequest)
		require.Contains(t, p.Detail, "Idempotency-Key")
	}
	require.Zero(t, countRows(t, b.h, "SELECT count(*) FROM batches"))
	ok := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), withKey(strings.Repeat("k", 255)))
	require.Equal(t, http.StatusCreated, ok.StatusCode, ok.Body)
}

// A refused request leaves nothing behind, so its key is free again.
func TestIdempotencyKeyOfARefusedRequestIsReleased(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	refused := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader("  "), withKey("again"))
	requireProblem(t, refused, http.StatusUnprocessableEntity)
	require.Zero(t, countRows(t, b.h, "SELECT count(*) FROM idempotency_keys"))
	res := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), withKey("again"))
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
}

func TestIdempotentCloneWhileInProgressAndAfterACrash(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	src := b.createBatch(t)
	path := "/api/v1/batches/" + src.String() + "/clone"
	ctx := context.Background()

	// Hold the first clone inside its transaction: no batch can be inserted
	// while the table is locked in SHARE mode.
	lock, err := b.h.Pool.Begin(ctx)
	require.NoError(t, err)
	_, err = lock.Exec(ctx, "LOCK TABLE batches IN SHARE MODE")
	require.NoError(t, err)
	firstDone := make(chan *apptest.Response, 1)
	go func() { firstDone <- b.h.API(t, b.key, http.MethodPost, path, nil, withKey("clone-1")) }()
	require.Eventually(t, func() bool {
		return countRows(t, b.h, "SELECT count(*) FROM idempotency_keys WHERE key = 'clone-1'") == 1
	}, 10*time.Second, 10*time.Millisecond)
	busy := b.h.API(t, b.key, http.MethodPost, path, nil, withKey("clone-1"))
	p := requireProblem(t, busy, http.StatusConflict)
	require.Contains(t, p.Detail, "in progress")
	require.NotEmpty(t, busy.Header.Get("Retry-After"))
	require.NoError(t, lock.Rollback(ctx))
	first := <-firstDone
	require.Equal(t, http.StatusCreated, first.StatusCode, first.Body)
	clone := decodeBatch(t, first).ID

	again := b.h.API(t, b.key, http.MethodPost, path, nil, withKey("clone-1"))
	require.Equal(t, http.StatusCreated, again.StatusCode)
	require.Equal(t, clone, decodeBatch(t, again).ID)

	// A process that died after the clone committed but before storing its
	// answer: the batch was recorded under the key in its own transaction.
	// Until the claim's lease is over the request may still be running.
	_, err = b.h.Pool.Exec(ctx, "UPDATE idempotency_keys SET status = NULL, headers = NULL, body = NULL")
	require.NoError(t, err)
	requireProblem(t, b.h.API(t, b.key, http.MethodPost, path, nil, withKey("clone-1")), http.StatusConflict)
	_, err = b.h.Pool.Exec(ctx, "UPDATE idempotency_keys SET locked_until = now()")
	require.NoError(t, err)
	recovered := b.h.API(t, b.key, http.MethodPost, path, nil, withKey("clone-1"))
	require.Equal(t, http.StatusCreated, recovered.StatusCode, recovered.Body)
	require.Equal(t, "true", recovered.Header.Get("Idempotent-Replayed"))
	require.Equal(t, clone, decodeBatch(t, recovered).ID)
	require.Equal(t, first.Header.Get("Location"), recovered.Header.Get("Location"))
	require.Equal(t, 2, countRows(t, b.h, "SELECT count(*) FROM batches"))

	// After 24 hours the key is free again.
	_, err = b.h.Pool.Exec(ctx, "UPDATE idempotency_keys SET expires_at = now() - interval '1 second'")
	require.NoError(t, err)
	later := b.h.API(t, b.key, http.MethodPost, path, nil, withKey("clone-1"))
	require.Equal(t, http.StatusCreated, later.StatusCode)
	require.NotEqual(t, clone, decodeBatch(t, later).ID)
	require.Equal(t, 3, countRows(t, b.h, "SELECT count(*) FROM batches"))
}

// An upload that asked for READY and died between creating its batch and
// queueing it: the retry finds the DRAFT under the key and queues it.
func TestIdempotentReadyUploadRecoversItsDraft(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	ctx := context.Background()
	header := func() http.Header { return withKey("ready-1", "X-Batch-Status", "READY") }
	first := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), header())
	require.Equal(t, http.StatusCreated, first.StatusCode, first.Body)
	id := decodeBatch(t, first).ID
	// Put the database where the process would have left it.
	for _, sql := range []string{
		"DELETE FROM river_job",
		"UPDATE batches SET status = 'DRAFT', ready_at = NULL",
		"UPDATE idempotency_keys SET status = NULL, headers = NULL, body = NULL, locked_until = now()",
	} {
		_, err := b.h.Pool.Exec(ctx, sql)
		require.NoError(t, err)
	}
	retry := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), header())
	require.Equal(t, http.StatusCreated, retry.StatusCode, retry.Body)
	doc := decodeBatch(t, retry)
	require.Equal(t, id, doc.ID)
	require.Equal(t, "READY", doc.Status)
	require.Equal(t, 1, countRows(t, b.h, "SELECT count(*) FROM river_job"))
	require.Equal(t, 1, countRows(t, b.h, "SELECT count(*) FROM batches"))

	again := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), header())
	require.Equal(t, retry.Body, again.Body, "the recovered answer is the key's answer from now on")
	require.Equal(t, 1, countRows(t, b.h, "SELECT count(*) FROM river_job"))
}

// An upload cut off midway claims nothing: its key is free for the retry.
func TestIdempotentUploadCutOffLeavesTheKeyFree(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(b.h.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nIdempotency-Key: cut-1\r\n"+
		"Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n[", v1Path(b.jsonID), b.key)
	require.NoError(t, err)
	chunk := strings.Repeat(`{"external_id":"x"},`, 1000)
	// Send until the server has started storing the upload, then hang up.
	require.Eventually(t, func() bool {
		_, err := conn.Write([]byte(chunk))
		require.NoError(t, err)
		return len(storedObjects(t, b.h)) > starterObjects
	}, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, conn.Close())
	require.Eventually(t, func() bool { return len(storedObjects(t, b.h)) == starterObjects }, 10*time.Second, 10*time.Millisecond)

	res := b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), withKey("cut-1"))
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Empty(t, res.Header.Get("Idempotent-Replayed"))
	require.Equal(t, 1, countRows(t, b.h, "SELECT count(*) FROM batches"))
	require.Equal(t, 1, countRows(t, b.h, "SELECT count(*) FROM files WHERE batch_id IS NOT NULL"))
}
