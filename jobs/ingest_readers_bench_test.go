package jobs_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
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
// FINISHED, a `flowbatch worker` process, medians of 3 runs, the worker's
// peak RSS), the same 192k contacts read three ways: CSV in UTF-8 with
// accented names (the baseline), the same text in Windows-1252 under the
// auto encoding (found not UTF-8 by the validation pass, read again and
// decoded in both passes), and an XLSX workbook of the same rows.
func BenchmarkIngestReaders(b *testing.B) {
	tb := setup(b)
	const n = 192000
	text, rows := accentedContacts(b, n)
	// Characters Windows-1252 lacks become '?' in both files, which then
	// hold the same text.
	cp1252, err := encoding.ReplaceUnsupported(charmap.Windows1252.NewEncoder()).Bytes(text)
	require.NoError(b, err)
	utf8CSV, err := charmap.Windows1252.NewDecoder().Bytes(cp1252)
	require.NoError(b, err)
	book := contactsWorkbook(b, rows)
	for _, bc := range []struct {
		name   string
		format models.Format
		data   []byte
	}{
		{"csv-utf8-192k", models.FormatCSV, utf8CSV},
		{"csv-1252-192k", models.FormatCSV, cp1252},
		{"xlsx-192k", models.FormatXLSX, book},
	} {
		b.Run(bc.name, func(b *testing.B) {
			iface := tb.newInterface(b, bc.format)
			worker := tb.startWorkerProcess(b)
			var times []time.Duration
			for b.Loop() {
				for range 3 {
					_, err := tb.db.Pool.Exec(context.Background(), "TRUNCATE records")
					require.NoError(b, err)
					last := tb.run(b, tb.newBatch(b, iface, bc.data))
					require.Equal(b, models.StatusFinished, last.Status, last.ErrorMessage)
					require.EqualValues(b, n, last.InsertedCount)
					times = append(times, last.FinishedAt.Sub(*last.ReadyAt))
				}
			}
			b.ReportMetric(float64(peakRSS(b, worker.Process.Pid))/(1<<20), "peak-rss-MB")
			require.NoError(b, worker.Process.Kill())
			_ = worker.Wait()
			reportMedian(b, times)
			b.ReportMetric(float64(len(bc.data))/(1<<20), "input-MB")
			b.Logf("%s: runs %v", bc.name, times)
		})
	}
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
