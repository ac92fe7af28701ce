package jobs_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

// BenchmarkIngestInProcess processes 192k records of each format with the
// worker in the benchmark's own process, so that -cpuprofile and -memprofile
// see the worker (BenchmarkIngest runs it in a separate process). It reports
// the time from enqueue to FINISHED of one batch as s/batch.
func BenchmarkIngestInProcess(b *testing.B) {
	const n = 192000
	tb := setup(b)
	tb.startWorkers(b, 0)
	for _, format := range models.Formats {
		b.Run(string(format), func(b *testing.B) {
			data := payload(b, format, n, ingesttest.Options{Seed: 1})
			iface := tb.newInterface(b, format)
			var total time.Duration
			for b.Loop() {
				batch := tb.run(b, tb.newBatch(b, iface, data))
				require.Equal(b, models.StatusFinished, batch.Status, batch.ErrorMessage)
				require.EqualValues(b, n, batch.InsertedCount)
				total += batch.FinishedAt.Sub(*batch.ReadyAt)
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/batch")
		})
	}
}
