package jobs_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

// TestProfileIngest runs one large batch in process, for go test -cpuprofile.
// It runs only when FLOWBATCH_PROFILE_RECORDS is set.
func TestProfileIngest(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("FLOWBATCH_PROFILE_RECORDS"))
	if n == 0 {
		t.Skip("set FLOWBATCH_PROFILE_RECORDS to profile")
	}
	format := models.Format(os.Getenv("FLOWBATCH_PROFILE_FORMAT"))
	if format == "" {
		format = models.FormatJSON
	}
	tb := setup(t)
	tb.startWorkers(t, 0)
	data := payload(t, format, n, ingesttest.Options{Seed: 1})
	iface := tb.newInterface(t, format)
	for range 2 {
		b := tb.run(t, tb.newBatch(t, iface, data))
		require.Equal(t, models.StatusFinished, b.Status)
		t.Logf("%d records: %s", n, b.FinishedAt.Sub(*b.ReadyAt))
	}
}
