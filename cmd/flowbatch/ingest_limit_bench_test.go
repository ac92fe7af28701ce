package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

// BenchmarkIngestVsTwoCopies measures, in one run against `flowbatch serve`
// (2 workers, a flow without key field), each format's v2 multipart POST
// with X-Batch-Status: READY until the batch is FINISHED (all result files
// written), from the first byte sent, against its baseline: two psql \copy
// processes at once, each loading half of the same mapped rows into a table
// of the records table's shape (primary key and indexes). Every iteration
// (-benchtime Nx) runs the baseline and each case once, in turn, each from
// an empty table, so that the machine's load falls on all alike; the
// medians and their ratios are reported. Each case also reports the CPU
// time of the server process and of the database's backends, and the
// server's peak RSS is reported at the end.
//
// Before the first iteration an untimed 192k JSON batch warms the server
// (its pool's connections, its heap, the database's buffers) and gives the
// baseline its rows; before every case and the baseline a CHECKPOINT
// writes out what the one before left, so that none pays for another's
// WAL: the checkpoint that 1M records' WAL sets off fell, until then, on
// the 192k JSON batch that followed it in the next iteration, while the
// first iteration's JSON batch was the server's first.
func BenchmarkIngestVsTwoCopies(b *testing.B) {
	s := startServer(b, 2)
	ctx := context.Background()
	if _, err := s.pool.Exec(ctx, "UPDATE flows SET key_field = ''"); err != nil {
		b.Fatal(err)
	}
	fields := make(models.Fields, 0, 10)
	for _, f := range ingesttest.Fields() {
		fields = append(fields, models.Field{Name: f.Name, Source: f.Source, Type: models.FieldType(f.Type), Required: f.Required})
	}
	fieldsJSON, _ := json.Marshal(fields)
	if _, err := s.pool.Exec(ctx, `UPDATE interfaces SET fields = $1, record_element = $2, records_path = '',
		csv_header = true, csv_delimiter = ',', encoding = 'auto'`, fieldsJSON, ingesttest.RecordElement); err != nil {
		b.Fatal(err)
	}

	type benchCase struct {
		name                string
		format              string
		n                   int
		data                []byte
		times               []time.Duration
		uploads, processing []time.Duration
		serverCPU, dbCPU    float64
		wal                 walStats
		indexBytes          int64
	}
	cases := []*benchCase{
		{name: "json-192k", format: "json", n: 192_000},
		{name: "csv-192k", format: "csv", n: 192_000},
		{name: "xml-192k", format: "xml", n: 192_000},
		{name: "json-1M", format: "json", n: 1_000_000},
	}
	if os.Getenv("FLOWBATCH_BENCH_SKIP_1M") != "" {
		cases = cases[:3]
	}
	for _, c := range cases {
		var buf bytes.Buffer
		opts := ingesttest.Options{Seed: 1}
		var err error
		switch c.format {
		case "json":
			err = ingesttest.WriteJSON(&buf, c.n, opts)
		case "csv":
			err = ingesttest.WriteCSV(&buf, c.n, opts)
		case "xml":
			err = ingesttest.WriteXML(&buf, c.n, opts)
		}
		if err != nil {
			b.Fatal(err)
		}
		c.data = buf.Bytes()
	}

	// Empty records and write out every dirty buffer, before each case.
	reset := func() {
		if _, err := s.pool.Exec(ctx, "TRUNCATE records"); err != nil {
			b.Fatal(err)
		}
		if _, err := s.pool.Exec(ctx, "CHECKPOINT"); err != nil {
			b.Fatal(err)
		}
	}
	reset()
	warm, err := s.postV2Format("json", bytes.NewReader(cases[0].data), http.Header{"X-Batch-Status": {"READY"}})
	if err != nil {
		b.Fatal(err)
	}
	warmID, _ := warm["id"].(string)
	s.waitFinishedWithin(b, []string{warmID}, 5*time.Minute)
	if _, err := s.pool.Exec(ctx, "CREATE TABLE records_copy (LIKE records INCLUDING ALL)"); err != nil {
		b.Fatal(err)
	}
	halves := s.exportHalves(b, warmID)
	// The 1M batch's rows, exported after its first run, give PostgreSQL's
	// own growth from 192k to 1M rows: two \copy streams of each.
	var halves1M [2]string

	var copies, copies1M []time.Duration
	var copyCPU float64
	var copyWAL, copyWAL1M walStats
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, c := range cases {
			reset()
			server, db, wal := s.cpuSeconds(b), s.dbCPUSeconds(b), s.walStats(b)
			start := time.Now()
			doc, err := s.postV2Format(c.format, bytes.NewReader(c.data), http.Header{"X-Batch-Status": {"READY"}})
			if err != nil {
				b.Fatal(err)
			}
			c.uploads = append(c.uploads, time.Since(start))
			id, _ := doc["id"].(string)
			c.times = append(c.times, s.waitFinishedWithin(b, []string{id}, 5*time.Minute).Sub(start))
			c.serverCPU += s.cpuSeconds(b) - server
			c.dbCPU += s.dbCPUSeconds(b) - db
			c.wal = c.wal.add(s.walStats(b).sub(wal))
			c.indexBytes = s.indexBytes(b, "records")
			var inserted int
			var processing time.Duration
			if err := s.pool.QueryRow(ctx, "SELECT inserted_count, finished_at - started_at FROM batches WHERE id = $1",
				id).Scan(&inserted, &processing); err != nil {
				b.Fatal(err)
			}
			if inserted != c.n {
				b.Fatalf("%s: %d records inserted, want %d", c.name, inserted, c.n)
			}
			c.processing = append(c.processing, processing)
			if c.n == 1_000_000 && halves1M[0] == "" {
				halves1M = s.exportHalves(b, id)
			}
		}
		if _, err := s.pool.Exec(ctx, "TRUNCATE records"); err != nil {
			b.Fatal(err)
		}
		wal := s.walStats(b)
		took, cpu := s.copyTwoStreams(b, halves)
		copies, copyCPU = append(copies, took), copyCPU+cpu
		copyWAL = copyWAL.add(s.walStats(b).sub(wal))
		if halves1M[0] != "" {
			wal := s.walStats(b)
			took, _ := s.copyTwoStreams(b, halves1M)
			copies1M = append(copies1M, took)
			copyWAL1M = copyWAL1M.add(s.walStats(b).sub(wal))
		}
	}
	b.StopTimer()
	base := median(copies)
	b.ReportMetric(base, "copy2-ms")
	b.ReportMetric(copyCPU/float64(b.N), "copy2-db-CPU-s")
	b.Logf("two \\copy streams: %v; per record %s", copies, copyWAL.perRecord(b.N*cases[0].n))
	if len(copies1M) > 0 {
		b.ReportMetric(median(copies1M)/base, "copy2-1M/192k")
		b.Logf("two \\copy streams of 1M rows: %v; per record %s", copies1M, copyWAL1M.perRecord(len(copies1M)*1_000_000))
	}
	for _, c := range cases {
		m := median(c.times)
		b.ReportMetric(m, c.name+"-ms")
		b.ReportMetric(m/base, c.name+"-ratio")
		b.ReportMetric(median(c.uploads), c.name+"-upload-ms")
		b.ReportMetric(median(c.processing), c.name+"-processing-ms")
		b.ReportMetric(c.serverCPU/float64(b.N), c.name+"-server-CPU-s")
		b.ReportMetric(c.dbCPU/float64(b.N), c.name+"-db-CPU-s")
		b.Logf("%s: %v (upload %v, processing %v); per record %s, %.0f B of indexes",
			c.name, c.times, c.uploads, c.processing, c.wal.perRecord(b.N*c.n), float64(c.indexBytes)/float64(c.n))
	}
	if len(cases) == 4 {
		b.ReportMetric(median(cases[3].times)/median(cases[0].times), "1M/192k")
	}
	b.ReportMetric(float64(s.peakRSS(b))/1e6, "peak-RSS-MB")
}

