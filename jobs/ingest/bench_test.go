package ingest_test

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
)

const benchRecords = 192_000

var (
	benchOnce  sync.Once
	benchInput map[string][]byte
)

func benchPayloads(b *testing.B) map[string][]byte {
	benchOnce.Do(func() {
		benchInput = map[string][]byte{}
		writers := map[string]func(io.Writer, int, ingesttest.Options) error{
			"json":   ingesttest.WriteJSON,
			"ndjson": ingesttest.WriteNDJSON,
			"csv":    ingesttest.WriteCSV,
			"xml":    ingesttest.WriteXML,
		}
		for name, write := range writers {
			var buf bytes.Buffer
			if err := write(&buf, benchRecords, ingesttest.Options{Seed: 1}); err != nil {
				b.Fatal(err)
			}
			benchInput[name] = buf.Bytes()
		}
	})
	return benchInput
}

func benchReadMap(b *testing.B, payload string, opts ingest.Options) {
	benchReadMapBytes(b, benchPayloads(b)[payload], opts)
}

func benchReadMapBytes(b *testing.B, input []byte, opts ingest.Options) {
	m, err := ingest.NewMapper(ingesttest.Fields(), ingesttest.KeyField)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	var out []byte
	for b.Loop() {
		r, err := ingest.NewReader(bytes.NewReader(input), opts)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			out, _, err = m.Map(out[:0], rec)
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
		if n != benchRecords {
			b.Fatalf("read %d records, want %d", n, benchRecords)
		}
	}
	b.ReportMetric(float64(benchRecords)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkReadMapJSON192k(b *testing.B) {
	benchReadMap(b, "json", ingest.Options{Format: ingest.FormatJSON})
}

func BenchmarkReadMapNDJSON192k(b *testing.B) {
	benchReadMap(b, "ndjson", ingest.Options{Format: ingest.FormatJSON})
}

func BenchmarkReadMapCSV192k(b *testing.B) {
	benchReadMap(b, "csv", ingest.Options{Format: ingest.FormatCSV, CSVHeader: true})
}

func BenchmarkReadMapXML192k(b *testing.B) {
	benchReadMap(b, "xml", ingest.Options{Format: ingest.FormatXML, RecordElement: ingesttest.RecordElement})
}
