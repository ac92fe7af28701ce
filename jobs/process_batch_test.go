package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

func TestProcessBatchEachFormat(t *testing.T) {
	t.Parallel()
	const n = 2345
	for _, tc := range []struct {
		name   string
		format models.Format
		write  func(*bytes.Buffer) error
	}{
		{"json", models.FormatJSON, nil},
		{"ndjson", models.FormatJSON, func(w *bytes.Buffer) error { return ingesttest.WriteNDJSON(w, n, ingesttest.Options{Seed: 2}) }},
		{"csv", models.FormatCSV, nil},
		{"xml", models.FormatXML, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			tb := setup(t)
			tb.startWorkers(t, 500)
			data := payload(t, tc.format, n, ingesttest.Options{Seed: 2})
			if tc.write != nil {
				var buf bytes.Buffer
				require.NoError(t, tc.write(&buf))
				data = buf.Bytes()
			}
			b := tb.run(t, tb.newBatch(t, tb.newInterface(t, tc.format), data))

			require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
			require.Empty(t, b.ErrorMessage)
			require.EqualValues(t, n, b.TotalCount)
			require.EqualValues(t, n, b.ProcessedCount)
			require.EqualValues(t, n, b.InsertedCount)
			require.Zero(t, b.UpdatedCount+b.FailedCount)
			require.NotNil(t, b.StartedAt)
			require.NotNil(t, b.FinishedAt)
			require.False(t, b.FinishedAt.Before(*b.StartedAt))

			ids := tb.results(t, b)
			require.Equal(t, n, tb.count(t, "SELECT count(*) FROM records WHERE batch_id = $1", b.ID))
			require.Equal(t, n, tb.count(t, "SELECT count(DISTINCT id) FROM records WHERE batch_id = $1", b.ID))
			_, _, hasErrors := tb.file(t, b, models.KindError)
			require.False(t, hasErrors, "no error file when nothing failed")

			// Records are stored in order, with their index, account and mapped data.
			var (
				id  uuid.UUID
				key *string
				doc map[string]any
			)
			require.NoError(t, tb.db.Pool.QueryRow(ctx, `SELECT id, key, data FROM records
				WHERE batch_id = $1 AND batch_index = 7 AND account_id = $2`, b.ID, tb.account.ID).Scan(&id, &key, &doc))
			require.Equal(t, *ids[7], id)
			require.Nil(t, key, "the flow has no key field")
			require.Equal(t, "C-00000007", doc["external_id"])
			require.GreaterOrEqual(t, len(doc), 9)
			require.Eventually(t, func() bool {
				return tb.count(t, "SELECT count(*) FROM river_job WHERE kind = 'process_batch' AND state <> 'completed'") == 0
			}, 10*time.Second, 10*time.Millisecond, "River completes the job once its attempt returns")

			exists, err := tb.store.Exists(ctx, "tmp/batch/"+b.ID.String()+"/000000000000")
			require.NoError(t, err)
			require.False(t, exists, "result segments are deleted")
		})
	}
}

func TestProcessBatchSkipsAndReportsBadRecords(t *testing.T) {
	t.Parallel()
	const n = 1000
	opts := ingesttest.Options{Seed: 5, BadEvery: 7}
	for _, format := range []models.Format{models.FormatJSON, models.FormatCSV} {
		t.Run(string(format), func(t *testing.T) {
			t.Parallel()
			tb := setup(t)
			tb.startWorkers(t, 300)
			b := tb.run(t, tb.newBatch(t, tb.newInterface(t, format), payload(t, format, n, opts)))

			bad := ingesttest.CountBad(n, opts)
			require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
			require.EqualValues(t, n, b.ProcessedCount)
			require.EqualValues(t, bad, b.FailedCount)
			require.EqualValues(t, n-bad, b.InsertedCount)
			require.Equal(t, n-bad, tb.count(t, "SELECT count(*) FROM records WHERE batch_id = $1", b.ID))

			ids := tb.results(t, b)
			for i, id := range ids {
				require.Equal(t, ingesttest.IsBad(i, opts), id == nil, "index %d", i)
			}
			_, content, ok := tb.file(t, b, models.KindError)
			require.True(t, ok)
			lines := ndjson[errorLine](t, content)
			require.Len(t, lines, bad)
			for j, l := range lines {
				require.True(t, ingesttest.IsBad(int(l.Index), opts))
				require.Positive(t, l.Line)
				if j%2 == 0 { // the first bad record has a bad age, the next a missing key, and so on
					require.Equal(t, errorLine{Index: l.Index, Line: l.Line, Offset: l.Offset, Field: "age", Value: "abc", Message: l.Message}, l)
					require.Contains(t, l.Message, "integer")
				} else {
					require.Equal(t, "external_id", l.Field)
					require.Equal(t, "required field missing", l.Message)
				}
			}
			require.EqualValues(t, 6, lines[0].Index)
		})
	}
}