// postV2Format streams payload as the file part of a v2 upload to the
// starter interface of format.
func (s *benchServer) postV2Format(format string, payload io.Reader, header http.Header) (map[string]any, error) {
	const boundary = "flowbatch-bench-boundary"
	body := io.MultiReader(
		strings.NewReader("--"+boundary+"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"contacts."+format+"\"\r\n"+
			"Content-Type: application/octet-stream\r\n\r\n"),
		payload,
		strings.NewReader("\r\n--"+boundary+"--\r\n"),
	)
	return s.post("/api/v2/interfaces/"+s.ifaces[format]+"/batch", "multipart/form-data; boundary="+boundary, struct{ io.Reader }{body}, header)
}

// exportHalves writes the records of batch id, as COPY text, to two files
// of half the rows each, for copyTwoStreams.
func (s *benchServer) exportHalves(b *testing.B, id string) [2]string {
	b.Helper()
	ctx := context.Background()
	var files [2]string
	var total int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM records WHERE batch_id = $1", id).Scan(&total); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for h := range files {
		files[h] = filepath.Join(dir, "half"+strconv.Itoa(h)+".copy")
		f, err := os.Create(files[h])
		if err != nil {
			b.Fatal(err)
		}
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		lo, hi := h*total/2, (h+1)*total/2
		_, err = conn.Conn().PgConn().CopyTo(ctx, f, fmt.Sprintf(`COPY (SELECT id, account_id, flow_id, batch_id, batch_index, key, data
			FROM records WHERE batch_id = '%s' AND batch_index >= %d AND batch_index < %d ORDER BY batch_index) TO STDOUT`, id, lo, hi))
		conn.Release()
		if err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	return files
}

