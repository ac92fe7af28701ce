package ingesttest_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
)

// mapAll returns every record of payload mapped, "error: ..." for failed ones.
func mapAll(t *testing.T, payload []byte, opts ingest.Options) []string {
	t.Helper()
	r, err := ingest.NewReader(bytes.NewReader(payload), opts)
	require.NoError(t, err)
	m, err := ingest.NewMapper(ingesttest.Fields(), ingesttest.KeyField)
	require.NoError(t, err)
	var out []string
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		b, key, err := m.Map(nil, rec)
		if err != nil {
			out = append(out, "error: "+err.Error())
			continue
		}
		require.NotEmpty(t, key)
		out = append(out, string(b))
	}
}

func TestFormatsAgree(t *testing.T) {
	t.Parallel()
	const n = 500
	opts := ingesttest.Options{Seed: 7, BadEvery: 10}
	payloads := map[string][]byte{}
	for name, write := range map[string]func(io.Writer, int, ingesttest.Options) error{
		"json": ingesttest.WriteJSON, "ndjson": ingesttest.WriteNDJSON, "csv": ingesttest.WriteCSV, "xml": ingesttest.WriteXML,
	} {
		var buf bytes.Buffer
		require.NoError(t, write(&buf, n, opts))
		payloads[name] = buf.Bytes()
	}
	want := mapAll(t, payloads["json"], ingest.Options{Format: ingest.FormatJSON})
	require.Len(t, want, n)
	for i, s := range want {
		if ingesttest.IsBad(i, opts) {
			require.Contains(t, s, "error: ")
		} else {
			require.NotContains(t, s, "error: ", "record %d", i)
		}
	}
	require.Equal(t, want, mapAll(t, payloads["ndjson"], ingest.Options{Format: ingest.FormatJSON}))
	require.Equal(t, want, mapAll(t, payloads["csv"], ingest.Options{Format: ingest.FormatCSV, CSVHeader: true}))
	require.Equal(t, want, mapAll(t, payloads["xml"], ingest.Options{Format: ingest.FormatXML, RecordElement: ingesttest.RecordElement}))
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	var a, b, c bytes.Buffer
	require.NoError(t, ingesttest.WriteJSON(&a, 100, ingesttest.Options{Seed: 1}))
	require.NoError(t, ingesttest.WriteJSON(&b, 100, ingesttest.Options{Seed: 1}))
	require.NoError(t, ingesttest.WriteJSON(&c, 100, ingesttest.Options{Seed: 2}))
	require.Equal(t, a.String(), b.String())
	require.NotEqual(t, a.String(), c.String())
	// About 225 bytes a record.
	require.InDelta(t, 235, a.Len()/100, 25)
}
