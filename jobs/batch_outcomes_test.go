package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

func TestEmptyPayloadsFinishWithNoRecords(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.startWorkers(t, 100)
	ifaces := map[models.Format]*models.Interface{}
	for _, f := range []models.Format{models.FormatJSON, models.FormatCSV, models.FormatXML} {
		ifaces[f] = tb.newInterface(t, f)
	}
	for _, tc := range []struct {
		name   string
		format models.Format
		data   string
	}{
		{"json empty array", models.FormatJSON, "[\n]\n"},
		{"ndjson without lines", models.FormatJSON, "\n\n"},
		{"csv header only", models.FormatCSV, "external_id,first_name,age\n"},
		{"xml without record element", models.FormatXML, "<?xml version=\"1.0\"?>\n<contacts><note>none</note></contacts>\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tb.run(t, tb.newBatch(t, ifaces[tc.format], []byte(tc.data)))
			require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
			require.Empty(t, b.ErrorMessage)
			require.Zero(t, b.TotalCount)
			require.Zero(t, b.ProcessedCount)
			require.Empty(t, tb.results(t, b))
			_, out, _ := tb.file(t, b, models.KindOutput)
			require.Equal(t, "[]\n", string(out))
			_, _, hasErrors := tb.file(t, b, models.KindError)
			require.False(t, hasErrors)
		})
	}
	require.Zero(t, tb.count(t, "SELECT count(*) FROM records"))
}

// TestEveryErrorBatchHasAnErrorFile ends batches ERROR in each way but
// cancel, a payload fault and the watchdog (tested with those), and checks
// that each has error.log ending with its reason, beside output.json and
// process.log of what was done.
func TestEveryErrorBatchHasAnErrorFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	data := payload(t, models.FormatCSV, 50, ingesttest.Options{Seed: 8})
	queue := func(iface *models.Interface) *models.Batch {
		b := tb.newBatch(t, iface, data)
		_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
		require.NoError(t, err)
		return b
	}
	exec := func(sql string, args ...any) {
		_, err := tb.db.Pool.Exec(ctx, sql, args...)
		require.NoError(t, err)
	}

	// Queued first, then spoiled, then worked. A batch runs from the
	// snapshot of its interface taken at Run (editing the interface no
	// longer reaches it), so the snapshot is what gets spoiled.
	iface := tb.newInterface(t, models.FormatCSV)
	fieldsUnusable := queue(iface)
	exec(`UPDATE batches SET run_snapshot = jsonb_set(run_snapshot, '{interface,Fields}', '[]') WHERE id = $1`, fieldsUnusable.ID)

	formatOptions := queue(iface)
	exec(`UPDATE batches SET run_snapshot = jsonb_set(run_snapshot, '{interface,CSVDelimiter}', '"\""') WHERE id = $1`, formatOptions.ID)

	inputGone := queue(iface)
	exec("DELETE FROM files WHERE batch_id = $1 AND kind = 'input'", inputGone.ID)

	// The input's object is missing from storage: a fault that retrying
	// could fix, so every attempt fails, here the only one.
	attemptsExhausted := queue(iface)
	var key string
	require.NoError(t, tb.db.Pool.QueryRow(ctx, "SELECT storage_key FROM files WHERE batch_id = $1 AND kind = 'input'", attemptsExhausted.ID).Scan(&key))
	require.NoError(t, tb.store.Delete(ctx, key))
	exec("UPDATE river_job SET max_attempts = 1 WHERE args->>'batch_id' = $1", attemptsExhausted.ID.String())

	tb.startWorkers(t, 10)
	for _, tc := range []struct {
		b       *models.Batch
		message string
	}{
		{fieldsUnusable, "the interface's fields cannot be used: no fields to map"},
		{formatOptions, "the interface's format options cannot be used: invalid CSV delimiter"},
		{inputGone, "the batch's input file no longer exists"},
		{attemptsExhausted, "processing failed after 1 attempts"},
	} {
		b := tb.waitFor(t, tc.b.ID, 2*time.Minute, func(b *models.Batch) bool {
			return b.Status != models.StatusReady && b.Status != models.StatusProcessing
		})
		require.Equal(t, models.StatusError, b.Status)
		require.Contains(t, b.ErrorMessage, tc.message)
		_, content, ok := tb.file(t, b, models.KindError)
		require.True(t, ok, "error.log of %q", b.ErrorMessage)
		require.Equal(t, []errorLine{{Message: b.ErrorMessage}}, ndjson[errorLine](t, content))
		require.Empty(t, tb.results(t, b), "output.json and process.log of no record")
	}
}