// copyTwoStreams empties records_copy, checkpoints and loads both files
// into it with two psql \copy processes at once; it returns the time until
// both ended and the CPU time of their backends (sampled every 20 ms: the
// last 20 ms of each may be missed).
func (s *benchServer) copyTwoStreams(b *testing.B, files [2]string) (took time.Duration, dbCPU float64) {
	b.Helper()
	if _, err := s.pool.Exec(context.Background(), "TRUNCATE records_copy"); err != nil {
		b.Fatal(err)
	}
	if _, err := s.pool.Exec(context.Background(), "CHECKPOINT"); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(files))
	start := time.Now()
	for h, file := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command("psql", "-q", "-v", "ON_ERROR_STOP=1", s.dbURL, "-c",
				`\copy records_copy (id, account_id, flow_id, batch_id, batch_index, key, data) FROM '`+file+`'`)
			cmd.Env = append(os.Environ(), "PGAPPNAME="+copyAppName)
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[h] = fmt.Errorf("psql \\copy: %v: %s", err, out)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	cpu := map[int]float64{} // the CPU time last seen of each psql backend
	for sampling := true; sampling; {
		select {
		case <-done:
			sampling = false
		case <-time.After(20 * time.Millisecond):
			rows, err := s.pool.Query(context.Background(), "SELECT pid FROM pg_stat_activity WHERE application_name = $1", copyAppName)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var pid int
				if err := rows.Scan(&pid); err != nil {
					b.Fatal(err)
				}
				if c := procCPUSeconds(pid); c > 0 {
					cpu[pid] = c
				}
			}
			rows.Close()
		}
	}
	took = time.Since(start)
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range cpu {
		dbCPU += c
	}
	return took, dbCPU
}

// walStats are the cluster's WAL counters (pg_stat_wal), its checkpoints and
// the buffers written out by checkpoints and by backends (pg_stat_bgwriter):
// a backend writes a dirty buffer itself when it needs the slot and neither
// the checkpointer nor the background writer has written it.
type walStats struct{ records, fpi, bytes, checkpoints, checkpointBuffers, backendBuffers int64 }

func (w walStats) sub(o walStats) walStats {
	return walStats{w.records - o.records, w.fpi - o.fpi, w.bytes - o.bytes, w.checkpoints - o.checkpoints,
		w.checkpointBuffers - o.checkpointBuffers, w.backendBuffers - o.backendBuffers}
}

func (w walStats) add(o walStats) walStats {
	return walStats{w.records + o.records, w.fpi + o.fpi, w.bytes + o.bytes, w.checkpoints + o.checkpoints,
		w.checkpointBuffers + o.checkpointBuffers, w.backendBuffers + o.backendBuffers}
}

// perRecord describes the WAL and buffer writes per record over n records.
func (w walStats) perRecord(n int) string {
	return fmt.Sprintf("WAL %.0f B in %.2f WAL records, %.3f full-page images; %d checkpoints; 8 KiB buffers written per 1,000 records: %.1f by checkpoints, %.1f by backends",
		float64(w.bytes)/float64(n), float64(w.records)/float64(n), float64(w.fpi)/float64(n), w.checkpoints,
		1000*float64(w.checkpointBuffers)/float64(n), 1000*float64(w.backendBuffers)/float64(n))
}

// walStats reads the WAL and buffer counters (the whole cluster's: the
// machine's other databases write some too).
func (s *benchServer) walStats(b *testing.B) walStats {
	b.Helper()
	var w walStats
	if err := s.pool.QueryRow(context.Background(), `SELECT wal_records, wal_fpi, wal_bytes::bigint,
		checkpoints_timed + checkpoints_req, buffers_checkpoint, buffers_backend FROM pg_stat_wal, pg_stat_bgwriter`).Scan(
		&w.records, &w.fpi, &w.bytes, &w.checkpoints, &w.checkpointBuffers, &w.backendBuffers); err != nil {
		b.Fatal(err)
	}
	return w
}

// indexBytes is the size of table's indexes.
func (s *benchServer) indexBytes(b *testing.B, table string) int64 {
	b.Helper()
	var n int64
	if err := s.pool.QueryRow(context.Background(), "SELECT pg_indexes_size($1::regclass)", table).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// copyAppName names the psql sessions of the baseline in pg_stat_activity.
const copyAppName = "flowbatch-bench-copy"

// dbCPUSeconds sums the user+system CPU time of the database's backends
// that are connected now (the server's pool and River), read from /proc.
func (s *benchServer) dbCPUSeconds(b *testing.B) float64 {
	b.Helper()
	rows, err := s.pool.Query(context.Background(), "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var total float64
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			b.Fatal(err)
		}
		total += procCPUSeconds(pid)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return total
}

// procCPUSeconds is the user+system CPU time of process pid, 0 when it is gone.
func procCPUSeconds(pid int) float64 {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100
}
