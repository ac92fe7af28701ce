package app_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/pages"
)

// seedBatches inserts n batches of mixed statuses into an account, spread
// over the last n minutes; half of the FINISHED ones have failed records.
func seedBatches(b testing.TB, h *apptest.Harness, a apptest.Account, n int) {
	b.Helper()
	_, err := h.Pool.Exec(context.Background(), `INSERT INTO batches (account_id, name, format, source, status, total_count, processed_count,
			failed_count, created_at)
		SELECT $1, 'Import ' || i, 'json', 'api_v2', (ARRAY['DRAFT','READY','PROCESSING','FINISHED','ERROR'])[1 + i % 5], 1000, i % 1000,
			CASE WHEN i % 10 = 3 THEN 25 ELSE 0 END, now() - make_interval(mins => i)
		FROM generate_series(1, $2) AS i`, a.ID, n)
	require.NoError(b, err)
	_, err = h.Pool.Exec(context.Background(), "ANALYZE batches")
	require.NoError(b, err)
}

// BenchmarkOverview10k renders overview pages of an account with 10,000
// batches, through HTTP on loopback (an upper bound of the server time).
func BenchmarkOverview10k(b *testing.B) {
	h := apptest.New(b, noWorkers)
	a := h.CreateAccount(b, "bench@example.com", true)
	seedBatches(b, h, a, 10000)
	br := h.SignIn(b, a)
	for _, bc := range []struct{ name, path string }{
		{"first-page", "/"},
		{"status-tab", "/?status=FINISHED"},
		{"search", "/?q=import+99"},
		{"page-200", "/?page=200"},
		{"by-name", "/?sort=name&page=100"},
		{"with-errors", "/?errors=1"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			res := br.Get(bc.path)
			require.Equal(b, http.StatusOK, res.StatusCode)
			require.Contains(b, res.Body, `data-count="All"`)
			b.ResetTimer()
			for b.Loop() {
				br.Get(bc.path)
			}
		})
	}
}

// BenchmarkSSE500Clients holds 500 overview streams open on one server and
// measures the heap they cost and how long an event takes to reach all of them.
func BenchmarkSSE500Clients(b *testing.B) {
	const clients = 500
	h := apptest.New(b, noWorkers)
	a := h.CreateAccount(b, "sse@example.com", true)
	seedBatches(b, h, a, 1)
	var batchID string
	require.NoError(b, h.Pool.QueryRow(context.Background(), "SELECT id::text FROM batches WHERE account_id = $1", a.ID).Scan(&batchID))
	br := h.SignIn(b, a)
	client := &http.Client{Jar: br.Client.Jar, Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: 0}}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	goroutinesBefore := runtime.NumGoroutine()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	received := make(chan int, clients*4)
	var ready sync.WaitGroup
	for i := range clients {
		ready.Add(1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.URL+"/events/batches", nil)
			res, err := client.Do(req)
			if err != nil {
				ready.Done()
				return
			}
			defer res.Body.Close()
			sc := bufio.NewScanner(res.Body)
			sc.Buffer(make([]byte, 16<<10), 1<<20)
			first := true
			for sc.Scan() {
				if first && sc.Text() == ": connected" {
					ready.Done()
					first = false
				}
				if strings.HasPrefix(sc.Text(), "event: batch-") {
					received <- i
				}
			}
		}()
	}
	ready.Wait()
	require.Eventually(b, func() bool { return h.Server != nil }, time.Second, time.Millisecond)

	runtime.GC()
	var held runtime.MemStats
	runtime.ReadMemStats(&held)

	notify := func() {
		ev := models.BatchEvent{AccountID: a.ID, Status: models.StatusProcessing}
		require.NoError(b, ev.BatchID.UnmarshalText([]byte(batchID)))
		_, err := h.Pool.Exec(context.Background(), models.NotifySQL, models.BatchEventsChannel, ev.Payload())
		require.NoError(b, err)
	}
	// The LISTEN connection may still be starting: the first event is allowed to retry.
	deadline := time.After(10 * time.Second)
	for got := false; !got; {
		notify()
		select {
		case <-received:
			got = true
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			b.Fatal("no client received an event")
		}
	}
	drain := func(n int, within time.Duration) {
		timeout := time.After(within)
		for ; n > 0; n-- {
			select {
			case <-received:
			case <-timeout:
				b.Fatalf("%d clients did not receive the event", n)
			}
		}
	}
	drain(clients-1, 10*time.Second)

	b.ResetTimer()
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		notify()
		drain(clients, 10*time.Second)
		total += time.Since(start)
		time.Sleep(250 * time.Millisecond) // past the streams' coalescing pause
	}
	b.StopTimer()
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/fan-out")
	b.ReportMetric(float64(held.HeapInuse-before.HeapInuse)/clients/1024, "KiB-heap/client")
	b.ReportMetric(float64(runtime.NumGoroutine()-goroutinesBefore)/clients, "goroutines/client")
	fmt.Fprintf(testOutput{b}, "%d clients: heap in use %.1f MiB more than before\n", clients, float64(held.HeapInuse-before.HeapInuse)/(1<<20))
}

type testOutput struct{ b *testing.B }

func (o testOutput) Write(p []byte) (int, error) {
	o.b.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// BenchmarkOverviewServerTime10k is the server's part of an overview page
// with 10,000 batches: the queries and the rendering, without HTTP and session.
func BenchmarkOverviewServerTime10k(b *testing.B) {
	h := apptest.New(b, noWorkers)
	a := h.CreateAccount(b, "bench@example.com", true)
	seedBatches(b, h, a, 10000)
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		q    models.OverviewQuery
	}{
		{"first-page", models.OverviewQuery{}},
		{"status-tab", models.OverviewQuery{Status: models.StatusFinished}},
		{"search", models.OverviewQuery{Search: "import 99"}},
		{"page-200", models.OverviewQuery{Page: 200}},
		{"by-name", models.OverviewQuery{Sort: models.OverviewName, Page: 100}},
		{"with-errors", models.OverviewQuery{Errors: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				q := bc.q
				q.Normalize()
				ov, err := models.ListOverview(ctx, h.DB, a.ID, q)
				require.NoError(b, err)
				v := pages.BatchesView{Query: q, Counts: ov.Counts, All: ov.All, Matching: ov.Matching, Pages: ov.Pages, RenderedAt: time.Now()}
				for i := range ov.Items {
					v.Rows = append(v.Rows, components.NewBatchView(&ov.Items[i], time.Now()))
				}
				require.NoError(b, pages.Batches(v).Render(ctx, io.Discard))
			}
		})
	}
}
