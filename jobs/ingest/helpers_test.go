package ingest_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

// result is what readAll saw of one record.
type result struct {
	Index  int
	Line   int
	Offset int64
	Out    string // mapped JSON, "" when the record failed
	Key    string
	Err    string // the FieldError, if any
}

// readAll reads and maps every record of input. It returns the records read and
// the error that stopped the reader, nil at io.EOF.
func readAll(t *testing.T, input string, opts ingest.Options, fields []ingest.Field, keyField string) ([]result, error) {
	t.Helper()
	r, err := ingest.NewReader(strings.NewReader(input), opts)
	require.NoError(t, err)
	m, err := ingest.NewMapper(fields, keyField)
	require.NoError(t, err)
	var res []result
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		x := result{Index: rec.Index, Line: rec.Line, Offset: rec.Offset}
		out, key, err := m.Map(nil, rec)
		if err != nil {
			var fe *ingest.FieldError
			require.ErrorAs(t, err, &fe)
			x.Err = fe.Error()
		} else {
			x.Out, x.Key = string(out), key
		}
		res = append(res, x)
	}
}

// payloadErr asserts err is a *PayloadError and returns it.
func payloadErr(t *testing.T, err error) *ingest.PayloadError {
	t.Helper()
	var pe *ingest.PayloadError
	require.ErrorAs(t, err, &pe)
	return pe
}

func strField(name string) ingest.Field {
	return ingest.Field{Name: name, Source: name, Type: ingest.TypeString}
}
