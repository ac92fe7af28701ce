package ingest_test

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

var (
	readersOnce  sync.Once
	readersInput map[string][]byte
)

// readerPayloads are the 192k contacts of benchPayloads with accented names
// and notes: "csv-utf8" and the same text as "csv-1252", and "xlsx", a
// workbook of the same rows.
func readerPayloads(b *testing.B) map[string][]byte {
	readersOnce.Do(func() {
		rows, err := csv.NewReader(bytes.NewReader(benchPayloads(b)["csv"])).ReadAll()
		if err != nil {
			b.Fatal(err)
		}
		for _, row := range rows[1:] {
			row[1] += "-Hélène"
			row[2] = "Groß" + row[2]
			row[9] += " – œuvre à 12 €"
		}
		var buf bytes.Buffer
		if err := csv.NewWriter(&buf).WriteAll(rows); err != nil {
			b.Fatal(err)
		}
		cp1252, err := encoding.ReplaceUnsupported(charmap.Windows1252.NewEncoder()).Bytes(buf.Bytes())
		if err != nil {
			b.Fatal(err)
		}
		utf8CSV, err := charmap.Windows1252.NewDecoder().Bytes(cp1252)
		if err != nil {
			b.Fatal(err)
		}
		f := excelize.NewFile()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		for i, row := range rows {
			cells := make([]any, len(row))
			for j, v := range row {
				cells[j] = v
				if x, err := strconv.ParseFloat(v, 64); err == nil && i > 0 && (j == 4 || j == 5) {
					cells[j] = x
				}
			}
			if err := sw.SetRow("A"+strconv.Itoa(i+1), cells); err != nil {
				b.Fatal(err)
			}
		}
		if err := sw.Flush(); err != nil {
			b.Fatal(err)
		}
		book, err := f.WriteToBuffer()
		if err != nil {
			b.Fatal(err)
		}
		readersInput = map[string][]byte{"csv-utf8": utf8CSV, "csv-1252": cp1252, "xlsx": book.Bytes()}
	})
	return readersInput
}

func BenchmarkReadMapCSVUTF8Auto192k(b *testing.B) {
	benchReadMapBytes(b, readerPayloads(b)["csv-utf8"], ingest.Options{Format: ingest.FormatCSV, CSVHeader: true, Encoding: ingest.EncodingAuto})
}

func BenchmarkReadMapCSVWindows1252192k(b *testing.B) {
	benchReadMapBytes(b, readerPayloads(b)["csv-1252"], ingest.Options{Format: ingest.FormatCSV, CSVHeader: true, Encoding: ingest.EncodingWindows1252})
}

func BenchmarkReadMapXLSX192k(b *testing.B) {
	benchReadMapBytes(b, readerPayloads(b)["xlsx"], ingest.Options{Format: ingest.FormatXLSX, CSVHeader: true})
}
