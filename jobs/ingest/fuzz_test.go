package ingest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

// fuzzMaxRecord keeps fuzzed records small so that the size limit is exercised.
const fuzzMaxRecord = 4096

// fuzzFields maps values of every type, from plain and dotted sources.
func fuzzFields(sources ...string) []ingest.Field {
	types := []ingest.FieldType{ingest.TypeString, ingest.TypeInteger, ingest.TypeNumber, ingest.TypeBoolean, ingest.TypeDate, ingest.TypeDatetime}
	var fields []ingest.Field
	for i, src := range sources {
		fields = append(fields, ingest.Field{Name: "f" + src, Source: src, Type: types[i%len(types)]})
	}
	return fields
}

// drain reads and maps every record of data, checks each mapped document is
// valid JSON, and returns the error that stopped the reader (nil at io.EOF).
func drain(t *testing.T, data []byte, opts ingest.Options, fields []ingest.Field) error {
	t.Helper()
	// One byte a read exercises every refill path of the readers.
	r, err := ingest.NewReader(iotest.OneByteReader(bytes.NewReader(data)), opts)
	require.NoError(t, err)
	m, err := ingest.NewMapper(fields, "")
	require.NoError(t, err)
	var out []byte
	for i := 0; ; i++ {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *ingest.PayloadError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, i, pe.Index)
			require.LessOrEqual(t, pe.Offset, int64(len(data)))
			_, err2 := r.Next()
			require.Equal(t, err, err2, "errors are sticky")
			return err
		}
		require.Equal(t, i, rec.Index)
		out, _, err = m.Map(out[:0], rec)
		if err != nil {
			var fe *ingest.FieldError
			require.ErrorAs(t, err, &fe)
			require.LessOrEqual(t, len(fe.Value), 204)
			continue
		}
		require.True(t, json.Valid(out), "mapped %q to invalid JSON %q", data, out)
	}
}

func FuzzJSONReader(f *testing.F) {
	for _, s := range []string{
		`[{"a": 1, "b": {"c": "x"}}, {"a": "2024-01-02"}]`,
		`{"a": true}` + "\n" + `{"b": [1, 2]}`,
		`[1, "x", null, {"a": "\u00e9\ud83d\ude00\"\\"}]`,
		`[{"a": 1e5, "b": -0.5E-3, "c": "2024-05-06T07:08:09+02:00"}]`,
	} {
		f.Add([]byte(s))
	}
	fields := fuzzFields("a", "b", "b.c", "c", "a.b", "d")
	f.Fuzz(func(t *testing.T, data []byte) {
		err := drain(t, data, ingest.Options{Format: ingest.FormatJSON, MaxRecordSize: fuzzMaxRecord}, fields)
		first := bytes.TrimLeft(data, " \t\r\n")
		if len(first) == 0 || first[0] != '[' {
			return
		}
		// A top-level array is valid exactly when encoding/json says so.
		valid := json.Valid(data)
		if err == nil {
			require.True(t, valid, "accepted invalid JSON %q", data)
			return
		}
		msg := err.(*ingest.PayloadError).Msg
		if msg == "no records found" || strings.Contains(msg, "size limit") || strings.Contains(msg, "max depth") {
			return
		}
		require.False(t, valid, "refused valid JSON %q: %v", data, err)
	})
}

func FuzzJSONRecordsPath(f *testing.F) {
	f.Add([]byte(`{"x": [1], "data": {"items": [{"a": 1}], "y": {}}, "z": null}`))
	f.Add([]byte(`{"data": {"items": {"a": 1}}}`))
	fields := fuzzFields("a", "b")
	f.Fuzz(func(t *testing.T, data []byte) {
		err := drain(t, data, ingest.Options{Format: ingest.FormatJSON, RecordsPath: "data.items", MaxRecordSize: fuzzMaxRecord}, fields)
		if err == nil {
			require.True(t, json.Valid(bytes.TrimPrefix(data, []byte("\uFEFF"))), "accepted invalid JSON %q", data)
		}
	})
}

func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{
		"a,b,c\n1,2024-01-02,x\n\"q\"\"uote\",\"multi\nline\",3\r\n",
		"\uFEFFa;b\n1;2\n",
		"a,\"open\n",
		"1,2,3\n4,5\n6,7,8,9\n",
	} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, header bool) {
		fields := fuzzFields("1", "2", "3")
		if header {
			fields = fuzzFields("a", "b", "c")
		}
		_ = drain(t, data, ingest.Options{Format: ingest.FormatCSV, CSVHeader: header, MaxRecordSize: fuzzMaxRecord}, fields)
	})
}

func FuzzXMLReader(f *testing.F) {
	for _, s := range []string{
		`<?xml version="1.0"?><r><c id="1"><a>x &amp; y</a><b><c>2</c></b></c></r>`,
		`<r><c><a><![CDATA[<x>]]></a></c><c a="&lt;"/></r>`,
		`<!DOCTYPE r><r/>`,
		`<?xml version="1.0" encoding="latin1"?><r/>`,
		`<r><c><a>1</b></c></r>`,
	} {
		f.Add([]byte(s))
	}
	fields := fuzzFields("a", "@id", "b.c", "b", "@a", "c")
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = drain(t, data, ingest.Options{Format: ingest.FormatXML, RecordElement: "c", MaxRecordSize: fuzzMaxRecord}, fields)
	})
}

func FuzzMapper(f *testing.F) {
	for _, s := range []string{"x", "42", "-1.5e3", "yes", "2024-02-29", "2024-05-06T07:08:09.5-03:30", "a\x00b", "\xff", " 7 "} {
		f.Add(s)
	}
	types := []ingest.FieldType{ingest.TypeString, ingest.TypeInteger, ingest.TypeNumber, ingest.TypeBoolean, ingest.TypeDate, ingest.TypeDatetime}
	f.Fuzz(func(t *testing.T, s string) {
		// The value as a CSV column, then as a JSON string.
		var csvBuf bytes.Buffer
		csvBuf.WriteString(`"`)
		csvBuf.WriteString(strings.ReplaceAll(s, `"`, `""`))
		csvBuf.WriteString("\"\n")
		quoted, err := json.Marshal(s)
		require.NoError(t, err)
		for _, typ := range types {
			fields := []ingest.Field{{Name: "v", Source: "1", Type: typ}}
			_ = drain(t, csvBuf.Bytes(), ingest.Options{Format: ingest.FormatCSV}, fields)
			fields[0].Source = "v"
			_ = drain(t, []byte(`[{"v":`+string(quoted)+`}]`), ingest.Options{Format: ingest.FormatJSON}, fields)
		}
		// A string survives the trip unchanged, unless it is refused.
		r, err := ingest.NewReader(bytes.NewReader([]byte(`[{"v":`+string(quoted)+`}]`)), ingest.Options{Format: ingest.FormatJSON})
		require.NoError(t, err)
		rec, err := r.Next()
		require.NoError(t, err)
		m, err := ingest.NewMapper([]ingest.Field{{Name: "v", Source: "v", Type: ingest.TypeString}}, "v")
		require.NoError(t, err)
		out, key, err := m.Map(nil, rec)
		if err != nil || s == "" || !utf8.ValidString(s) {
			return
		}
		var doc map[string]string
		require.NoError(t, json.Unmarshal(out, &doc))
		require.Equal(t, s, doc["v"])
		require.Equal(t, s, key)
	})
}