func TestProcessBatchRefusesBrokenPayload(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.startWorkers(t, 100)
	data := payload(t, models.FormatJSON, 1000, ingesttest.Options{})
	broken := data[:len(data)*3/4] // cut in the middle of a record: earlier records are valid

	b := tb.run(t, tb.newBatch(t, tb.newInterface(t, models.FormatJSON), broken))
	require.Equal(t, models.StatusError, b.Status)
	require.Contains(t, b.ErrorMessage, "invalid JSON at byte")
	require.Zero(t, b.ProcessedCount)
	require.Zero(t, tb.count(t, "SELECT count(*) FROM records"))

	_, content, ok := tb.file(t, b, models.KindError)
	require.True(t, ok)
	lines := ndjson[errorLine](t, content)
	require.Len(t, lines, 1)
	require.Equal(t, b.ErrorMessage, lines[0].Message)
	require.Greater(t, lines[0].Offset, int64(len(data)/2))
	require.Greater(t, lines[0].Index, int64(500))
	_, _, ok = tb.file(t, b, models.KindOutput)
	require.False(t, ok)
}

func TestProcessDesignerBatchTakesTwentyRecords(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.startWorkers(t, 8)
	b := tb.newBatch(t, tb.newInterface(t, models.FormatXML), payload(t, models.FormatXML, 500, ingesttest.Options{}))
	require.NoError(t, tb.gdb.Model(b).Update("designer", true).Error)

	b = tb.run(t, b)
	require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
	require.EqualValues(t, jobs.DesignerLimit, b.TotalCount)
	require.EqualValues(t, jobs.DesignerLimit, b.ProcessedCount)
	require.Equal(t, jobs.DesignerLimit, tb.count(t, "SELECT count(*) FROM records"))
	require.Len(t, tb.results(t, b), jobs.DesignerLimit)
}

func TestProcessBatchUpsertsByKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	tb.startWorkers(t, 400)
	require.NoError(t, tb.gdb.Model(tb.flow).Update("key_field", ingesttest.KeyField).Error)
	iface := tb.newInterface(t, models.FormatJSON)
	const n = 1500
	data := payload(t, models.FormatJSON, n, ingesttest.Options{Seed: 9})

	first := tb.run(t, tb.newBatch(t, iface, data))
	require.Equal(t, models.StatusFinished, first.Status, first.ErrorMessage)
	require.EqualValues(t, n, first.InsertedCount)
	firstIDs := tb.results(t, first)

	second := tb.run(t, tb.newBatch(t, iface, data))
	require.Equal(t, models.StatusFinished, second.Status, second.ErrorMessage)
	require.EqualValues(t, 0, second.InsertedCount)
	require.EqualValues(t, n, second.UpdatedCount)
	require.Equal(t, firstIDs, tb.results(t, second), "updated records keep their UUID")
	require.Equal(t, n, tb.count(t, "SELECT count(*) FROM records"))
	require.Equal(t, n, tb.count(t, "SELECT count(*) FROM records WHERE batch_id = $1 AND key IS NOT NULL", second.ID))

	// A key repeated within one batch: the last record's data wins, the first
	// occurrence counts as inserted and later ones as updated.
	dup := []byte(`[{"external_id":"K1","age":"1"},{"external_id":"NEW","age":"5"},{"external_id":"K1","age":"2"},
		{"external_id":"C-00000003","age":"40"},{"external_id":"K1","age":"3"}]`)
	b := tb.run(t, tb.newBatch(t, iface, dup))
	require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
	require.EqualValues(t, 2, b.InsertedCount)
	require.EqualValues(t, 3, b.UpdatedCount)
	ids := tb.results(t, b)
	require.Equal(t, ids[0], ids[2])
	require.Equal(t, ids[0], ids[4])
	require.Equal(t, firstIDs[3], ids[3])
	_, proc, _ := tb.file(t, b, models.KindProcess)
	var statuses []string
	for _, l := range ndjson[processLine](t, proc) {
		statuses = append(statuses, l.Status)
	}
	require.Equal(t, []string{"inserted", "inserted", "updated", "updated", "updated"}, statuses)
	var age float64
	require.NoError(t, tb.db.Pool.QueryRow(ctx, "SELECT (data->>'age')::float FROM records WHERE key = 'K1'").Scan(&age))
	require.EqualValues(t, 3, age)
	require.Equal(t, n+2, tb.count(t, "SELECT count(*) FROM records"))
}