// TestErrorLogsStayCompact feeds payloads whose every record fails, with
// long values full of characters that JSON escapes, and checks that
// error.log stays within its bounds with a last line counting the rest, and
// that process.log does not repeat the values.
func TestErrorLogsStayCompact(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.startWorkers(t, 5000)
	// Values of 224 bytes: cut to 200 in error.log.
	jsonValue := strings.Repeat(`<a&b>`, 45)
	xmlValue := strings.Repeat(`a>"b`, 56)
	for _, tc := range []struct {
		name   string
		format models.Format
		record func(i int) string
		head   string
		tail   string
	}{
		{"json", models.FormatJSON, func(i int) string {
			return fmt.Sprintf(`{"external_id":"K%d","age":%q},`, i, jsonValue)
		}, "[", `{"external_id":"last","age":"x"}]`},
		{"csv wide rows", models.FormatCSV, func(i int) string {
			return fmt.Sprintf("K%d,%s\n", i, strings.Repeat("v,", 40))
		}, "external_id,age\n", ""},
		{"xml", models.FormatXML, func(i int) string {
			return fmt.Sprintf("<contact><external_id>K%d</external_id><age>%s</age></contact>\n", i, xmlValue)
		}, "<contacts>", "</contacts>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in bytes.Buffer
			in.WriteString(tc.head)
			n := 0
			for ; in.Len() < 3<<20; n++ {
				in.WriteString(tc.record(n))
			}
			in.WriteString(tc.tail)
			if tc.tail != "" && tc.format == models.FormatJSON {
				n++
			}
			b := tb.run(t, tb.newBatch(t, tb.newInterface(t, tc.format), in.Bytes()))
			_, errs, _ := tb.file(t, b, models.KindError)
			_, proc, _ := tb.file(t, b, models.KindProcess)
			t.Logf("%s: input %d bytes, %d records: error.log %d bytes, process.log %d bytes", tc.name, in.Len(), n, len(errs), len(proc))

			require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
			require.EqualValues(t, n, b.FailedCount)
			lines := ndjson[errorLine](t, errs)
			require.LessOrEqual(t, len(errs), 4<<20+1024)
			require.LessOrEqual(t, len(lines), 10001)
			last := lines[len(lines)-1]
			require.Equal(t, fmt.Sprintf("… %d more errors not listed (error.log lists the first %d; process.log has every record)",
				n-(len(lines)-1), len(lines)-1), last.Message)
			for _, l := range lines[:len(lines)-1] {
				require.LessOrEqual(t, len(l.Value), 210)
			}
			require.Len(t, ndjson[processLine](t, proc), n)
			require.NotContains(t, string(proc), `a&b`, "process.log does not repeat values")
			require.NotContains(t, string(proc), `a>\"b`, "process.log does not repeat values")
			require.Less(t, len(proc), n*130)
			tb.results(t, b)
		})
	}
}

// TestFailedBatchKeepsTheFilesOfWhatWasDone changes a batch's input between
// two slices, cutting it before the records already done: the batch ends
// ERROR, and its files cover the records done before, with error.log ending
// with the reason. (A cut after them reads as a broken payload, which a
// batch validated while inserting ends without records:
// TestPayloadBrokenLateInsertsNothing.)
func TestFailedBatchKeepsTheFilesOfWhatWasDone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	deps := tb.deps
	deps.ChunkSize = 100
	deps.SliceBudget = time.Nanosecond // one chunk per slice
	client, err := jobs.NewClient(deps, 1)
	require.NoError(t, err)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() { _ = client.Stop(context.Background()) })

	const n = 5000
	opts := ingesttest.Options{Seed: 6, BadEvery: 9}
	data := payload(t, models.FormatJSON, n, opts)
	b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), data)
	_, err = jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)
	tb.waitFor(t, b.ID, time.Minute, func(b *models.Batch) bool { return b.ProcessedCount >= n/5 })

	var key string
	require.NoError(t, tb.db.Pool.QueryRow(ctx, "SELECT storage_key FROM files WHERE batch_id = $1 AND kind = 'input'", b.ID).Scan(&key))
	w, err := tb.store.Create(ctx, key, "application/json")
	require.NoError(t, err)
	_, err = w.Write(data[:len(data)/10])
	require.NoError(t, err)
	_, err = w.Commit()
	require.NoError(t, err)

	b = tb.waitFor(t, b.ID, time.Minute, func(b *models.Batch) bool { return b.Status != models.StatusProcessing })
	require.Equal(t, models.StatusError, b.Status)
	require.Equal(t, "the input changed after it was validated", b.ErrorMessage)
	require.Positive(t, b.ProcessedCount)
	require.Less(t, b.ProcessedCount, int64(n))
	ids := tb.results(t, b)
	for i, id := range ids {
		require.Equal(t, ingesttest.IsBad(i, opts), id == nil, "index %d", i)
	}
	_, content, ok := tb.file(t, b, models.KindError)
	require.True(t, ok)
	lines := ndjson[errorLine](t, content)
	require.Len(t, lines, int(b.FailedCount)+1)
	require.Equal(t, errorLine{Index: b.ProcessedCount, Message: b.ErrorMessage}, lines[len(lines)-1])
}

