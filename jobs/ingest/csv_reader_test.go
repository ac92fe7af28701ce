package ingest_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

func TestCSVReaderRecords(t *testing.T) {
	t.Parallel()
	named := []ingest.Field{strField("id"), strField("note"), {Name: "n", Source: "n", Type: ingest.TypeInteger}}
	numbered := []ingest.Field{
		{Name: "id", Source: "1", Type: ingest.TypeString},
		{Name: "note", Source: "2", Type: ingest.TypeString},
		{Name: "n", Source: "3", Type: ingest.TypeInteger},
	}
	tests := []struct {
		name   string
		input  string
		delim  rune
		header bool
		fields []ingest.Field
		want   []result
	}{
		{
			name:   "header",
			input:  "id,note,n\na,hello,1\nb,,2\n",
			header: true,
			fields: named,
			want: []result{
				{Index: 0, Line: 2, Offset: 10, Out: `{"id":"a","note":"hello","n":1}`, Key: "a"},
				{Index: 1, Line: 3, Offset: 20, Out: `{"id":"b","n":2}`, Key: "b"},
			},
		},
		{
			name:   "header columns in another order, with spaces and BOM",
			input:  "\uFEFFn, note ,id\r\n1,x,a\r\n",
			header: true,
			fields: named,
			want:   []result{{Index: 0, Line: 2, Offset: 16, Out: `{"id":"a","note":"x","n":1}`, Key: "a"}},
		},
		{
			name:   "no header, numbered columns",
			input:  "a,hello,1\nb,bye,2",
			fields: numbered,
			want: []result{
				{Index: 0, Line: 1, Offset: 0, Out: `{"id":"a","note":"hello","n":1}`, Key: "a"},
				{Index: 1, Line: 2, Offset: 10, Out: `{"id":"b","note":"bye","n":2}`, Key: "b"},
			},
		},
		{
			name:   "quotes, delimiters and newlines inside fields",
			input:  "id,note,n\r\n\"a\",\"say \"\"hi\"\", then\r\nleave\",3\r\nb,\"é,ü\",\" 4 \"\r\n",
			header: true,
			fields: named,
			want: []result{
				{Index: 0, Line: 2, Offset: 11, Out: `{"id":"a","note":"say \"hi\", then\nleave","n":3}`, Key: "a"},
				{Index: 1, Line: 4, Offset: 44, Out: `{"id":"b","note":"é,ü","n":4}`, Key: "b"},
			},
		},
		{
			name:   "semicolon delimiter",
			input:  "id;note;n\na;x,y;5\n",
			delim:  ';',
			header: true,
			fields: named,
			want:   []result{{Index: 0, Line: 2, Offset: 10, Out: `{"id":"a","note":"x,y","n":5}`, Key: "a"}},
		},
		{
			name:   "tab delimiter",
			input:  "id\tnote\tn\na\tx\t5\n",
			delim:  '\t',
			header: true,
			fields: named,
			want:   []result{{Index: 0, Line: 2, Offset: 10, Out: `{"id":"a","note":"x","n":5}`, Key: "a"}},
		},
		{
			name:   "wrong number of columns",
			input:  "id,note,n\na,x\nb,x,1,extra\nc,x,2\n",
			header: true,
			fields: named,
			want: []result{
				{Index: 0, Line: 2, Offset: 10, Err: "row has 2 columns, expected 3"},
				{Index: 1, Line: 3, Offset: 14, Err: "row has 4 columns, expected 3"},
				{Index: 2, Line: 4, Offset: 26, Out: `{"id":"c","note":"x","n":2}`, Key: "c"},
			},
		},
		{
			name:   "column missing from the header",
			input:  "id,n\na,1\n",
			header: true,
			fields: []ingest.Field{strField("id"), {Name: "note", Source: "note", Type: ingest.TypeString, Required: true}},
			want:   []result{{Index: 0, Line: 2, Offset: 5, Err: `field note: required field missing (no column "note" in the header)`}},
		},
		{
			name:   "named source without header",
			input:  "a,1\n",
			fields: []ingest.Field{{Name: "id", Source: "id", Type: ingest.TypeString, Required: true}},
			want:   []result{{Index: 0, Line: 1, Offset: 0, Err: `field id: required field missing (source "id" is not a column number)`}},
		},
		{
			name:   "NUL in a field",
			input:  "id\na\x00b\n",
			header: true,
			fields: []ingest.Field{strField("id")},
			want:   []result{{Index: 0, Line: 2, Offset: 3, Err: `field id: NUL character not allowed (value "a\x00b")`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := ingest.Options{Format: ingest.FormatCSV, CSVDelimiter: tt.delim, CSVHeader: tt.header}
			got, err := readAll(t, tt.input, opts, tt.fields, "id")
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCSVReaderPayloadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		input   string
		header  bool
		max     int
		records int
		want    ingest.PayloadError
	}{
		{name: "empty", input: "", want: ingest.PayloadError{Msg: "no records found"}},
		{name: "header only", input: "id,n\n", header: true, want: ingest.PayloadError{Offset: 5, Msg: "no records found"}},
		{
			name: "unterminated quote", input: "id,n\na,1\nb,\"open\nmore\n", header: true, records: 1,
			want: ingest.PayloadError{Line: 3, Offset: 9, Index: 1, Msg: "unterminated quoted field starting at line 3"},
		},
		{
			name: "bare quote", input: "id,n\na,1\nb,x\"y\n", header: true, records: 1,
			want: ingest.PayloadError{Line: 3, Offset: 9, Index: 1, Msg: "bare \" in unquoted field (column 4); quote the field and double its quotes"},
		},
		{
			name: "text after closing quote", input: "id,n\n\"a\"x,1\n", header: true,
			want: ingest.PayloadError{Line: 2, Offset: 5, Msg: "extraneous or missing \" in quoted field (column 3)"},
		},
		{
			name: "record too large", input: "id,n\na,1\nb," + strings.Repeat("x", 200_000) + "\n", header: true, max: 1000, records: 1,
			want: ingest.PayloadError{Line: 3, Offset: 9, Index: 1, Msg: "record exceeds the size limit of 1000 bytes"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := ingest.Options{Format: ingest.FormatCSV, CSVHeader: tt.header, MaxRecordSize: tt.max}
			got, err := readAll(t, tt.input, opts, []ingest.Field{{Name: "id", Source: "1", Type: ingest.TypeString}}, "")
			require.Len(t, got, tt.records)
			pe := payloadErr(t, err)
			tt.want.Format = ingest.FormatCSV
			require.Equal(t, tt.want, *pe)
		})
	}
}

func TestCSVReaderBadDelimiter(t *testing.T) {
	t.Parallel()
	for _, d := range []rune{'"', '\n', '\r', 0xD800} {
		_, err := ingest.NewReader(strings.NewReader("a"), ingest.Options{Format: ingest.FormatCSV, CSVDelimiter: d})
		require.Error(t, err)
	}
}
