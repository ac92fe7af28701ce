package ingest_test

import (
	"cmp"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

// endless is a payload that starts with prefix and repeats 'x' forever.
type endless struct {
	prefix string
	fill   byte
}

func (e *endless) Read(p []byte) (int, error) {
	n := copy(p, e.prefix)
	e.prefix = e.prefix[n:]
	for i := n; i < len(p); i++ {
		p[i] = e.fill
	}
	return len(p), nil
}

func TestEndlessRecordIsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prefix string
		fill   byte
		opts   ingest.Options
	}{
		{name: "json string", prefix: `[{"a": 1}, {"a": "`, opts: ingest.Options{Format: ingest.FormatJSON}},
		{name: "json number", prefix: `[{"a": 1}, {"a": 1`, fill: '5', opts: ingest.Options{Format: ingest.FormatJSON}},
		{name: "csv row", prefix: "a\n1\n", opts: ingest.Options{Format: ingest.FormatCSV, CSVHeader: true}},
		{name: "csv quoted", prefix: "a\n1\n\"", opts: ingest.Options{Format: ingest.FormatCSV, CSVHeader: true}},
		{name: "xml text", prefix: "<r><c>1</c><c><a>", opts: ingest.Options{Format: ingest.FormatXML, RecordElement: "c"}},
		{name: "xml attribute", prefix: `<r><c>1</c><c a="`, opts: ingest.Options{Format: ingest.FormatXML, RecordElement: "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.MaxRecordSize = 1 << 20
			r, err := ingest.NewReader(&endless{prefix: tt.prefix, fill: cmp.Or(tt.fill, 'x')}, tt.opts)
			require.NoError(t, err)
			_, err = r.Next()
			require.NoError(t, err)
			_, err = r.Next()
			pe := payloadErr(t, err)
			require.Equal(t, 1, pe.Index)
			require.Contains(t, pe.Msg, "record exceeds the size limit of 1 MiB")
		})
	}
}

func TestReadErrorsAreNotPayloadErrors(t *testing.T) {
	t.Parallel()
	for _, opts := range []ingest.Options{
		{Format: ingest.FormatJSON},
		{Format: ingest.FormatCSV},
		{Format: ingest.FormatXML, RecordElement: "c"},
	} {
		r, err := ingest.NewReader(io.MultiReader(strings.NewReader("[{"), iotestErrReader{}), opts)
		require.NoError(t, err)
		_, err = r.Next()
		require.ErrorIs(t, err, errBroken, string(opts.Format))
		var pe *ingest.PayloadError
		require.NotErrorAs(t, err, &pe)
	}
}

var errBroken = io.ErrClosedPipe

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errBroken }
