package jobs_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

// BenchmarkIngestReaders measures, as BenchmarkIngest does (enqueue to
// FINISHED, a `flowbatch worker` process, medians, the worker's peak RSS),
// the same 192k contacts read three ways: CSV in UTF-8 with accented names
// and the interface's exact header (the baseline), the same records in
// Windows-1252 with a vendor's header under the auto encoding (found not
// UTF-8 by the validation pass, read again and decoded in both passes;
// columns matched normalised), and an XLSX workbook of the same rows.
func BenchmarkIngestReaders(b *testing.B) {
	tb := setup(b)
	const n = 192000
	text, rows := accentedContacts(b, n)
	header, body, _ := bytes.Cut(text, []byte("\n"))
	// Characters Windows-1252 lacks become '?' in both files, which then
	// hold the same records. The UTF-8 file has the interface's exact
	// header; the Windows-1252 file a vendor's ("External ID" for
	// external_id), which the run matches normalised.
	body1252, err := encoding.ReplaceUnsupported(charmap.Windows1252.NewEncoder()).Bytes(body)
	require.NoError(b, err)
	bodyUTF8, err := charmap.Windows1252.NewDecoder().Bytes(body1252)
	require.NoError(b, err)
	utf8CSV := slices.Concat(header, []byte("\n"), bodyUTF8)
	cp1252 := slices.Concat(vendorHeader(header), []byte("\n"), body1252)
	// The two CSV files are run alternately on one worker, so that drift in
	// the machine's speed falls on both alike.
	b.Run("csv-utf8-vs-1252-192k", func(b *testing.B) {
		iface := tb.newInterface(b, models.FormatCSV)
		worker := tb.startWorkerProcess(b)
		var utf8Times, cp1252Times []time.Duration
		for b.Loop() {
			for range 5 {
				utf8Times = append(utf8Times, runReaderCase(b, tb, iface, utf8CSV, n))
				cp1252Times = append(cp1252Times, runReaderCase(b, tb, iface, cp1252, n))
			}
		}
		b.ReportMetric(float64(peakRSS(b, worker.Process.Pid))/(1<<20), "peak-rss-MB")
		stopWorker(b, worker)
		slices.Sort(utf8Times)
		slices.Sort(cp1252Times)
		mid := len(utf8Times) / 2
		b.ReportMetric(utf8Times[mid].Seconds(), "utf8-median-s")
		b.ReportMetric(cp1252Times[mid].Seconds(), "1252-median-s")
		b.ReportMetric(cp1252Times[mid].Seconds()/utf8Times[mid].Seconds(), "ratio")
		b.Logf("UTF-8, exact header: %v", utf8Times)
		b.Logf("Windows-1252, vendor header: %v", cp1252Times)
	})
	b.Run("xlsx-192k", func(b *testing.B) {
		book := contactsWorkbook(b, rows)
		iface := tb.newInterface(b, models.FormatXLSX)
		worker := tb.startWorkerProcess(b)
		var times []time.Duration
		for b.Loop() {
			for range 3 {
				times = append(times, runReaderCase(b, tb, iface, book, n))
			}
		}
		b.ReportMetric(float64(peakRSS(b, worker.Process.Pid))/(1<<20), "peak-rss-MB")
		stopWorker(b, worker)
		reportMedian(b, times)
		b.ReportMetric(float64(len(book))/(1<<20), "input-MB")
		b.Logf("xlsx: runs %v", times)
	})
}

// runReaderCase runs one batch of data on an empty records table and returns
// its time from READY to FINISHED.
func runReaderCase(b *testing.B, tb *testBundle, iface *models.Interface, data []byte, n int) time.Duration {
	_, err := tb.db.Pool.Exec(context.Background(), "TRUNCATE records")
	require.NoError(b, err)
	last := tb.run(b, tb.newBatch(b, iface, data))
	require.Equal(b, models.StatusFinished, last.Status, last.ErrorMessage)
	require.EqualValues(b, n, last.InsertedCount)
	return last.FinishedAt.Sub(*last.ReadyAt)
}

// stopWorker kills a worker process started by startWorkerProcess.
func stopWorker(b *testing.B, worker *exec.Cmd) {
	require.NoError(b, worker.Process.Kill())
	_ = worker.Wait()
}

// accentedContacts is ingesttest's CSV of n contacts with French and German
// letters, Windows-1252's € and œ in the names and notes; it returns the
// UTF-8 text and its rows.
func accentedContacts(b *testing.B, n int) ([]byte, [][]string) {
	rows, err := csv.NewReader(bytes.NewReader(payload(b, models.FormatCSV, n, ingesttest.Options{Seed: 1}))).ReadAll()
	require.NoError(b, err)
	for _, row := range rows[1:] {
		row[1] += "-Hélène"
		row[2] = "Groß" + row[2]
		row[9] += " – œuvre à 12 €"
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	require.NoError(b, w.WriteAll(rows))
	return buf.Bytes(), rows
}

// vendorHeader writes a CSV header line as a vendor's export would:
// "external_id,first_name" becomes "External ID,First Name".
func vendorHeader(header []byte) []byte {
	names := strings.Split(string(header), ",")
	for i, name := range names {
		words := strings.Split(name, "_")
		for j, w := range words {
			if w == "id" {
				words[j] = "ID"
			} else if w != "" {
				words[j] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		names[i] = strings.Join(words, " ")
	}
	return []byte(strings.Join(names, ","))
}

// contactsWorkbook writes rows into the first sheet of a workbook with
// excelize's stream writer, integers and numbers as numbers.
func contactsWorkbook(b *testing.B, rows [][]string) []byte {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	require.NoError(b, err)
	for i, row := range rows {
		cells := make([]any, len(row))
		for j, v := range row {
			cells[j] = v
			if i > 0 && (j == 4 || j == 5) {
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					cells[j] = x
				}
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		require.NoError(b, err)
		require.NoError(b, sw.SetRow(cell, cells))
	}
	require.NoError(b, sw.Flush())
	buf, err := f.WriteToBuffer()
	require.NoError(b, err)
	return buf.Bytes()
}
