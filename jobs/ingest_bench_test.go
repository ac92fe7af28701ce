package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

// BenchmarkIngest measures, for each case of docs/benchmarks.md, the time
// from enqueue (the Run transaction) to FINISHED with every file written, as
// finished_at - ready_at, with a `flowbatch worker` process doing the work.
// Each case runs several times; the median is reported as median-s, and the
// worker's peak RSS as peak-rss-MB. "copy-192k" is psql \copy of the same
// mapped rows into a table shaped like records, the baseline of the 192k case.
func BenchmarkIngest(b *testing.B) {
	tb := setup(b)
	var json192k *models.Batch // its rows are the copy baseline's input
	for _, bc := range []struct {
		name   string
		format models.Format
		n      int
		runs   int
	}{
		{"json-96k", models.FormatJSON, 96000, 3},
		{"json-192k", models.FormatJSON, 192000, 3},
		{"copy-192k", "", 192000, 3},
		{"csv-192k", models.FormatCSV, 192000, 3},
		{"xml-192k", models.FormatXML, 192000, 3},
		{"json-1M", models.FormatJSON, 1000000, 3},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if bc.format == "" {
				benchCopy(b, tb, json192k, bc.runs)
				return
			}
			data := payload(b, bc.format, bc.n, ingesttest.Options{Seed: 1})
			iface := tb.newInterface(b, bc.format)
			worker := tb.startWorkerProcess(b) // a fresh process: its peak RSS is this case's
			var times []time.Duration
			var last *models.Batch
			for b.Loop() {
				for range bc.runs {
					// Every run starts from an empty records table, as the
					// copy baseline does, so that cases compare like for like.
					_, err := tb.db.Pool.Exec(context.Background(), "TRUNCATE records")
					require.NoError(b, err)
					last = tb.run(b, tb.newBatch(b, iface, data))
					require.Equal(b, models.StatusFinished, last.Status, last.ErrorMessage)
					require.EqualValues(b, bc.n, last.InsertedCount)
					times = append(times, last.FinishedAt.Sub(*last.ReadyAt))
				}
			}
			b.ReportMetric(float64(peakRSS(b, worker.Process.Pid))/(1<<20), "peak-rss-MB")
			require.NoError(b, worker.Process.Kill())
			_ = worker.Wait()
			reportMedian(b, times)
			b.ReportMetric(float64(len(data))/(1<<20), "input-MB")
			b.Logf("%s: runs %v", bc.name, times)
			if bc.name == "json-192k" {
				json192k = last
			}
		})
	}
}

func reportMedian(b *testing.B, times []time.Duration) {
	slices.Sort(times)
	b.ReportMetric(times[len(times)/2].Seconds(), "median-s")
}

// benchCopy times psql \copy of the rows batch inserted into a table of the
// same shape (columns, primary key, indexes).
func benchCopy(b *testing.B, tb *testBundle, batch *models.Batch, runs int) {
	ctx := context.Background()
	file := filepath.Join(b.TempDir(), "rows.copy")
	f, err := os.Create(file)
	require.NoError(b, err)
	conn, err := tb.db.Pool.Acquire(ctx)
	require.NoError(b, err)
	_, err = conn.Conn().PgConn().CopyTo(ctx, f, fmt.Sprintf(`COPY (SELECT id, account_id, flow_id, batch_id, batch_index, key, data
		FROM records WHERE batch_id = '%s' ORDER BY batch_index) TO STDOUT`, batch.ID))
	conn.Release()
	require.NoError(b, err)
	require.NoError(b, f.Close())
	_, err = tb.db.Pool.Exec(ctx, "CREATE TABLE records_copy (LIKE records INCLUDING ALL)")
	require.NoError(b, err)

	var times []time.Duration
	for b.Loop() {
		for range runs {
			_, err := tb.db.Pool.Exec(ctx, "TRUNCATE records_copy")
			require.NoError(b, err)
			start := time.Now()
			cmd := exec.Command("psql", "-q", "-v", "ON_ERROR_STOP=1", tb.db.URL, "-c",
				`\copy records_copy (id, account_id, flow_id, batch_id, batch_index, key, data) FROM '`+file+`'`)
			out, err := cmd.CombinedOutput()
			require.NoError(b, err, string(out))
			times = append(times, time.Since(start))
		}
	}
	require.Equal(b, int(batch.InsertedCount), tb.count(b, "SELECT count(*) FROM records_copy"))
	reportMedian(b, times)
	b.Logf("copy-192k: runs %v", times)
}

// peakRSS reads the peak resident set size of process pid, in bytes.
func peakRSS(b *testing.B, pid int) int64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(b, err)
	for line := range bytes.Lines(status) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"), 10, 64)
			require.NoError(b, err)
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc status")
	return 0
}
