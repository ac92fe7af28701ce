package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/flowbatch/flowbatch/app/live"
	"github.com/flowbatch/flowbatch/db/dbtest"
	"github.com/flowbatch/flowbatch/models"
)

// The benchmarks below run the real binary (`flowbatch serve`) as a
// subprocess, as in production, and talk to it over HTTP.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// flowbatchBinary builds the command once per test binary.
func flowbatchBinary(b testing.TB) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "flowbatch-bench-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "flowbatch")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("building flowbatch: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binPath
}

// benchServer is a running `flowbatch serve` with an account and its key.
type benchServer struct {
	pool   *pgxpool.Pool
	url    string
	key    string
	cmd    *exec.Cmd
	dbURL  string
	env    []string          // the server's environment
	ifaces map[string]string // format → starter interface ID
	ends   *batchEnds        // the batches that ended, from the server's events
}

// startServer starts `flowbatch serve` on a database of its own, with extra
// environment variables in env; FLOWBATCH_BENCH_LOG_LEVEL (default warn)
// sets its log level, debug to see the phases of each batch.
func startServer(b testing.TB, workers int, env ...string) *benchServer {
	b.Helper()
	bin := flowbatchBinary(b)
	tdb := dbtest.New(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env = append(append(os.Environ(), env...),
		"DATABASE_URL="+withParam(b, tdb.URL, "application_name", serverAppName),
		"FLOWBATCH_ADDR="+addr,
		"FLOWBATCH_STORAGE_URL=file://"+b.TempDir(),
		"FLOWBATCH_WORKERS="+strconv.Itoa(workers),
		"FLOWBATCH_V2_MAX_BYTES="+strconv.Itoa(2<<30),
		"FLOWBATCH_API_RATE_LIMIT=100000",
		"FLOWBATCH_LOG_LEVEL="+cmp.Or(os.Getenv("FLOWBATCH_BENCH_LOG_LEVEL"), "warn"),
	)
	admin := func(args ...string) string {
		cmd := exec.Command(bin, append([]string{"admin"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("flowbatch admin %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	admin("create-account", "--email", "bench@example.com", "--password", "long enough pw", "--starter")
	key := admin("create-api-key", "--email", "bench@example.com", "--name", "bench")

	s := &benchServer{pool: tdb.Pool, url: "http://" + addr, key: key, dbURL: tdb.URL, env: env, ifaces: map[string]string{},
		ends: watchBatchEnds(b, tdb.Pool)}
	s.serve(b)
	rows, err := tdb.Pool.Query(context.Background(), "SELECT format, id::text FROM interfaces")
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var format, id string
		if err := rows.Scan(&format, &id); err != nil {
			b.Fatal(err)
		}
		s.ifaces[format] = id
	}
	return s
}

// serve starts `flowbatch serve` and waits until it is ready; the test's end
// interrupts it.
func (s *benchServer) serve(b testing.TB) {
	b.Helper()
	cmd := exec.Command(flowbatchBinary(b), "serve")
	cmd.Env = s.env
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	s.cmd = cmd
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			b.Fatal("flowbatch serve did not become ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serverAppName names the server's database sessions, apart from the benchmark's own.
const serverAppName = "flowbatch-bench-server"

// withParam returns the connection URL u with the query parameter k=v.
func withParam(b testing.TB, u, k, v string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		b.Fatal(err)
	}
	q := parsed.Query()
	q.Set(k, v)
	parsed.RawQuery = q.Encode()
	return parsed.String()
}

// peakRSS reads the server's peak resident set size (VmHWM) in bytes.
func (s *benchServer) peakRSS(b *testing.B) int64 {
	b.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc status")
	return 0
}

// cpuSeconds reads the server's user+system CPU time so far.
func (s *benchServer) cpuSeconds(b *testing.B) float64 {
	b.Helper()
	secs, ok := processCPU(s.cmd.Process.Pid)
	if !ok {
		b.Fatal("the server process has no /proc entry")
	}
	return secs
}

// databaseCPU reads the user+system CPU time so far of the server's
// PostgreSQL backends (on this machine), by pid.
func (s *benchServer) databaseCPU(b *testing.B) map[int]float64 {
	b.Helper()
	rows, err := s.pool.Query(context.Background(),
		"SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1", serverAppName)
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	cpu := map[int]float64{}
	for _, pid := range pids {
		if secs, ok := processCPU(int(pid)); ok {
			cpu[int(pid)] = secs
		}
	}
	return cpu
}

// databaseCPUSince is the CPU time the database's backends spent since
// before (a databaseCPU reading); a backend that ended in between is not counted.
func (s *benchServer) databaseCPUSince(b *testing.B, before map[int]float64) float64 {
	var total float64
	for pid, secs := range s.databaseCPU(b) {
		total += secs - before[pid]
	}
	return total
}

// processCPU reads the user+system CPU time so far of process pid.
func processCPU(pid int) (float64, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// Fields after the command name, which is in parentheses: utime is the 12th, stime the 13th.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100, true // clock ticks; 100 a second on Linux
}

// contactsReader generates a JSON array of contacts of about size bytes, on the fly.
type contactsReader struct {
	size, made int64
	next       int
	buf        bytes.Buffer
	done       bool
}

func newContactsReader(size int64) *contactsReader { return &contactsReader{size: size} }

func (r *contactsReader) Read(p []byte) (int, error) {
	for r.buf.Len() < len(p) && !r.done {
		switch {
		case r.next == 0:
			r.buf.WriteString("[")
		case r.made+int64(r.buf.Len()) >= r.size:
			r.buf.WriteString("]")
			r.done = true
			continue
		default:
			r.buf.WriteString(",")
		}
		fmt.Fprintf(&r.buf, `{"external_id":"c%09d","first_name":"Ada","last_name":"Lovelace","email":"ada%d@example.com","age":%d,"active":true,"birthday":"1815-12-10","notes":"Wrote the first program for the Analytical Engine."}`,
			r.next, r.next, 20+r.next%60)
		r.next++
	}
	n, err := r.buf.Read(p)
	r.made += int64(n)
	if err == io.EOF && !r.done {
		err = nil
	}
	return n, err
}

// contactsJSON returns n generated contact records as one JSON array.
func contactsJSON(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString("[")
	for i := 0; i < n; i++ {
		if i > 0 {
			buf.WriteString(",")
		}
		fmt.Fprintf(&buf, `{"external_id":"c%09d","first_name":"Ada","last_name":"Lovelace","email":"ada%d@example.com","age":%d,"active":true,"birthday":"1815-12-10","notes":"Wrote the first program for the Analytical Engine."}`,
			i, i, 20+i%60)
	}
	buf.WriteString("]")
	return buf.Bytes()
}

// postV2 streams payload as the part file of a v2 upload (chunked, as curl
// sends a file of unknown length) and returns the batch document.
func (s *benchServer) postV2(payload io.Reader, header http.Header) (map[string]any, error) {
	const boundary = "flowbatch-bench-boundary"
	body := io.MultiReader(
		strings.NewReader("--"+boundary+"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"contacts.json\"\r\n"+
			"Content-Type: application/json\r\n\r\n"),
		payload,
		strings.NewReader("\r\n--"+boundary+"--\r\n"),
	)
	return s.post("/api/v2/interfaces/"+s.ifaces["json"]+"/batch", "multipart/form-data; boundary="+boundary, struct{ io.Reader }{body}, header)
}

func (s *benchServer) post(path, contentType string, body io.Reader, header http.Header) (map[string]any, error) {
	req, err := http.NewRequest(http.MethodPost, s.url+path, body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+s.key)
	req.Header.Set("Content-Type", contentType)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("status %d: %s", res.StatusCode, raw)
	}
	var doc map[string]any
	return doc, json.Unmarshal(raw, &doc)
}

func (s *benchServer) get(path string) (map[string]any, error) {
	req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var doc map[string]any
	return doc, json.NewDecoder(res.Body).Decode(&doc)
}

func inputSHA(doc map[string]any) string {
	files, _ := doc["files"].([]any)
	for _, f := range files {
		if m, _ := f.(map[string]any); m["kind"] == "input" {
			s, _ := m["sha256"].(string)
			return s
		}
	}
	return ""
}

// BenchmarkAPIV2Upload1GiB streams a 1 GiB v2 upload, generated on the fly,
// to a `flowbatch serve` process and reports the server's peak RSS.
func BenchmarkAPIV2Upload1GiB(b *testing.B) {
	s := startServer(b, 0)
	const size = 1 << 30
	b.SetBytes(size)
	cpu := s.cpuSeconds(b)
	for i := 0; i < b.N; i++ {
		gen := newContactsReader(size)
		hash := sha256.New()
		doc, err := s.postV2(io.TeeReader(gen, hash), nil)
		if err != nil {
			b.Fatal(err)
		}
		if got, want := inputSHA(doc), hex.EncodeToString(hash.Sum(nil)); got != want {
			b.Fatalf("stored input sha256 %s, sent %s", got, want)
		}
	}
	b.ReportMetric((s.cpuSeconds(b)-cpu)/float64(b.N), "server-CPU-s/op")
	b.ReportMetric(float64(s.peakRSS(b))/1e6, "peak-RSS-MB")
}

// BenchmarkAPIV2TwentyConcurrentUploads sends 20 uploads of 20 MB at once;
// each must be stored byte for byte.
func BenchmarkAPIV2TwentyConcurrentUploads(b *testing.B) {
	s := startServer(b, 0)
	const uploads, size = 20, 20 << 20
	payload, _ := io.ReadAll(newContactsReader(size))
	sum := sha256.Sum256(payload)
	want := hex.EncodeToString(sum[:])
	b.SetBytes(uploads * int64(len(payload)))
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		errs := make(chan error, uploads)
		for u := 0; u < uploads; u++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				doc, err := s.postV2(bytes.NewReader(payload), nil)
				if err == nil && inputSHA(doc) != want {
					err = fmt.Errorf("stored input differs from the upload")
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(s.peakRSS(b))/1e6, "peak-RSS-MB")
}

// endToEnd sends 192,000 records with X-Batch-Status: READY and polls the
// report until the batch is FINISHED; it reports the median time. The flow
// has no key field, so every run inserts 192,000 new records (the engine's
// own benchmark case); a keyed flow would update them from the second run on.
func endToEnd(b *testing.B, send func(s *benchServer, payload []byte) (map[string]any, error)) {
	s := startServer(b, 2)
	if _, err := s.pool.Exec(context.Background(), "UPDATE flows SET key_field = ''"); err != nil {
		b.Fatal(err)
	}
	payload := contactsJSON(192_000)
	b.SetBytes(int64(len(payload)))
	var times, uploads, processing []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		doc, err := send(s, payload)
		if err != nil {
			b.Fatal(err)
		}
		uploads = append(uploads, time.Since(start))
		id, _ := doc["id"].(string)
		for {
			doc, err = s.get("/api/v1/batches/" + id)
			if err != nil {
				b.Fatal(err)
			}
			status, _ := doc["status"].(string)
			if status == "FINISHED" {
				break
			}
			if status == "ERROR" {
				b.Fatalf("batch ended ERROR: %v", doc["error_message"])
			}
			if time.Since(start) > 60*time.Second {
				b.Fatalf("batch still %s after a minute", status)
			}
			time.Sleep(10 * time.Millisecond)
		}
		times = append(times, time.Since(start))
		if secs, ok := doc["durations"].(map[string]any)["processing_seconds"].(float64); ok {
			processing = append(processing, time.Duration(secs*float64(time.Second)))
		}
		if inserted, _ := doc["counts"].(map[string]any)["processed"].(float64); inserted != 192_000 {
			b.Fatalf("processed %v records, want 192000", inserted)
		}
	}
	b.ReportMetric(median(times), "median-ms")
	b.ReportMetric(median(uploads), "upload-median-ms")
	if len(processing) > 0 {
		b.ReportMetric(median(processing), "processing-median-ms")
	}
	b.ReportMetric(float64(len(payload))/1e6, "payload-MB")
}

// median returns the median of ds in milliseconds.
func median(ds []time.Duration) float64 {
	sorted := append([]time.Duration(nil), ds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	return float64(sorted[len(sorted)/2].Microseconds()) / 1000
}

// BenchmarkAPIV2EndToEnd192k: v2 multipart POST with X-Batch-Status: READY to FINISHED.
func BenchmarkAPIV2EndToEnd192k(b *testing.B) {
	endToEnd(b, func(s *benchServer, payload []byte) (map[string]any, error) {
		return s.postV2(bytes.NewReader(payload), http.Header{"X-Batch-Status": {"READY"}})
	})
}

// BenchmarkAPIV1EndToEnd192k: v1 raw JSON POST with X-Batch-Status: READY to FINISHED.
func BenchmarkAPIV1EndToEnd192k(b *testing.B) {
	endToEnd(b, func(s *benchServer, payload []byte) (map[string]any, error) {
		return s.post("/api/v1/interfaces/"+s.ifaces["json"]+"/batch", "application/json", bytes.NewReader(payload),
			http.Header{"X-Batch-Status": {"READY"}})
	})
}

// batchEnds follows the server's batch events through a live.Hub, the
// listener the web process pushes live pages from, and keeps when each
// batch ended, so that waiting for an end costs the database nothing:
// polling every 2 ms took a share of the two cores the measured batches run
// on. Only the goroutine that waits uses it.
type batchEnds struct {
	sub   *live.Subscription
	ended map[string]ending // batch ID → how and when it ended
}

type ending struct {
	status models.Status
	at     time.Time
}

// watchBatchEnds follows the batch events of the account on pool's database
// until the test ends; it returns once the hub listens.
func watchBatchEnds(b testing.TB, pool *pgxpool.Pool) *batchEnds {
	b.Helper()
	var account uuid.UUID
	if err := pool.QueryRow(context.Background(), "SELECT id FROM accounts").Scan(&account); err != nil {
		b.Fatal(err)
	}
	hub := live.NewHub(pool, slog.New(slog.DiscardHandler))
	sub := hub.Subscribe(account, uuid.Nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		hub.Run(ctx)
	}()
	b.Cleanup(func() {
		cancel()
		<-done
	})
	select { // the hub marks its subscriptions for a resync once LISTEN is in place
	case <-sub.Ready():
		sub.TakeResync()
	case <-time.After(30 * time.Second):
		b.Fatal("the batch events listener did not start")
	}
	return &batchEnds{sub: sub, ended: map[string]ending{}}
}

// take records the ends among the events waiting.
func (w *batchEnds) take(b testing.TB) {
	at := time.Now()
	if _, missed := w.sub.TakeResync(); missed {
		b.Fatal("the batch events connection was lost: ends may have been missed")
	}
	for _, ev := range w.sub.Take() {
		if ev.Status == models.StatusFinished || ev.Status == models.StatusError {
			w.ended[ev.BatchID.String()] = ending{ev.Status, at}
		}
	}
}

// waitFinished waits until every batch in ids is FINISHED and returns when
// the last end was announced; an ERROR batch, or a minute without the end,
// fails.
func (s *benchServer) waitFinished(b testing.TB, ids []string) time.Time {
	b.Helper()
	return s.waitFinishedWithin(b, ids, time.Minute)
}

// waitFinishedWithin is waitFinished with a time limit.
func (s *benchServer) waitFinishedWithin(b testing.TB, ids []string, limit time.Duration) time.Time {
	b.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	w := s.ends
	for {
		var last time.Time
		finished := 0
		for _, id := range ids {
			end, ok := w.ended[id]
			if ok && end.status == models.StatusError {
				var msg string
				_ = s.pool.QueryRow(context.Background(), "SELECT error_message FROM batches WHERE id = $1", id).Scan(&msg)
				b.Fatalf("batch %s ended ERROR: %s", id, msg)
			}
			if ok {
				finished++
				if end.at.After(last) {
					last = end.at
				}
			}
		}
		if finished == len(ids) {
			return last
		}
		select {
		case <-w.sub.Ready():
			w.take(b)
		case <-w.sub.Done():
			b.Fatal("the batch events subscription ended")
		case <-deadline.C:
			b.Fatalf("%d of %d batches FINISHED after %v", finished, len(ids), limit)
		}
	}
}

// percentile returns the p-th percentile (0–100) of ds in milliseconds.
func percentile(ds []time.Duration, p int) float64 {
	sorted := append([]time.Duration(nil), ds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	return float64(sorted[(len(sorted)-1)*p/100].Microseconds()) / 1000
}

// BenchmarkManySmallBatches measures, in one run against `flowbatch serve`
// with its default 4 workers: (a) one v2 batch of 20,000 records, POST with
// X-Batch-Status: READY until FINISHED; (b) the same 20,000 records as 200
// batches of 100, sent by 8 concurrent clients, until all are FINISHED; the
// ratio b/a; and (c) created_at → finished_at of 100-record batches sent one
// after the other (p50, p95). The flow has no key field, so every batch inserts.
//
// The first round of (a) and (b) after the server starts is reported apart
// (cold-…): its database connections are new, and every new connection
// parses, and for its first executions plans, each statement again, and
// loads the catalog entries of every table it touches. The measured rounds
// that follow see the server as a busy integration does, warm.
//
// It also reports the CPU time of the server, of the database's backends
// and of the benchmark's own process (the 8 clients and the wait for the
// ends) per small batch during (b). With FLOWBATCH_BENCH_CPUPROFILE=FILE
// it writes a CPU profile of the server during the first profileWindow of
// the first measured (b) to FILE (go tool pprof FILE);
// FLOWBATCH_BENCH_WORKERS=N runs N workers.
func BenchmarkManySmallBatches(b *testing.B) {
	profilePath := os.Getenv("FLOWBATCH_BENCH_CPUPROFILE")
	var env []string
	var metricsAddr string
	if profilePath != "" {
		metricsAddr = freeAddr(b)
		env = append(env, "FLOWBATCH_METRICS_ADDR="+metricsAddr, "FLOWBATCH_PPROF=true")
	}
	s := startServer(b, benchWorkers(), env...)
	if _, err := s.pool.Exec(context.Background(), "UPDATE flows SET key_field = ''"); err != nil {
		b.Fatal(err)
	}
	const clients, batches, size = 8, 200, 100
	big, small := contactsJSON(batches*size), contactsJSON(size)
	ready := http.Header{"X-Batch-Status": {"READY"}}
	post := func(payload []byte) string {
		doc, err := s.postV2(bytes.NewReader(payload), ready)
		if err != nil {
			b.Fatal(err)
		}
		id, _ := doc["id"].(string)
		return id
	}
	// round runs (a) and (b) once; profile, when set, is where the server's
	// CPU profile of (b) goes.
	round := func(profile string) smallBatchesRound {
		var r smallBatchesRound
		start := time.Now()
		id := post(big)
		r.one = s.waitFinished(b, []string{id}).Sub(start)

		start = time.Now()
		cpuBefore, dbBefore := s.cpuSeconds(b), s.databaseCPU(b)
		clientBefore, _ := processCPU(os.Getpid())
		profiled := make(chan error, 1)
		if profile != "" {
			go func() { profiled <- fetchProfile(metricsAddr, profile) }()
		} else {
			profiled <- nil
		}
		ids := make(chan string, batches)
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := c; n < batches; n += clients {
					doc, err := s.postV2(bytes.NewReader(small), ready)
					if err != nil {
						b.Error(err)
						return
					}
					id, _ := doc["id"].(string)
					ids <- id
				}
			}()
		}
		wg.Wait()
		close(ids)
		if b.Failed() {
			b.FailNow()
		}
		for id := range ids {
			r.ids = append(r.ids, id)
		}
		r.many = s.waitFinished(b, r.ids).Sub(start)
		r.cpu = s.cpuSeconds(b) - cpuBefore
		r.dbCPU = s.databaseCPUSince(b, dbBefore)
		clientAfter, _ := processCPU(os.Getpid())
		r.clientCPU = clientAfter - clientBefore
		if err := <-profiled; err != nil {
			b.Fatal(err)
		}
		b.Logf("one 20k %v, 200 x 100 %v (ratio %.2f), per small batch: server CPU %.2f ms, database CPU %.2f ms",
			r.one.Round(time.Millisecond), r.many.Round(time.Millisecond), r.many.Seconds()/r.one.Seconds(),
			r.cpu*1000/batches, r.dbCPU*1000/batches)
		return r
	}

	cold := round("")
	var one, many []time.Duration
	var latencies, waits, runs []time.Duration
	var cpu, dbCPU, clientCPU float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		profile := ""
		if i == 0 {
			profile = profilePath
		}
		r := round(profile)
		one, many = append(one, r.one), append(many, r.many)
		cpu, dbCPU, clientCPU = cpu+r.cpu, dbCPU+r.dbCPU, clientCPU+r.clientCPU
		rows, err := s.pool.Query(context.Background(),
			"SELECT started_at - ready_at, finished_at - started_at FROM batches WHERE id = ANY($1::uuid[])", r.ids)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var wait, run time.Duration
			if err := rows.Scan(&wait, &run); err != nil {
				b.Fatal(err)
			}
			waits, runs = append(waits, wait), append(runs, run)
		}
		if rows.Err() != nil {
			b.Fatal(rows.Err())
		}

		for n := 0; n < 20; n++ {
			id := post(small)
			s.waitFinished(b, []string{id})
			var d time.Duration
			err := s.pool.QueryRow(context.Background(),
				"SELECT finished_at - created_at FROM batches WHERE id = $1", id).Scan(&d)
			if err != nil {
				b.Fatal(err)
			}
			latencies = append(latencies, d)
		}
	}
	b.ReportMetric(float64(cold.one.Microseconds())/1000, "cold-one-20k-ms")
	b.ReportMetric(float64(cold.many.Microseconds())/1000, "cold-200x100-ms")
	b.ReportMetric(cold.many.Seconds()/cold.one.Seconds(), "cold-ratio")
	b.ReportMetric(median(one), "one-20k-ms")
	b.ReportMetric(median(many), "200x100-ms")
	b.ReportMetric(median(many)/median(one), "ratio")
	b.ReportMetric(percentile(waits, 50), "200x100-queue-p50-ms")
	b.ReportMetric(percentile(runs, 50), "200x100-processing-p50-ms")
	b.ReportMetric(cpu*1000/float64(b.N*batches), "server-CPU-ms/small-batch")
	b.ReportMetric(dbCPU*1000/float64(b.N*batches), "db-CPU-ms/small-batch")
	b.ReportMetric(clientCPU*1000/float64(b.N*batches), "client-CPU-ms/small-batch")
	b.ReportMetric(percentile(latencies, 50), "small-p50-ms")
	b.ReportMetric(percentile(latencies, 95), "small-p95-ms")
}

// smallBatchesRound is one round of BenchmarkManySmallBatches' (a) and (b):
// their times, the IDs of (b)'s batches, and the CPU seconds (b) took in
// the server, the database's backends and the benchmark's own process.
type smallBatchesRound struct {
	one, many             time.Duration
	ids                   []string
	cpu, dbCPU, clientCPU float64
}

// profileWindow is how long BenchmarkManySmallBatches profiles the server;
// it covers most or all of the 200 batches, whose load is steady.
const profileWindow = 5 * time.Second

// fetchProfile writes a CPU profile of profileWindow of the server whose
// metrics listener (with FLOWBATCH_PPROF) is at addr to path.
func fetchProfile(addr, path string) error {
	res, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, int(profileWindow.Seconds())))
	if err != nil {
		return fmt.Errorf("fetching the CPU profile: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching the CPU profile: status %d", res.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return fmt.Errorf("writing the CPU profile: %w", err)
	}
	return f.Close()
}

// benchWorkers is FLOWBATCH_BENCH_WORKERS, or the default 4.
func benchWorkers() int {
	if n, err := strconv.Atoi(os.Getenv("FLOWBATCH_BENCH_WORKERS")); err == nil && n > 0 {
		return n
	}
	return 4
}