func TestCancelStopsTheWorkerAtAChunkBoundary(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	tb.startWorkers(t, 200)
	const n = 100000
	b := tb.newBatch(t, tb.newInterface(t, models.FormatCSV), payload(t, models.FormatCSV, n, ingesttest.Options{BadEvery: 50}))
	_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)
	tb.waitFor(t, b.ID, 30*time.Second, func(b *models.Batch) bool { return b.ProcessedCount > 0 })

	_, err = jobs.CancelBatch(ctx, tb.deps, tb.account.ID, b.ID)
	require.NoError(t, err)
	b = tb.waitFor(t, b.ID, time.Minute, func(b *models.Batch) bool { return b.Status != models.StatusProcessing })

	require.Equal(t, models.StatusError, b.Status)
	require.Equal(t, "cancelled", b.ErrorMessage)
	require.Less(t, b.ProcessedCount, int64(n))
	require.Zero(t, b.ProcessedCount%200, "stopped at a chunk boundary")
	require.EqualValues(t, b.ProcessedCount-b.FailedCount, tb.count(t, "SELECT count(*) FROM records"))
	tb.results(t, b)
	_, content, ok := tb.file(t, b, models.KindError)
	require.True(t, ok)
	lines := ndjson[errorLine](t, content)
	require.Equal(t, errorLine{Index: b.ProcessedCount, Message: "cancelled"}, lines[len(lines)-1])
	require.Len(t, lines, int(b.FailedCount)+1)
}

func TestProcessBatchSurvivesDroppedConnections(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	tb.startWorkers(t, 500)
	const n = 20000
	b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, n, ingesttest.Options{Seed: 3}))
	_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)
	mid := tb.waitFor(t, b.ID, 30*time.Second, func(b *models.Batch) bool { return b.ProcessedCount > 0 })
	require.Less(t, mid.ProcessedCount, int64(n))

	// Terminate every connection to the test database but this one: the
	// worker's chunk transaction, River's listener and fetchers.
	var killed int
	require.NoError(t, tb.db.Pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&killed))
	require.Positive(t, killed)

	b = tb.waitFor(t, b.ID, 3*time.Minute, func(b *models.Batch) bool {
		return b.Status == models.StatusFinished || b.Status == models.StatusError
	})
	require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
	require.EqualValues(t, n, b.InsertedCount)
	require.Equal(t, n, tb.count(t, "SELECT count(*) FROM records"))
	require.Equal(t, n, tb.count(t, "SELECT count(DISTINCT batch_index) FROM records"))
	ids := tb.results(t, b)
	seen := map[uuid.UUID]bool{}
	for _, id := range ids {
		seen[*id] = true
	}
	require.Len(t, seen, n)
}

func TestOutputIsAJSONArrayEvenWhenEmpty(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.startWorkers(t, 10)
	b := tb.run(t, tb.newBatch(t, tb.newInterface(t, models.FormatJSON), []byte(`[{"age":"x"}]`)))
	require.Equal(t, models.StatusFinished, b.Status)
	_, out, ok := tb.file(t, b, models.KindOutput)
	require.True(t, ok)
	require.Equal(t, "[null]\n", string(out))
	var v []any
	require.NoError(t, json.Unmarshal(out, &v))
	_, errs, _ := tb.file(t, b, models.KindError)
	require.True(t, strings.Contains(string(errs), `"field":"external_id"`), string(errs))
}

