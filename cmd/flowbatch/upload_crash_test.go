package main

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// TestReadyUploadKilledBeforeQueueingLeavesNothing kills (-9) the server
// while a READY upload waits to insert its job, after the batch and its
// input were written: the client had no answer, so the upload must leave no
// batch (not a DRAFT it never asked for). The client's retry with the same
// Idempotency-Key, once the dead request's lease is over, then creates the
// batch, queued, and it finishes.
func TestReadyUploadKilledBeforeQueueingLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := startServer(t, 1)
	count := func(query string) int {
		t.Helper()
		var n int
		require.NoError(t, s.pool.QueryRow(ctx, query).Scan(&n))
		return n
	}
	batchesBefore := count("SELECT count(*) FROM batches")

	// Hold River's job table so that the upload's job insert waits for it.
	lock, err := s.pool.Begin(ctx)
	require.NoError(t, err)
	defer lock.Rollback(ctx) //nolint:errcheck // a no-op once rolled back
	_, err = lock.Exec(ctx, "LOCK TABLE river_job IN SHARE ROW EXCLUSIVE MODE")
	require.NoError(t, err)

	payload := contactsJSON(50)
	header := http.Header{"X-Batch-Status": {"READY"}, "Idempotency-Key": {"upload-" + uuid.NewString()}}
	answered := make(chan error, 1)
	go func() {
		_, err := s.postV2(bytes.NewReader(payload), header)
		answered <- err
	}()
	require.Eventually(t, func() bool {
		var waiting bool
		err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = $1
			AND wait_event_type = 'Lock' AND query LIKE '%JobInsertFastMany%')`, serverAppName).Scan(&waiting)
		return err == nil && waiting
	}, 30*time.Second, 10*time.Millisecond, "the upload waits to insert its job")
	require.NoError(t, s.cmd.Process.Kill())
	_ = s.cmd.Wait()
	require.Error(t, <-answered, "the killed server did not answer")
	require.NoError(t, lock.Rollback(ctx))

	require.Equal(t, batchesBefore, count("SELECT count(*) FROM batches"), "no batch is left by the unanswered upload")
	require.Zero(t, count("SELECT count(*) FROM files WHERE batch_id IS NOT NULL AND kind = 'input'"), "no input file row is left")

	// The client retries with its key once the dead request's lease is over.
	s.serve(t)
	_, err = s.pool.Exec(ctx, "UPDATE idempotency_keys SET locked_until = now()")
	require.NoError(t, err)
	doc, err := s.postV2(bytes.NewReader(payload), header)
	require.NoError(t, err)
	require.Equal(t, "READY", doc["status"])
	id, _ := doc["id"].(string)
	s.waitFinished(t, []string{id})
	require.Equal(t, batchesBefore+1, count("SELECT count(*) FROM batches"))
	require.Equal(t, 1, count("SELECT count(*) FROM river_job WHERE kind = 'process_batch'"))
	require.Equal(t, 50, count("SELECT count(*) FROM records"))
}
