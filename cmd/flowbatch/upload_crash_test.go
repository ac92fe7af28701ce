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

// killWhileQueueing holds River's job table, runs send (a request that
// creates a batch and queues it) until the server's session waits to insert
// the job, then kills (-9) the server and releases the table: whatever the
// request wrote before it queued the job is either committed or not.
func killWhileQueueing(t *testing.T, s *benchServer, send func() error) {
	t.Helper()
	ctx := context.Background()
	lock, err := s.pool.Begin(ctx)
	require.NoError(t, err)
	defer lock.Rollback(ctx) //nolint:errcheck // a no-op once rolled back
	_, err = lock.Exec(ctx, "LOCK TABLE river_job IN SHARE ROW EXCLUSIVE MODE")
	require.NoError(t, err)

	answered := make(chan error, 1)
	go func() { answered <- send() }()
	require.Eventually(t, func() bool {
		var waiting bool
		err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = $1
			AND wait_event_type = 'Lock' AND query LIKE '%JobInsertFastMany%')`, serverAppName).Scan(&waiting)
		return err == nil && waiting
	}, 30*time.Second, 10*time.Millisecond, "the request waits to insert its job")
	require.NoError(t, s.cmd.Process.Kill())
	_ = s.cmd.Wait()
	require.Error(t, <-answered, "the killed server did not answer")
	require.NoError(t, lock.Rollback(ctx))
}

func (s *benchServer) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, s.pool.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

// TestReadyUploadKilledBeforeQueueingLeavesNothing kills (-9) the server
// while a READY upload waits to insert its job, after the batch and its
// input were written: the client had no answer, so the upload must leave no
// batch (not a DRAFT it never asked for). The client's retry with the same
// Idempotency-Key, once the dead request's lease is over, then creates the
// batch, queued, and it finishes.
func TestReadyUploadKilledBeforeQueueingLeavesNothing(t *testing.T) {
	t.Parallel()
	s := startServer(t, 1)
	batchesBefore := s.count(t, "SELECT count(*) FROM batches")

	payload := contactsJSON(50)
	header := http.Header{"X-Batch-Status": {"READY"}, "Idempotency-Key": {"upload-" + uuid.NewString()}}
	killWhileQueueing(t, s, func() error {
		_, err := s.postV2(bytes.NewReader(payload), header)
		return err
	})
	require.Equal(t, batchesBefore, s.count(t, "SELECT count(*) FROM batches"), "no batch is left by the unanswered upload")
	require.Zero(t, s.count(t, "SELECT count(*) FROM files WHERE batch_id IS NOT NULL AND kind = 'input'"), "no input file row is left")

	// The client retries with its key once the dead request's lease is over.
	s.serve(t)
	_, err := s.pool.Exec(context.Background(), "UPDATE idempotency_keys SET locked_until = now()")
	require.NoError(t, err)
	doc, err := s.postV2(bytes.NewReader(payload), header)
	require.NoError(t, err)
	require.Equal(t, "READY", doc["status"])
	id, _ := doc["id"].(string)
	s.waitFinished(t, []string{id})
	require.Equal(t, batchesBefore+1, s.count(t, "SELECT count(*) FROM batches"))
	require.Equal(t, 1, s.count(t, "SELECT count(*) FROM river_job WHERE kind = 'process_batch'"))
	require.Equal(t, 50, s.count(t, "SELECT count(*) FROM records"))
}

// TestReadyRerunKilledBeforeQueueingLeavesNothing does the same to a re-run
// of failed records asked for with X-Batch-Status: READY.
func TestReadyRerunKilledBeforeQueueingLeavesNothing(t *testing.T) {
	t.Parallel()
	s := startServer(t, 1)
	ready := http.Header{"X-Batch-Status": {"READY"}}
	payload := bytes.Replace(contactsJSON(20), []byte(`"age":20,`), []byte(`"age":"twenty",`), 1)
	doc, err := s.postV2(bytes.NewReader(payload), ready)
	require.NoError(t, err)
	parent, _ := doc["id"].(string)
	s.waitFinished(t, []string{parent})
	require.Equal(t, 1, s.count(t, "SELECT failed_count FROM batches WHERE id = $1", parent))
	batchesBefore := s.count(t, "SELECT count(*) FROM batches")

	rerun := "/api/v1/batches/" + parent + "/rerun-failed"
	killWhileQueueing(t, s, func() error {
		_, err := s.post(rerun, "application/json", http.NoBody, ready)
		return err
	})
	require.Equal(t, batchesBefore, s.count(t, "SELECT count(*) FROM batches"), "no batch is left by the unanswered re-run")

	s.serve(t)
	doc, err = s.post(rerun, "application/json", http.NoBody, ready)
	require.NoError(t, err)
	require.Equal(t, "READY", doc["status"])
	require.Equal(t, batchesBefore+1, s.count(t, "SELECT count(*) FROM batches"))
}
