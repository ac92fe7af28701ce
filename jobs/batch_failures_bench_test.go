package jobs_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

// BenchmarkIngestWithFailures measures 192k-record JSON batches, ready_at to
// finished_at with a `flowbatch worker` process, without failures (the
// baseline) and with 1 % and 50 % of the records failing: what storing the
// failures and writing the failed records file cost.
func BenchmarkIngestWithFailures(b *testing.B) {
	const n, runs = 192000, 3
	tb := setup(b)
	iface := tb.newInterface(b, models.FormatJSON)
	for _, bc := range []struct {
		name     string
		badEvery int
	}{
		{"clean", 0},
		{"1pct-failed", 100},
		{"50pct-failed", 2},
		{"clean-again", 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			opts := ingesttest.Options{Seed: 1, BadEvery: bc.badEvery}
			data := payload(b, models.FormatJSON, n, opts)
			worker := tb.startWorkerProcess(b)
			var times []time.Duration
			for b.Loop() {
				for range runs {
					_, err := tb.db.Pool.Exec(context.Background(), "TRUNCATE records")
					require.NoError(b, err)
					last := tb.run(b, tb.newBatch(b, iface, data))
					require.Equal(b, models.StatusFinished, last.Status, last.ErrorMessage)
					if bc.badEvery > 0 {
						require.EqualValues(b, n/bc.badEvery, last.FailedCount)
						_, _, ok := tb.file(b, last, models.KindFailed)
						require.True(b, ok)
					}
					times = append(times, last.FinishedAt.Sub(*last.ReadyAt))
				}
			}
			require.NoError(b, worker.Process.Kill())
			_ = worker.Wait()
			reportMedian(b, times)
			b.Logf("%s: runs %v", bc.name, times)
		})
	}
}

// BenchmarkIngestRecordsBatchIndex measures what records_batch_idx (the
// records browser's "Records of this batch") costs the 192k JSON ingest:
// runs with and without the index alternate in one process, so that a
// shared machine's load falls on both alike. It reports both medians and
// their ratio.
func BenchmarkIngestRecordsBatchIndex(b *testing.B) {
	const n, pairs = 192000, 5
	tb := setup(b)
	iface := tb.newInterface(b, models.FormatJSON)
	data := payload(b, models.FormatJSON, n, ingesttest.Options{Seed: 1})
	worker := tb.startWorkerProcess(b)
	ctx := context.Background()
	var with, without []time.Duration
	for b.Loop() {
		for range pairs {
			for _, indexed := range []bool{true, false} {
				stmt := "DROP INDEX IF EXISTS records_batch_idx"
				if indexed {
					stmt = "CREATE INDEX IF NOT EXISTS records_batch_idx ON records (batch_id, id DESC) WHERE batch_id IS NOT NULL"
				}
				_, err := tb.db.Pool.Exec(ctx, "TRUNCATE records; "+stmt)
				require.NoError(b, err)
				last := tb.run(b, tb.newBatch(b, iface, data))
				require.EqualValues(b, n, last.InsertedCount)
				if indexed {
					with = append(with, last.FinishedAt.Sub(*last.ReadyAt))
				} else {
					without = append(without, last.FinishedAt.Sub(*last.ReadyAt))
				}
			}
		}
	}
	require.NoError(b, worker.Process.Kill())
	_ = worker.Wait()
	slices.Sort(with)
	slices.Sort(without)
	b.ReportMetric(with[len(with)/2].Seconds(), "with-index-median-s")
	b.ReportMetric(without[len(without)/2].Seconds(), "without-index-median-s")
	b.ReportMetric(with[len(with)/2].Seconds()/without[len(without)/2].Seconds(), "ratio")
	b.Logf("with index %v; without %v", with, without)
}

// BenchmarkRecordsBatchIndexCopy isolates the PostgreSQL side of
// records_batch_idx: psql \copy of the 192k JSON batch's rows into a copy
// of records with every index, and into one without records_batch_idx,
// alternating. It reports both medians and their ratio.
func BenchmarkRecordsBatchIndexCopy(b *testing.B) {
	const pairs = 8
	tb := setup(b)
	tb.startWorkers(b, 0)
	ctx := context.Background()
	batch := tb.run(b, tb.newBatch(b, tb.newInterface(b, models.FormatJSON), payload(b, models.FormatJSON, 192000, ingesttest.Options{Seed: 1})))
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
	_, err = tb.db.Pool.Exec(ctx, `CREATE TABLE records_with (LIKE records INCLUDING ALL);
		CREATE TABLE records_without (LIKE records INCLUDING ALL)`)
	require.NoError(b, err)
	var idx string
	require.NoError(b, tb.db.Pool.QueryRow(ctx, `SELECT indexname FROM pg_indexes
		WHERE tablename = 'records_without' AND indexdef LIKE '%(batch_id, id DESC)%'`).Scan(&idx))
	_, err = tb.db.Pool.Exec(ctx, "DROP INDEX "+idx)
	require.NoError(b, err)

	times := map[string][]time.Duration{}
	for b.Loop() {
		for range pairs {
			for _, table := range []string{"records_with", "records_without"} {
				_, err := tb.db.Pool.Exec(ctx, "TRUNCATE "+table)
				require.NoError(b, err)
				start := time.Now()
				out, err := exec.Command("psql", "-q", "-v", "ON_ERROR_STOP=1", tb.db.URL, "-c",
					`\copy `+table+` (id, account_id, flow_id, batch_id, batch_index, key, data) FROM '`+file+`'`).CombinedOutput()
				require.NoError(b, err, string(out))
				times[table] = append(times[table], time.Since(start))
			}
		}
	}
	median := func(ts []time.Duration) float64 {
		slices.Sort(ts)
		return ts[len(ts)/2].Seconds()
	}
	with, without := median(times["records_with"]), median(times["records_without"])
	b.ReportMetric(with, "with-index-median-s")
	b.ReportMetric(without, "without-index-median-s")
	b.ReportMetric(with/without, "ratio")
	b.Logf("with index %v; without %v", times["records_with"], times["records_without"])
}