func TestProcessBatchInSlicesResumesFromItsProgress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	deps := tb.deps
	deps.ChunkSize = 300
	deps.SliceBudget = time.Nanosecond // every attempt does one chunk, then snoozes
	client, err := jobs.NewClient(deps, 1)
	require.NoError(t, err)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() { _ = client.Stop(context.Background()) })

	const n = 2000
	opts := ingesttest.Options{Seed: 4, BadEvery: 9}
	b := tb.run(t, tb.newBatch(t, tb.newInterface(t, models.FormatCSV), payload(t, models.FormatCSV, n, opts)))
	require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
	require.EqualValues(t, n, b.ProcessedCount)
	require.EqualValues(t, n/9, b.FailedCount)
	require.Equal(t, n-n/9, tb.count(t, "SELECT count(*) FROM records"))
	ids := tb.results(t, b)
	for i, id := range ids {
		require.Equal(t, ingesttest.IsBad(i, opts), id == nil, "index %d", i)
	}
	var snoozes int
	require.NoError(t, tb.db.Pool.QueryRow(ctx, `SELECT (metadata->>'snoozes')::int FROM river_job
		WHERE kind = 'process_batch'`).Scan(&snoozes))
	require.Equal(t, (n+299)/300-1, snoozes, "one slice per chunk")
	_, content, ok := tb.file(t, b, models.KindError)
	require.True(t, ok)
	require.Len(t, ndjson[errorLine](t, content), n/9)
}

func TestCancelBeforeTheFirstChunkInsertsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, 5000, ingesttest.Options{}))
	_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)
	// An attempt started the batch and stopped before its input was read;
	// the cancel came before the next attempt.
	require.NoError(t, tb.gdb.Model(b).Updates(map[string]any{"status": models.StatusProcessing, "started_at": time.Now()}).Error)
	_, err = jobs.CancelBatch(ctx, tb.deps, tb.account.ID, b.ID)
	require.NoError(t, err)

	tb.startWorkers(t, 1000)
	b = tb.waitFor(t, b.ID, time.Minute, func(b *models.Batch) bool { return b.Status != models.StatusProcessing })
	require.Equal(t, models.StatusError, b.Status)
	require.Equal(t, "cancelled", b.ErrorMessage)
	require.Zero(t, b.TotalCount, "a cancelled batch is not read")
	require.Zero(t, b.ProcessedCount)
	require.Zero(t, tb.count(t, "SELECT count(*) FROM records"))
	require.Empty(t, tb.results(t, b))
	_, content, ok := tb.file(t, b, models.KindError)
	require.True(t, ok)
	require.Equal(t, []errorLine{{Index: 0, Message: "cancelled"}}, ndjson[errorLine](t, content))
}

// lockedBuffer is a log destination a test reads while workers write to it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) lines() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range bytes.Split(b.buf.Bytes(), []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(l, &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// TestWorkerLogLinesNameBatchJobAndAttempt checks that one batch's story can
// be found in the logs: every line its attempt writes carries its batch, job
// and attempt.
func TestWorkerLogLinesNameBatchJobAndAttempt(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	logs := &lockedBuffer{}
	tb.deps.Log = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tb.startWorkers(t, 0)
	b := tb.run(t, tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, 50, ingesttest.Options{})))
	require.Equal(t, models.StatusFinished, b.Status)

	seen := map[string]bool{}
	for _, l := range logs.lines() {
		if l["batch_id"] != b.ID.String() {
			continue
		}
		seen[l["msg"].(string)] = true
		require.NotNil(t, l["job_id"], "%v", l)
		require.EqualValues(t, 1, l["attempt"], "%v", l)
	}
	for _, msg := range []string{"validated batch input", "inserted batch records", "wrote batch files"} {
		require.True(t, seen[msg], "%q logged with the batch's ID", msg)
	}
}