// TestBatchStartedByThePreviousVersionKeepsItsResults resumes a batch whose
// first chunk was committed by the previous version, which named segments
// by their first index alone and did not register them.
func TestBatchStartedByThePreviousVersionKeepsItsResults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	const n, done = 300, 100
	b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, n, ingesttest.Options{Seed: 21}))
	_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)

	// The previous version's first chunk: records, progress and its segment.
	var out, proc bytes.Buffer
	for i := range done {
		id := uuid.Must(uuid.NewV7())
		_, err := tb.db.Pool.Exec(ctx, `INSERT INTO records (id, account_id, flow_id, batch_id, batch_index, data)
			VALUES ($1, $2, $3, $4, $5, '{}')`, id, tb.account.ID, tb.flow.ID, b.ID, i)
		require.NoError(t, err)
		if i > 0 {
			out.WriteByte(',')
		}
		fmt.Fprintf(&out, "%q", id)
		fmt.Fprintf(&proc, `{"index":%d,"status":"inserted","uuid":%q,"error":null}`+"\n", i, id)
	}
	require.NoError(t, tb.gdb.Model(b).Updates(map[string]any{"status": models.StatusProcessing, "started_at": time.Now(),
		"total_count": n, "processed_count": done, "inserted_count": done}).Error)
	w, err := tb.store.Create(ctx, fmt.Sprintf("tmp/batch/%s/%012d", b.ID, 0), "application/octet-stream")
	require.NoError(t, err)
	fmt.Fprintf(w, "%d %d %d 0\n%s%s", done, out.Len(), proc.Len(), out.Bytes(), proc.Bytes())
	_, err = w.Commit()
	require.NoError(t, err)

	tb.startWorkers(t, 50)
	b = tb.waitFor(t, b.ID, time.Minute, func(b *models.Batch) bool { return b.Status != models.StatusProcessing })
	require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
	require.EqualValues(t, n, b.InsertedCount)
	ids := tb.results(t, b)
	require.Len(t, ids, n)
	require.Equal(t, n, tb.count(t, "SELECT count(DISTINCT batch_index) FROM records WHERE batch_id = $1", b.ID))
	// The segments are deleted just after the batch ends.
	require.Eventually(t, func() bool {
		exists, err := tb.store.Exists(ctx, fmt.Sprintf("tmp/batch/%s/%012d", b.ID, 0))
		require.NoError(t, err)
		return !exists
	}, 10*time.Second, 10*time.Millisecond, "the old segment is deleted with the others")
}

// TestResultFilesAreWrittenAllOrNone makes output.json of a batch of several
// chunks impossible to store (a folder stands where its object goes), while
// process.log is written beside it: the batch ends ERROR with its error.log
// alone, and nothing written for output.json or process.log stays in storage.
// The batch's records are enough for both files to be too big to be kept in
// the database.
func TestResultFilesAreWrittenAllOrNone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	const records = 2000 // output.json: 2,000 × 39 bytes > storage.InlineMaxBytes
	b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, records, ingesttest.Options{Seed: 30}))
	_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)
	_, err = tb.db.Pool.Exec(ctx, "UPDATE river_job SET max_attempts = 1 WHERE args->>'batch_id' = $1", b.ID.String())
	require.NoError(t, err)
	dir := strings.TrimPrefix(tb.storeURL, "file://")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.FromSlash(jobs.ResultKey(b.ID, models.KindOutput))), 0o755))

	tb.startWorkers(t, 400)
	b = tb.waitFor(t, b.ID, time.Minute, func(b *models.Batch) bool {
		return b.Status != models.StatusProcessing && b.Status != models.StatusReady
	})
	require.Equal(t, models.StatusError, b.Status)
	require.Contains(t, b.ErrorMessage, "processing failed after 1 attempts")
	require.EqualValues(t, records, b.ProcessedCount)
	_, content, ok := tb.file(t, b, models.KindError)
	require.True(t, ok)
	require.Equal(t, []errorLine{{Index: b.ProcessedCount, Message: b.ErrorMessage}}, ndjson[errorLine](t, content))
	for _, kind := range []models.FileKind{models.KindOutput, models.KindProcess} {
		_, _, ok := tb.file(t, b, kind)
		require.False(t, ok, "%s is not registered", kind)
	}
	// In storage, once the segments are removed: the input and error.log
	// (in the database), nothing written for output.json or process.log.
	rows, err := tb.db.Pool.Query(ctx, "SELECT storage_key FROM files WHERE batch_id = $1", b.ID)
	require.NoError(t, err)
	registered, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Len(t, registered, 2)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		rows, err := tb.db.Pool.Query(ctx, "SELECT key FROM file_contents")
		require.NoError(c, err)
		stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(c, err)
		require.NoError(c, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, path)
				stored = append(stored, filepath.ToSlash(rel))
			}
			return err
		}))
		assert.ElementsMatch(c, registered, stored)
	}, time.Minute, 10*time.Millisecond)
}
