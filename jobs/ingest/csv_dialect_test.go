package ingest_test

import (
	"bytes"
	"encoding/csv"
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

func TestCSVDialects(t *testing.T) {
	t.Parallel()
	fields := []ingest.Field{strField("id"), strField("name")}
	want := []result{
		{Index: 0, Line: 2, Out: `{"id":"1","name":"Ann, Lee"}`},
		{Index: 1, Line: 3, Out: `{"id":"2","name":"Bo"}`},
	}
	tests := []struct {
		name  string
		input string
		opts  ingest.Options
	}{
		{"comma", "id,name\n1,\"Ann, Lee\"\n2,Bo\n", ingest.Options{}},
		{"semicolon sniffed", "id;name\n1;Ann, Lee\n2;Bo\n", ingest.Options{CSVDelimiter: ingest.DelimiterAuto}},
		{"tab sniffed", "id\tname\n1\tAnn, Lee\n2\tBo\n", ingest.Options{CSVDelimiter: ingest.DelimiterAuto}},
		{"pipe sniffed", "id|name\n1|Ann, Lee\n2|Bo\n", ingest.Options{CSVDelimiter: ingest.DelimiterAuto}},
		{"pipe set", "id|name\n1|Ann, Lee\n2|Bo\n", ingest.Options{CSVDelimiter: '|'}},
		{"CR line ends", "id,name\r1,\"Ann, Lee\"\r2,Bo\r", ingest.Options{}},
		{"CR line ends, no last", "id;name\r1;Ann, Lee\r2;Bo", ingest.Options{CSVDelimiter: ingest.DelimiterAuto}},
		{"CRLF line ends", "id,name\r\n1,\"Ann, Lee\"\r\n2,Bo\r\n", ingest.Options{}},
		{"trailing empty line", "id,name\n1,\"Ann, Lee\"\n2,Bo\n\n", ingest.Options{}},
		{"trailing empty line CRLF", "id,name\r\n1,\"Ann, Lee\"\r\n2,Bo\r\n\r\n", ingest.Options{}},
		{"trailing empty line CR", "id,name\r1,\"Ann, Lee\"\r2,Bo\r\r", ingest.Options{}},
		{"single quote", "id;name\n1;'Ann, Lee'\n2;Bo\n", ingest.Options{CSVDelimiter: ingest.DelimiterAuto, CSVQuote: '\''}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := tc.opts
			opts.Format, opts.CSVHeader = ingest.FormatCSV, true
			res, err := readAll(t, tc.input, opts, fields, "")
			require.NoError(t, err)
			for i := range res {
				res[i].Offset = 0
			}
			require.Equal(t, want, res)
		})
	}
}

func TestCSVSingleQuote(t *testing.T) {
	t.Parallel()
	input := "note,said\n'it''s, fine','say \"hi\"'\nplain \"quoted\",x\n"
	opts := ingest.Options{Format: ingest.FormatCSV, CSVHeader: true, CSVQuote: '\''}
	res, err := readAll(t, input, opts, []ingest.Field{strField("note"), strField("said")}, "")
	require.NoError(t, err)
	require.Equal(t, `{"note":"it's, fine","said":"say \"hi\""}`, res[0].Out)
	require.Equal(t, `{"note":"plain \"quoted\"","said":"x"}`, res[1].Out)

	_, err = readAll(t, "note\n'open\n", opts, []ingest.Field{strField("note")}, "")
	require.Equal(t, "extraneous or missing ' in quoted field (column 7)", payloadErr(t, err).Msg)
	_, err = readAll(t, "note\nO'Brien\n", opts, []ingest.Field{strField("note")}, "")
	require.Equal(t, "bare ' in unquoted field (column 2); quote the field and double its quotes", payloadErr(t, err).Msg)
}

func TestCSVWithoutHeader(t *testing.T) {
	t.Parallel()
	opts := ingest.Options{Format: ingest.FormatCSV, CSVDelimiter: ingest.DelimiterAuto}
	fields := []ingest.Field{
		{Name: "id", Source: "column_1", Type: ingest.TypeInteger},
		{Name: "name", Source: "2", Type: ingest.TypeString},
	}
	res, err := readAll(t, "1;Ann\r2;Bo\r", opts, fields, "")
	require.NoError(t, err)
	require.Equal(t, []result{
		{Index: 0, Line: 1, Offset: 0, Out: `{"id":1,"name":"Ann"}`},
		{Index: 1, Line: 2, Offset: 6, Out: `{"id":2,"name":"Bo"}`},
	}, res)
}

// A lone CR inside a quoted field of a CR-only file is a line break in the
// value, as a lone LF is in an LF file.
func TestCSVCRInsideQuotes(t *testing.T) {
	t.Parallel()
	res, err := readAll(t, "a,b\r\"x\ry\",2\r", ingest.Options{Format: ingest.FormatCSV, CSVHeader: true},
		[]ingest.Field{strField("a"), strField("b")}, "")
	require.NoError(t, err)
	require.Equal(t, []result{{Index: 0, Line: 2, Offset: 4, Out: `{"a":"x\ny","b":"2"}`}}, res)
}

