package ingest_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

func TestJSONReaderRecords(t *testing.T) {
	t.Parallel()
	fields := []ingest.Field{strField("id"), {Name: "city", Source: "address.city", Type: ingest.TypeString}}
	tests := []struct {
		name  string
		path  string
		input string
		want  []result
	}{
		{
			name:  "array",
			input: "[\n  {\"id\":\"a\"},\n  {\"id\":\"b\", \"address\": {\"city\": \"Kraków\"}}\n]\n",
			want: []result{
				{Index: 0, Line: 2, Offset: 4, Out: `{"id":"a"}`, Key: "a"},
				{Index: 1, Line: 3, Offset: 18, Out: `{"id":"b","city":"Kraków"}`, Key: "b"},
			},
		},
		{
			name:  "array on one line",
			input: `[{"id":"a"},{"id":"b"}]`,
			want: []result{
				{Index: 0, Line: 1, Offset: 1, Out: `{"id":"a"}`, Key: "a"},
				{Index: 1, Line: 1, Offset: 12, Out: `{"id":"b"}`, Key: "b"},
			},
		},
		{
			name:  "byte order mark",
			input: "\uFEFF[{\"id\":\"a\"}]",
			want:  []result{{Index: 0, Line: 1, Offset: 4, Out: `{"id":"a"}`, Key: "a"}},
		},
		{
			name:  "ndjson with blank lines",
			input: "{\"id\":\"a\"}\n\n{\"id\":\"b\"}\r\n{\"id\":\"c\"}",
			want: []result{
				{Index: 0, Line: 1, Offset: 0, Out: `{"id":"a"}`, Key: "a"},
				{Index: 1, Line: 3, Offset: 12, Out: `{"id":"b"}`, Key: "b"},
				{Index: 2, Line: 4, Offset: 24, Out: `{"id":"c"}`, Key: "c"},
			},
		},
		{
			name:  "nested records path",
			path:  "data.items",
			input: `{"meta": {"skip": [1, {"a": "]"}, "x\"y"]}, "data": {"count": 2, "items": [{"id": "a"}, {"id": "b"}], "more": {"z": null}}, "tail": true}`,
			want: []result{
				{Index: 0, Line: 1, Offset: 75, Out: `{"id":"a"}`, Key: "a"},
				{Index: 1, Line: 1, Offset: 88, Out: `{"id":"b"}`, Key: "b"},
			},
		},
		{
			name:  "records path with escaped key",
			path:  "items",
			input: `{"it\u0065ms": [{"id": "a"}]}`,
			want:  []result{{Index: 0, Line: 1, Offset: 16, Out: `{"id":"a"}`, Key: "a"}},
		},
		{
			name:  "not an object",
			input: `[1, "x", null, [], {"id": "a"}]`,
			want: []result{
				{Index: 0, Line: 1, Offset: 1, Err: `record is not a JSON object (found number) (value "1")`},
				{Index: 1, Line: 1, Offset: 4, Err: `record is not a JSON object (found string) (value "\"x\"")`},
				{Index: 2, Line: 1, Offset: 9, Err: `record is not a JSON object (found null) (value "null")`},
				{Index: 3, Line: 1, Offset: 15, Err: `record is not a JSON object (found array) (value "[]")`},
				{Index: 4, Line: 1, Offset: 19, Out: `{"id":"a"}`, Key: "a"},
			},
		},
		{
			name:  "duplicate keys: last wins",
			input: `[{"id": "a", "id": "b"}]`,
			want:  []result{{Index: 0, Line: 1, Offset: 1, Out: `{"id":"b"}`, Key: "b"}},
		},
		{
			name:  "dotted key before dotted path",
			input: `[{"id": "a", "address.city": "flat", "address": {"city": "nested"}}]`,
			want:  []result{{Index: 0, Line: 1, Offset: 1, Out: `{"id":"a","city":"flat"}`, Key: "a"}},
		},
		{
			name:  "escaped keys",
			input: `[{"\u0069d": "a", "addr\u0065ss": {"c\u0069ty": "x"}}]`,
			want:  []result{{Index: 0, Line: 1, Offset: 1, Out: `{"id":"a","city":"x"}`, Key: "a"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readAll(t, tt.input, ingest.Options{Format: ingest.FormatJSON, RecordsPath: tt.path}, fields, "id")
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestJSONReaderPayloadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		path    string
		max     int
		input   string
		records int
		want    ingest.PayloadError
	}{
		{name: "empty", input: "", want: ingest.PayloadError{Line: 1, Offset: 0, Msg: "no records found"}},
		{name: "blank", input: " \n ", want: ingest.PayloadError{Line: 2, Offset: 3, Msg: "no records found"}},
		{name: "empty array", input: "[\n]", want: ingest.PayloadError{Line: 2, Offset: 3, Msg: "no records found"}},
		{name: "empty nested array", path: "a", input: `{"a": []}`, want: ingest.PayloadError{Line: 1, Offset: 9, Msg: "no records found"}},
		{name: "scalar document", input: "42", want: ingest.PayloadError{Line: 1, Offset: 0, Msg: "expected a JSON array or object, found '4'"}},
		{
			name: "truncated record", input: "[{\"a\":1},\n{\"a\":", records: 1,
			want: ingest.PayloadError{Line: 2, Offset: 15, Index: 1, Msg: "unexpected end of input"},
		},
		{
			name: "truncated string", input: "[{\"a\":\"abc", records: 0,
			want: ingest.PayloadError{Line: 1, Offset: 10, Index: 0, Msg: "unexpected end of input"},
		},
		{
			name: "truncated array", input: "[{\"a\":1}", records: 1,
			want: ingest.PayloadError{Line: 1, Offset: 8, Index: 1, Msg: "unexpected end of input"},
		},
		{
			name: "missing comma", input: "[{\"a\":1}\n {\"a\":2}]", records: 1,
			want: ingest.PayloadError{Line: 2, Offset: 10, Index: 1, Msg: "invalid character '{' after array element"},
		},
		{
			name: "bad literal", input: "[{\"a\":1},\n{\"a\":tru}]", records: 1,
			want: ingest.PayloadError{Line: 2, Offset: 18, Index: 1, Msg: "invalid character '}' in literal true (expecting 'e')"},
		},
		{
			name: "bad number", input: `[{"a":01}]`,
			want: ingest.PayloadError{Line: 1, Offset: 7, Msg: "invalid character '1' in numeric literal"},
		},
		{
			name: "control character in string", input: "[{\"a\":\"x\ty\"}]",
			want: ingest.PayloadError{Line: 1, Offset: 8, Msg: "invalid character 0x09 in string literal"},
		},
		{
			name: "bad escape", input: `[{"a":"\x"}]`,
			want: ingest.PayloadError{Line: 1, Offset: 8, Msg: `invalid character 'x' in string escape code`},
		},
		{
			name: "trailing garbage", input: `[{"a":1}] x`, records: 1,
			want: ingest.PayloadError{Line: 1, Offset: 10, Index: 1, Msg: "invalid character 'x' after top-level value"},
		},
		{
			name: "trailing comma", input: `[{"a":1},]`, records: 1,
			want: ingest.PayloadError{Line: 1, Offset: 9, Index: 1, Msg: "invalid character ']' looking for beginning of value"},
		},
		{
			name: "records path not found", path: "data.items", input: `{"data": {"other": []}}`,
			want: ingest.PayloadError{Line: 1, Offset: 21, Msg: `records_path "data.items" not found`},
		},
		{
			name: "records path not an array", path: "data", input: `{"data": {"items": []}}`,
			want: ingest.PayloadError{Line: 1, Offset: 9, Msg: `records_path "data": "data" is not an array (found object)`},
		},
		{
			name: "records path through a scalar", path: "data.items", input: `{"data": 3}`,
			want: ingest.PayloadError{Line: 1, Offset: 9, Msg: `records_path "data.items": "data" is not an object (found number)`},
		},
		{
			name: "records path in an array document", path: "data", input: `[]`,
			want: ingest.PayloadError{Line: 1, Offset: 0, Msg: `expected a JSON object holding records_path "data", found '['`},
		},
		{
			name: "broken after the records path", path: "a", input: `{"a": [{}], "b": }`, records: 1,
			want: ingest.PayloadError{Line: 1, Offset: 17, Index: 1, Msg: "invalid character '}' looking for beginning of value"},
		},
		{
			name: "record too large", max: 16, input: `[{"a":"0123456789abcdef"}]`,
			want: ingest.PayloadError{Line: 1, Offset: 1, Msg: "record exceeds the size limit of 16 bytes"},
		},
		{
			name: "too deep", input: "[" + strings.Repeat("[", 1001) + strings.Repeat("]", 1001) + "]",
			want: ingest.PayloadError{Line: 1, Offset: 1001, Msg: "exceeded max depth of 1000"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := ingest.Options{Format: ingest.FormatJSON, RecordsPath: tt.path, MaxRecordSize: tt.max}
			got, err := readAll(t, tt.input, opts, []ingest.Field{strField("a")}, "")
			require.Len(t, got, tt.records)
			pe := payloadErr(t, err)
			tt.want.Format = ingest.FormatJSON
			require.Equal(t, tt.want, *pe)
		})
	}
}

func TestJSONReaderLargeRecordAcrossBuffers(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("é", 200_000)
	input := `{"skip": "` + strings.Repeat("x", 300_000) + `", "items": [{"id": "a", "note": "` + big + `"}, {"id": "b"}]}`
	got, err := readAll(t, input, ingest.Options{Format: ingest.FormatJSON, RecordsPath: "items"}, []ingest.Field{strField("id"), strField("note")}, "id")
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, `{"id":"a","note":"`+big+`"}`, got[0].Out)
	require.Equal(t, int64(300_023), got[0].Offset)
	require.Equal(t, `{"id":"b"}`, got[1].Out)
}

func TestPayloadErrorMessage(t *testing.T) {
	t.Parallel()
	err := &ingest.PayloadError{Format: ingest.FormatJSON, Line: 7, Offset: 1234, Msg: "unexpected end of input"}
	require.Equal(t, "invalid JSON at byte 1234 (line 7): unexpected end of input", err.Error())
}
