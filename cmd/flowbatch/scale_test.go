package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/db/dbtest"
)

// fakeS3Env makes the test binary, started again with it set, an
// S3-compatible server on that address instead of running tests (see
// TestMain): the scale test's storage runs as a process of its own.
const fakeS3Env = "FLOWBATCH_TEST_FAKE_S3_ADDR"

// fakeS3Bucket is the bucket the fake server creates.
const fakeS3Bucket = "flowbatch-scale"

func TestMain(m *testing.M) {
	if addr := os.Getenv(fakeS3Env); addr != "" {
		backend := s3mem.New()
		if err := backend.CreateBucket(fakeS3Bucket); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		srv := &http.Server{Addr: addr, Handler: gofakes3.New(backend).Server(), ReadHeaderTimeout: 10 * time.Second}
		fmt.Fprintln(os.Stderr, srv.ListenAndServe())
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// cluster is a set of real flowbatch processes on one database and one
// S3-compatible bucket.
type cluster struct {
	t     *testing.T
	bin   string
	env   []string
	pool  *pgxpool.Pool
	procs []*exec.Cmd
	key   string
	iface map[string]string // format → starter interface ID
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// start runs one process with args and, for serve, the listen address.
func (c *cluster) start(addr string, args ...string) *exec.Cmd {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(append([]string{}, c.env...), "FLOWBATCH_ADDR="+addr)
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	require.NoError(c.t, cmd.Start())
	c.procs = append(c.procs, cmd)
	return cmd
}

// waitReady waits for a web process to answer /readyz.
func waitReady(t *testing.T, base string) {
	t.Helper()
	require.Eventually(t, func() bool {
		res, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 60*time.Second, 50*time.Millisecond, "%s ready", base)
}

// contacts generates n contact records in format, with external IDs
// prefix-0…; every bad-th record (when bad > 0) has an age that is not a number.
func contacts(format, prefix string, n, bad int) []byte {
	var buf bytes.Buffer
	age := func(i int) string {
		if bad > 0 && i%bad == bad-1 {
			return "unknown"
		}
		return strconv.Itoa(20 + i%60)
	}
	switch format {
	case "json":
		buf.WriteString("[")
		for i := range n {
			if i > 0 {
				buf.WriteString(",")
			}
			a := age(i)
			if _, err := strconv.Atoi(a); err != nil {
				a = strconv.Quote(a)
			}
			fmt.Fprintf(&buf, `{"external_id":"%s-%d","first_name":"Ada","last_name":"Lovelace","email":"ada%d@example.com","age":%s,"active":true,"birthday":"1815-12-10"}`, prefix, i, i, a)
		}
		buf.WriteString("]")
	case "csv":
		buf.WriteString("external_id,first_name,last_name,email,age,active,birthday\n")
		for i := range n {
			fmt.Fprintf(&buf, "%s-%d,Grace,Hopper,grace%d@example.com,%s,true,1906-12-09\n", prefix, i, i, age(i))
		}
	case "xml":
		buf.WriteString("<contacts>")
		for i := range n {
			fmt.Fprintf(&buf, "<contact><external_id>%s-%d</external_id><first_name>Alan</first_name><last_name>Turing</last_name>"+
				"<email>alan%d@example.com</email><age>%s</age><active>false</active><birthday>1912-06-23</birthday></contact>", prefix, i, i, age(i))
		}
		buf.WriteString("</contacts>")
	}
	return buf.Bytes()
}

var contentTypes = map[string]string{"json": "application/json", "csv": "text/csv", "xml": "application/xml"}

// send posts a batch with X-Batch-Status: READY through the web process at
// base, by v1 (raw body) or v2 (multipart), and returns its ID.
func (c *cluster) send(base, version, format string, payload []byte) string {
	c.t.Helper()
	body, ctype := io.Reader(bytes.NewReader(payload)), contentTypes[format]
	if version == "v2" {
		var mp bytes.Buffer
		w := multipart.NewWriter(&mp)
		part, err := w.CreateFormFile("file", "contacts."+format)
		require.NoError(c.t, err)
		_, err = part.Write(payload)
		require.NoError(c.t, err)
		require.NoError(c.t, w.Close())
		body, ctype = &mp, w.FormDataContentType()
	}
	req, err := http.NewRequest(http.MethodPost, base+"/api/"+version+"/interfaces/"+c.iface[format]+"/batch", body)
	require.NoError(c.t, err)
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("X-Batch-Status", "READY")
	res, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	require.Equal(c.t, http.StatusCreated, res.StatusCode, string(raw))
	var doc struct{ ID string }
	require.NoError(c.t, json.Unmarshal(raw, &doc))
	return doc.ID
}

// batchRow is what the test checks of a batch, read from the database.
type batchRow struct {
	status                                      string
	total, processed, inserted, updated, failed int64
}

func (c *cluster) batch(id string) batchRow {
	c.t.Helper()
	var b batchRow
	require.NoError(c.t, c.pool.QueryRow(context.Background(), `SELECT status, total_count, processed_count,
		inserted_count, updated_count, failed_count FROM batches WHERE id = $1`, id).
		Scan(&b.status, &b.total, &b.processed, &b.inserted, &b.updated, &b.failed))
	return b
}

// waitEnded waits until every batch has ended.
func (c *cluster) waitEnded(timeout time.Duration, ids ...string) {
	c.t.Helper()
	require.Eventually(c.t, func() bool {
		for _, id := range ids {
			if s := c.batch(id).status; s != "FINISHED" && s != "ERROR" {
				return false
			}
		}
		return true
	}, timeout, 100*time.Millisecond, "batches ended")
}

// checkExact checks a finished batch of n records, every bad-th failing:
// counts, one record per good input record, one process_batch job, and an
// output.json whose UUIDs are exactly the batch's records in input order.
func (c *cluster) checkExact(base, id string, n, bad int) {
	c.t.Helper()
	ctx := context.Background()
	failed := 0
	if bad > 0 {
		failed = n / bad
	}
	b := c.batch(id)
	require.Equal(c.t, batchRow{status: "FINISHED", total: int64(n), processed: int64(n), inserted: int64(n - failed), failed: int64(failed)}, b, "batch %s", id)
	var records, jobs int
	require.NoError(c.t, c.pool.QueryRow(ctx, "SELECT count(*) FROM records WHERE batch_id = $1", id).Scan(&records))
	require.Equal(c.t, n-failed, records, "records of batch %s", id)
	require.NoError(c.t, c.pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'process_batch' AND args->>'batch_id' = $1", id).Scan(&jobs))
	require.Equal(c.t, 1, jobs, "one job for batch %s", id)

	want := make([]*string, n)
	rows, err := c.pool.Query(ctx, "SELECT batch_index, id::text FROM records WHERE batch_id = $1", id)
	require.NoError(c.t, err)
	for rows.Next() {
		var i int
		var rid string
		require.NoError(c.t, rows.Scan(&i, &rid))
		want[i] = &rid
	}
	require.NoError(c.t, rows.Err())
	req, err := http.NewRequest(http.MethodGet, base+"/api/v1/batches/"+id+"/files/output", nil)
	require.NoError(c.t, err)
	req.Header.Set("Authorization", "Bearer "+c.key)
	res, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	require.Equal(c.t, http.StatusOK, res.StatusCode)
	var got []*string
	require.NoError(c.t, json.NewDecoder(res.Body).Decode(&got))
	require.Equal(c.t, want, got, "output.json of batch %s matches its records", id)
}

// TestScaleOutAcrossProcesses runs Flowbatch as an operator would across
// machines: an S3-compatible server, two web-only processes and two worker
// processes, all real processes on one fresh database, started at once. It
// sends mixed batches through both web processes, watches one live from the
// other web process, then kills one worker (-9) and stops another (SIGTERM)
// in the middle of big batches, and checks every count, job and result file.
func TestScaleOutAcrossProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := dbtest.Empty(t) // no schema: the processes migrate it
	s3Addr := freeAddr(t)
	fake := exec.Command(os.Args[0], "-test.run=^$")
	fake.Env = append(os.Environ(), fakeS3Env+"="+s3Addr)
	require.NoError(t, fake.Start())
	t.Cleanup(func() { _ = fake.Process.Kill(); _ = fake.Wait() })
	require.Eventually(t, func() bool {
		conn, err := net.Dial("tcp", s3Addr)
		if err == nil {
			conn.Close()
		}
		return err == nil
	}, 30*time.Second, 20*time.Millisecond, "fake S3 listening")

	c := &cluster{t: t, bin: flowbatchBinary(t), pool: tdb.Pool, iface: map[string]string{}}
	c.env = append(os.Environ(),
		"DATABASE_URL="+tdb.URL,
		"FLOWBATCH_STORAGE_URL=s3://"+fakeS3Bucket+"?region=us-east-1&use_path_style=true&anonymous=true"+
			"&response_checksum_validation=when_required&endpoint="+url.QueryEscape("http://"+s3Addr),
		"FLOWBATCH_LOG_LEVEL=warn", "FLOWBATCH_API_RATE_LIMIT=100000", "FLOWBATCH_SHUTDOWN_GRACE=20s",
	)
	t.Cleanup(func() {
		for _, p := range c.procs {
			if p.ProcessState == nil {
				_ = p.Process.Kill()
				_ = p.Wait()
			}
		}
	})

	// Four processes start at once on an empty database: one migrates, the
	// others wait on the advisory lock.
	webA, webB := "http://"+freeAddr(t), "http://"+freeAddr(t)
	var started sync.WaitGroup
	var w1, w2 *exec.Cmd
	var mu sync.Mutex
	for i, args := range [][]string{{"serve", "--workers", "0"}, {"serve", "--workers", "0"}, {"worker", "--workers", "1"}, {"worker", "--workers", "1"}} {
		started.Add(1)
		go func() {
			defer started.Done()
			addr := ""
			switch i {
			case 0:
				addr = strings.TrimPrefix(webA, "http://")
			case 1:
				addr = strings.TrimPrefix(webB, "http://")
			}
			mu.Lock()
			defer mu.Unlock()
			cmd := c.start(addr, args...)
			switch i {
			case 2:
				w1 = cmd
			case 3:
				w2 = cmd
			}
		}()
	}
	started.Wait()
	waitReady(t, webA)
	waitReady(t, webB)
	var applied, distinct int
	require.NoError(t, tdb.Pool.QueryRow(ctx, "SELECT count(*), count(DISTINCT version_id) FROM flowbatch_schema_migrations WHERE version_id > 0").Scan(&applied, &distinct))
	require.Equal(t, distinct, applied, "each migration applied once")
	for _, w := range []*exec.Cmd{w1, w2} {
		require.Nil(t, w.ProcessState, "worker still running after the concurrent start")
	}

	admin := func(args ...string) string {
		cmd := exec.Command(c.bin, append([]string{"admin"}, args...)...)
		cmd.Env = c.env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return strings.TrimSpace(string(out))
	}
	const email, password = "scale@example.com", "long enough password"
	admin("create-account", "--email", email, "--password", password, "--starter")
	c.key = admin("create-api-key", "--email", email, "--name", "scale")
	rows, err := tdb.Pool.Query(ctx, "SELECT format, id::text FROM interfaces")
	require.NoError(t, err)
	for rows.Next() {
		var format, id string
		require.NoError(t, rows.Scan(&format, &id))
		c.iface[format] = id
	}
	require.Len(t, c.iface, 3)

	// Web process A streams the overview; a batch sent through B shows up on it.
	browser := (&apptest.Harness{URL: webA}).SignIn(t, apptest.Account{Email: email, Password: password})
	streamCtx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	req, err := http.NewRequestWithContext(streamCtx, http.MethodGet, webA+"/events/batches", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	stream, err := browser.Client.Do(req)
	require.NoError(t, err)
	defer stream.Body.Close()
	require.Equal(t, http.StatusOK, stream.StatusCode)
	events := make(chan string, 1024)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(stream.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if name, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				events <- name
			}
		}
	}()

	// About twenty mixed batches through both web processes.
	type sent struct {
		base, id string
		n, bad   int
	}
	var batches []sent
	i := 0
	for _, format := range []string{"json", "csv", "xml"} {
		for _, version := range []string{"v1", "v2"} {
			for k := range 3 {
				n, bad := 40+i*37, []int{0, 7, 0}[k]
				base := []string{webA, webB}[i%2]
				batches = append(batches, sent{base, c.send(base, version, format, contacts(format, fmt.Sprintf("s%d", i), n, bad)), n, bad})
				i++
			}
		}
	}
	watched := batches[1] // sent through B
	require.Equal(t, webB, watched.base)
	ids := make([]string, len(batches))
	for k, b := range batches {
		ids[k] = b.id
	}
	c.waitEnded(2*time.Minute, ids...)
	for _, b := range batches {
		c.checkExact(b.base, b.id, b.n, b.bad)
	}
	require.Eventually(t, func() bool {
		for {
			select {
			case name := <-events:
				if name == "batch-"+watched.id {
					return true
				}
			default:
				return false
			}
		}
	}, 10*time.Second, 20*time.Millisecond, "web process A streamed the batch sent through B")

	// Failures in the middle of big batches. Worker 2 is stopped (SIGTERM)
	// while idle; worker 1 is killed (-9) in the middle of a big batch; a
	// new worker takes over and is itself stopped (SIGTERM) in the middle of
	// another one; a last worker finishes both.
	require.NoError(t, w2.Process.Signal(syscall.SIGTERM))
	require.NoError(t, w2.Wait(), "an idle worker stops cleanly")
	const big = 60000
	midway := func(id string) {
		t.Helper()
		require.Eventually(t, func() bool {
			b := c.batch(id)
			return b.status == "PROCESSING" && b.processed > 0
		}, 2*time.Minute, 5*time.Millisecond, "batch %s under way", id)
	}
	first := c.send(webA, "v2", "json", contacts("json", "big1", big, 1000))
	midway(first)
	require.NoError(t, w1.Process.Kill())
	_ = w1.Wait()
	require.Less(t, c.batch(first).processed, int64(big), "killed in the middle")

	w3 := c.start("", "worker", "--workers", "2")
	second := c.send(webB, "v1", "csv", contacts("csv", "big2", big, 1000))
	midway(second)
	require.NoError(t, w3.Process.Signal(syscall.SIGTERM))
	require.NoError(t, w3.Wait(), "a worker stopped in the middle of a batch exits cleanly")
	var errs int
	require.NoError(t, tdb.Pool.QueryRow(ctx, `SELECT coalesce(array_length(errors, 1), 0) FROM river_job
		WHERE kind = 'process_batch' AND args->>'batch_id' = $1`, second).Scan(&errs))
	require.Zero(t, errs, "the stop was no failed attempt")

	c.start("", "worker", "--workers", "2")
	c.waitEnded(3*time.Minute, first, second)
	c.checkExact(webA, first, big, 1000)
	c.checkExact(webB, second, big, 1000)
}
