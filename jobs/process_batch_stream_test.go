package jobs_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

// breakAt returns data with a stray byte inserted where record index
// starts, so that the payload is invalid for its format from there on.
func breakAt(t *testing.T, data []byte, iface *models.Interface, index int) (broken []byte, offset int64) {
	t.Helper()
	rd, err := ingest.NewReader(bytes.NewReader(data), jobs.IngestOptions(iface, iface.Format))
	require.NoError(t, err)
	for {
		rec, err := rd.Next()
		require.NoError(t, err)
		if rec.Index == index {
			offset = rec.Offset
			break
		}
	}
	stray := map[models.Format][]byte{
		models.FormatJSON: []byte("@"),   // not a JSON value
		models.FormatCSV:  []byte(`"`),   // a quote that closes in the wrong place or never
		models.FormatXML:  []byte("<@>"), // not an element name
	}[iface.Format]
	return slices.Concat(data[:offset], stray, data[offset:]), offset
}

// A plain-insert batch of more than one chunk is validated while its
// records are inserted: a payload broken at record 150,000 of 192,000
// commits the chunks before the fault, and the transaction that ends the
// batch ERROR removes them, with their failures, so that nothing of it
// stays. The batch names the fault's position as the validation pass did.
func TestPayloadBrokenLateInsertsNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		format     models.Format
		n, at      int
		chunk      int
		wantPrefix string
	}{
		{models.FormatJSON, 192_000, 150_000, jobs.DefaultChunkSize, "invalid JSON at byte"},
		{models.FormatCSV, 20_000, 15_000, 1000, "invalid CSV"},
		{models.FormatXML, 20_000, 15_000, 1000, "invalid XML"},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			t.Parallel()
			tb := setup(t)
			metrics := jobs.NewMetrics(prometheus.NewRegistry(), tb.db.Pool)
			tb.deps.Metrics = metrics
			tb.startWorkers(t, tc.chunk)
			iface := tb.newInterface(t, tc.format)
			opts := ingesttest.Options{Seed: 3, BadEvery: 1000} // failed records too, stored per chunk
			broken, offset := breakAt(t, payload(t, tc.format, tc.n, opts), iface, tc.at)
			// Chunks of the batch commit before the fault is read: a trigger
			// counts the records ever inserted, a row per statement, so that
			// the insert streams do not wait for each other's counts.
			_, err := tb.db.Pool.Exec(context.Background(), `CREATE TABLE inserted_counts (n bigint);
				CREATE FUNCTION count_inserted() RETURNS trigger LANGUAGE plpgsql AS
					$$BEGIN INSERT INTO inserted_counts SELECT count(*) FROM inserted; RETURN NULL; END$$;
				CREATE TRIGGER count_inserted AFTER INSERT ON records REFERENCING NEW TABLE AS inserted
					FOR EACH STATEMENT EXECUTE FUNCTION count_inserted();`)
			require.NoError(t, err)

			b := tb.run(t, tb.newBatch(t, iface, broken))
			require.Equal(t, models.StatusError, b.Status)
			require.Contains(t, b.ErrorMessage, tc.wantPrefix)
			require.Zero(t, b.ProcessedCount)
			require.Zero(t, b.InsertedCount)
			require.Zero(t, b.FailedCount)
			require.Zero(t, b.TotalCount)
			require.Zero(t, tb.count(t, "SELECT count(*) FROM records"))
			require.Zero(t, tb.count(t, "SELECT count(*) FROM batch_errors"))
			require.Zero(t, tb.count(t, "SELECT count(*) FROM batch_error_groups"))
			inserted := tb.count(t, "SELECT coalesce(sum(n), 0) FROM inserted_counts")
			require.GreaterOrEqual(t, inserted, tc.at-tc.at/1000-tc.chunk,
				"the chunks before the fault were inserted, then removed")
			require.Equal(t, float64(inserted), testutil.ToFloat64(metrics.Records.WithLabelValues("inserted")))
			require.Equal(t, float64(inserted), testutil.ToFloat64(metrics.Records.WithLabelValues("discarded")),
				"what was inserted is counted as discarded again")

			_, content, ok := tb.file(t, b, models.KindError)
			require.True(t, ok)
			lines := ndjson[errorLine](t, content)
			require.Len(t, lines, 1)
			require.Equal(t, b.ErrorMessage, lines[0].Message)
			require.GreaterOrEqual(t, lines[0].Offset, offset)
			require.GreaterOrEqual(t, lines[0].Index, int64(tc.at))
			for _, k := range []models.FileKind{models.KindOutput, models.KindProcess, models.KindFailed} {
				_, _, ok = tb.file(t, b, k)
				require.False(t, ok, k)
			}
		})
	}
}

// The same payload, unbroken, inserts every record and learns its total at
// its end.
func TestStreamedBatchLearnsItsTotal(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.startWorkers(t, 1000)
	const n = 5500 // not a multiple of the chunk size
	opts := ingesttest.Options{Seed: 3, BadEvery: 100}
	b := tb.run(t, tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, n, opts)))
	require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
	require.EqualValues(t, n, b.TotalCount)
	require.EqualValues(t, n, b.ProcessedCount)
	require.EqualValues(t, n/100, b.FailedCount)
	ids := tb.results(t, b)
	for i, id := range ids {
		require.Equal(t, ingesttest.IsBad(i, opts), id == nil, "index %d", i)
	}
	require.Equal(t, n-n/100, tb.count(t, "SELECT count(*) FROM records"))
}
