package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
)

// BenchmarkPagesWhile1MIngests queues a batch of 1,000,000 records through
// the v1 API (X-Batch-Status: READY, 4 workers, a flow without key field)
// and, until it is FINISHED, requests the overview and the batch's report
// page of a signed-in browser session one after the other; it reports the
// p50 and p95 round trips (an upper bound of the server time) of each.
func BenchmarkPagesWhile1MIngests(b *testing.B) {
	ctx := context.Background()
	h := apptest.New(b, func(c *config.Config) { c.Workers = 4; c.V1MaxBytes = 1 << 30 })
	a := h.CreateAccount(b, "bench@example.com", true)
	key := h.APIKey(b, a)
	_, err := h.Pool.Exec(ctx, "UPDATE flows SET key_field = '' WHERE account_id = $1", a.ID)
	require.NoError(b, err)
	var iface string
	require.NoError(b, h.Pool.QueryRow(ctx, "SELECT id::text FROM interfaces WHERE account_id = $1 AND format = 'json'", a.ID).Scan(&iface))
	var payload bytes.Buffer
	payload.WriteString("[")
	for i := range 1_000_000 {
		if i > 0 {
			payload.WriteString(",")
		}
		fmt.Fprintf(&payload, `{"external_id":"c%09d","first_name":"Ada","last_name":"Lovelace","email":"ada%d@example.com","age":%d,"active":true,"birthday":"1815-12-10","notes":"Wrote the first program."}`,
			i, i, 20+i%60)
	}
	payload.WriteString("]")
	br := h.SignIn(b, a)
	var overview, report []time.Duration
	var ingest time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		res := h.API(b, key, http.MethodPost, "/api/v1/interfaces/"+iface+"/batch", bytes.NewReader(payload.Bytes()),
			http.Header{"Content-Type": {"application/json"}, "X-Batch-Status": {"READY"}})
		require.Equal(b, http.StatusCreated, res.StatusCode, res.Body)
		var doc struct{ ID string }
		require.NoError(b, json.Unmarshal([]byte(res.Body), &doc))
		for {
			var status string
			require.NoError(b, h.Pool.QueryRow(ctx, "SELECT status FROM batches WHERE id = $1", doc.ID).Scan(&status))
			if status == "FINISHED" {
				break
			}
			require.NotEqual(b, "ERROR", status)
			require.Less(b, time.Since(start), 5*time.Minute, "batch still %s", status)
			for _, p := range []struct {
				path string
				into *[]time.Duration
			}{{"/", &overview}, {"/batches/" + doc.ID, &report}} {
				began := time.Now()
				res := br.Get(p.path)
				*p.into = append(*p.into, time.Since(began))
				require.Equal(b, http.StatusOK, res.StatusCode)
			}
		}
		ingest += time.Since(start)
	}
	pct := func(ds []time.Duration, p int) float64 {
		sorted := append([]time.Duration(nil), ds...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
		return float64(sorted[(len(sorted)-1)*p/100].Microseconds()) / 1000
	}
	b.ReportMetric(float64(ingest.Milliseconds())/float64(b.N), "ingest-ms")
	b.ReportMetric(float64(len(overview)), "requests-per-page")
	b.ReportMetric(pct(overview, 50), "overview-p50-ms")
	b.ReportMetric(pct(overview, 95), "overview-p95-ms")
	b.ReportMetric(pct(report, 50), "report-p50-ms")
	b.ReportMetric(pct(report, 95), "report-p95-ms")
}