// crReference is what the CR converter must produce: each CR not followed
// by LF becomes LF.
func crReference(b []byte) []byte {
	out := bytes.Clone(b)
	for i, c := range out {
		if c == '\r' && (i+1 == len(out) || out[i+1] != '\n') {
			out[i] = '\n'
		}
	}
	return out
}

// FuzzCSVCRLineEnds reads a CR-only payload in pieces of one byte and checks
// the records against encoding/csv reading the reference conversion.
func FuzzCSVCRLineEnds(f *testing.F) {
	for _, s := range []string{"a,b\r1,2\r", "a\r\"x\ry\"\r", "a\r\r\r1", "a,b\r1,2\r\n3,4\r"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.IndexByte(data, '\n') >= 0 || bytes.IndexByte(data, '\r') < 0 || len(data) > ingest.SniffSize {
			return // not CR-only as the reader sees it
		}
		ref := csv.NewReader(bytes.NewReader(crReference(data)))
		ref.FieldsPerRecord = -1
		var want [][]string
		var wantErr error
		for {
			row, err := ref.Read()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					wantErr = err
				}
				break
			}
			want = append(want, row)
		}
		r, err := ingest.NewReader(iotest.OneByteReader(bytes.NewReader(data)), ingest.Options{Format: ingest.FormatCSV, CSVHeader: true})
		require.NoError(t, err)
		got := 0
		for {
			_, err := r.Next()
			if err != nil {
				if wantErr != nil {
					var pe *ingest.PayloadError
					require.ErrorAs(t, err, &pe)
				}
				break
			}
			got++
		}
		if wantErr == nil && len(want) > 0 {
			require.Equal(t, len(want)-1, got, "records after the header")
		}
	})
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		head string
		opts ingest.Options
		want ingest.Detected
	}{
		{"json array", "  [ {\"a\":1}]", ingest.Options{}, ingest.Detected{Format: ingest.FormatJSON, Encoding: ingest.EncodingUTF8, Quote: '"'}},
		{"ndjson", "{\"a\":1}\n{\"a\":2}\n", ingest.Options{}, ingest.Detected{Format: ingest.FormatJSON, Encoding: ingest.EncodingUTF8, Quote: '"'}},
		{"xml", "\xEF\xBB\xBF<?xml version=\"1.0\"?><a/>", ingest.Options{}, ingest.Detected{Format: ingest.FormatXML, Encoding: ingest.EncodingUTF8, Quote: '"'}},
		{"xml element", "\n<contacts>", ingest.Options{}, ingest.Detected{Format: ingest.FormatXML, Encoding: ingest.EncodingUTF8, Quote: '"'}},
		{"xlsx", "PK\x03\x04\x14\x00", ingest.Options{}, ingest.Detected{Format: ingest.FormatXLSX, Encoding: ingest.EncodingUTF8, Quote: '"'}},
		{"encrypted xlsx", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", ingest.Options{}, ingest.Detected{Format: ingest.FormatXLSX, Encoding: ingest.EncodingUTF8, Quote: '"'}},
		{"csv with bracket header", "[id],name\n1,x\n", ingest.Options{CSVDelimiter: ingest.DelimiterAuto, CSVHeader: true},
			ingest.Detected{Format: ingest.FormatCSV, Encoding: ingest.EncodingUTF8, Delimiter: ',', Quote: '"', HasHeader: true, LineEnd: "LF", Columns: []string{"[id]", "name"}}},
		{"csv starting with <", "< 5;name\r\n1;x\r\n", ingest.Options{CSVDelimiter: ingest.DelimiterAuto, CSVHeader: true},
			ingest.Detected{Format: ingest.FormatCSV, Encoding: ingest.EncodingUTF8, Delimiter: ';', Quote: '"', HasHeader: true, LineEnd: "CRLF", Columns: []string{"< 5", "name"}}},
		{"csv tab no header", "1\t2024-01-02\tx\r2\t2024-01-03\ty\r", ingest.Options{CSVDelimiter: ingest.DelimiterAuto},
			ingest.Detected{Format: ingest.FormatCSV, Encoding: ingest.EncodingUTF8, Delimiter: '\t', Quote: '"', LineEnd: "CR", Columns: []string{"column_1", "column_2", "column_3"}}},
		{"csv latin-1", "name|city\nJ\xFCrgen|K\xF6ln\n", ingest.Options{CSVDelimiter: ingest.DelimiterAuto, CSVHeader: true, Encoding: ingest.EncodingAuto},
			ingest.Detected{Format: ingest.FormatCSV, Encoding: ingest.EncodingWindows1252, Delimiter: '|', Quote: '"', HasHeader: true, LineEnd: "LF", Columns: []string{"name", "city"}}},
		{"csv quoted delimiters", "a,b\n\"x;y;z\",1\n\"p;q;r\",2\n", ingest.Options{CSVDelimiter: ingest.DelimiterAuto, CSVHeader: true},
			ingest.Detected{Format: ingest.FormatCSV, Encoding: ingest.EncodingUTF8, Delimiter: ',', Quote: '"', HasHeader: true, LineEnd: "LF", Columns: []string{"a", "b"}}},
		{"json in utf-16", "\xFF\xFE[\x00{\x00", ingest.Options{}, ingest.Detected{Format: ingest.FormatJSON, Encoding: ingest.EncodingUTF16LE, Quote: '"'}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ingest.Sniff([]byte(tc.head), tc.opts)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	_, err := ingest.Sniff([]byte("a"), ingest.Options{Encoding: "ebcdic"})
	require.Error(t, err)
}

// FuzzSniffDelimiter writes rows from the fuzzer's cells with each candidate
// delimiter through encoding/csv and requires Sniff to find it; on the raw
// bytes it requires a candidate and a reader that accepts it.
func FuzzSniffDelimiter(f *testing.F) {
	f.Add([]byte("id,name;x|y\tz"), uint8(2), uint8(3))
	f.Add([]byte("a\"b\nc"), uint8(3), uint8(2))
	f.Add([]byte(""), uint8(2), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, cols, rows uint8) {
		d, err := ingest.Sniff(data, ingest.Options{Format: ingest.FormatCSV, CSVDelimiter: ingest.DelimiterAuto, Encoding: ingest.EncodingAuto})
		require.NoError(t, err)
		if d.Format == ingest.FormatCSV {
			require.Contains(t, []rune{',', ';', '\t', '|'}, d.Delimiter)
			res, err := readAll(t, string(data), ingest.Options{Format: ingest.FormatCSV, CSVDelimiter: d.Delimiter, Encoding: ingest.EncodingUTF8}, []ingest.Field{strField("1")}, "")
			if err != nil {
				payloadErr(t, err)
			} else {
				require.NotEmpty(t, res)
			}
		}

		nc, nr := int(cols%6)+2, int(rows%8)+1
		words := strings.FieldsFunc(string(data), func(r rune) bool { return strings.ContainsRune(",;\t|\r\n\"", r) })
		for _, delim := range []rune{',', ';', '\t', '|'} {
			var buf bytes.Buffer
			w := csv.NewWriter(&buf)
			w.Comma = delim
			k := 0
			for range nr {
				row := make([]string, nc)
				for c := range row {
					if len(words) > 0 {
						row[c] = words[k%len(words)]
						k++
					}
				}
				require.NoError(t, w.Write(row))
			}
			w.Flush()
			if ingest.SniffFormat(buf.Bytes()) != ingest.FormatCSV {
				continue
			}
			got := ingest.SniffDelimiter(buf.Bytes(), '"')
			require.Equal(t, string(delim), string(got), "rows:\n%s", buf.String())
		}
	})
}

// writeQuoted writes rows as CSV quoted with q, the way encoding/csv's
// Writer does with '"': a field with the delimiter, q, a line break or
// leading space is quoted, q inside doubled.
func writeQuoted(rows [][]string, q byte) string {
	var b strings.Builder
	for _, row := range rows {
		for i, f := range row {
			if i > 0 {
				b.WriteByte(',')
			}
			if f == "" || !strings.ContainsAny(f, ",\r\n"+string(q)) && f[0] != ' ' {
				b.WriteString(f)
				continue
			}
			b.WriteByte(q)
			b.WriteString(strings.ReplaceAll(f, string(q), string(q)+string(q)))
			b.WriteByte(q)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// FuzzCSVSingleQuoteRoundTrip writes the fuzzer's fields quoted with '
// (any '"' inside them left as data) and requires the reader, set to that
// quote, to give them back: the byte swap it reads through must keep every
// field's value and the row structure.
func FuzzCSVSingleQuoteRoundTrip(f *testing.F) {
	f.Add("it's", "say \"hi\", then", "a\nb")
	f.Add("''", "\"", ",")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, s := range []string{a, b, c} {
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\r\x00") {
				return // encoding/csv itself drops CR in quoted fields
			}
		}
		rows := [][]string{{"a", "b", "c"}, {a, b, c}, {c, a, b}}
		if rows[1][0] == "" && rows[1][1] == "" && rows[1][2] == "" {
			return // an empty line is skipped
		}
		input := writeQuoted(rows, '\'')
		got, err := readAll(t, input, ingest.Options{Format: ingest.FormatCSV, CSVHeader: true, CSVQuote: '\''},
			[]ingest.Field{strField("a"), strField("b"), strField("c")}, "")
		require.NoError(t, err, input)
		require.Len(t, got, 2, input)
		for i, want := range rows[1:] {
			m := map[string]string{}
			require.NoError(t, json.Unmarshal([]byte(got[i].Out), &m), input)
			for k, col := range []string{"a", "b", "c"} {
				require.Equal(t, want[k], m[col], input)
			}
		}
	})
}
