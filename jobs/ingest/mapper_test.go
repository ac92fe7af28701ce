package ingest_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

func TestMapperTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ   ingest.FieldType
		value string // a JSON value
		want  string // the mapped value, "" when omitted
		err   string
	}{
		{typ: ingest.TypeString, value: `"plain"`, want: `"plain"`},
		{typ: ingest.TypeString, value: `"a\"b\\c\/\u00e9\ud83d\ude00\n\t"`, want: `"a\"b\\c/é😀\n\t"`},
		{typ: ingest.TypeString, value: `"lone \ud800 surrogate"`, want: "\"lone \uFFFD surrogate\""},
		{typ: ingest.TypeString, value: `"  spaces kept  "`, want: `"  spaces kept  "`},
		{typ: ingest.TypeString, value: `12.50`, want: `"12.50"`},
		{typ: ingest.TypeString, value: `true`, want: `"true"`},
		{typ: ingest.TypeString, value: `""`},
		{typ: ingest.TypeString, value: `null`},
		{typ: ingest.TypeString, value: `{"a":1}`, err: `field v: expected a string, found object (value "{\"a\":1}")`},
		{typ: ingest.TypeString, value: `[1]`, err: `field v: expected a string, found array (value "[1]")`},
		{typ: ingest.TypeString, value: `"nul \u0000 here"`, err: `field v: NUL character not allowed (value "nul \x00 here")`},
		{typ: ingest.TypeString, value: "\"bad \xff utf8\"", err: "field v: invalid UTF-8 (value \"bad \ufffd utf8\")"},

		{typ: ingest.TypeInteger, value: `42`, want: `42`},
		{typ: ingest.TypeInteger, value: `-0`, want: `0`},
		{typ: ingest.TypeInteger, value: `" +007 "`, want: `7`},
		{typ: ingest.TypeInteger, value: `"-9223372036854775808"`, want: `-9223372036854775808`},
		{typ: ingest.TypeInteger, value: `9223372036854775808`, err: `field v: integer out of range (value "9223372036854775808")`},
		{typ: ingest.TypeInteger, value: `1.0`, err: `field v: expected an integer (value "1.0")`},
		{typ: ingest.TypeInteger, value: `1e3`, err: `field v: expected an integer (value "1e3")`},
		{typ: ingest.TypeInteger, value: `"abc"`, err: `field v: expected an integer (value "abc")`},
		{typ: ingest.TypeInteger, value: `true`, err: `field v: expected an integer (value "true")`},
		{typ: ingest.TypeInteger, value: `"  "`},

		{typ: ingest.TypeNumber, value: `12.50`, want: `12.50`},
		{typ: ingest.TypeNumber, value: `-1.5E+300`, want: `-1.5E+300`},
		{typ: ingest.TypeNumber, value: `"3.25"`, want: `3.25`},
		{typ: ingest.TypeNumber, value: `"+.5"`, want: `0.5`},
		{typ: ingest.TypeNumber, value: `"007"`, want: `7`},
		{typ: ingest.TypeNumber, value: `1e999`, err: `field v: expected a number (value "1e999")`},
		{typ: ingest.TypeNumber, value: `123456789012345678901234567890.123456789`, want: `123456789012345678901234567890.123456789`},
		{typ: ingest.TypeNumber, value: `"1e99999"`, err: `field v: expected a number (value "1e99999")`},
		{typ: ingest.TypeNumber, value: `"NaN"`, err: `field v: expected a number (value "NaN")`},
		{typ: ingest.TypeNumber, value: `"0x10"`, err: `field v: expected a number (value "0x10")`},
		{typ: ingest.TypeNumber, value: `"1,5"`, err: `field v: expected a number (value "1,5")`},

		{typ: ingest.TypeBoolean, value: `true`, want: `true`},
		{typ: ingest.TypeBoolean, value: `false`, want: `false`},
		{typ: ingest.TypeBoolean, value: `1`, want: `true`},
		{typ: ingest.TypeBoolean, value: `0`, want: `false`},
		{typ: ingest.TypeBoolean, value: `"YES"`, want: `true`},
		{typ: ingest.TypeBoolean, value: `"No"`, want: `false`},
		{typ: ingest.TypeBoolean, value: `"True"`, want: `true`},
		{typ: ingest.TypeBoolean, value: `2`, err: `field v: expected a boolean (true/false, yes/no, 1/0) (value "2")`},
		{typ: ingest.TypeBoolean, value: `"y"`, err: `field v: expected a boolean (true/false, yes/no, 1/0) (value "y")`},

		{typ: ingest.TypeDate, value: `"2024-02-29"`, want: `"2024-02-29"`},
		{typ: ingest.TypeDate, value: `"2023-02-29"`, err: `field v: not a valid date (YYYY-MM-DD) (value "2023-02-29")`},
		{typ: ingest.TypeDate, value: `"2024-13-01"`, err: `field v: not a valid date (YYYY-MM-DD) (value "2024-13-01")`},
		{typ: ingest.TypeDate, value: `"2024-1-01"`, err: `field v: not a valid date (YYYY-MM-DD) (value "2024-1-01")`},
		{typ: ingest.TypeDate, value: `"0000-01-01"`, err: `field v: not a valid date (YYYY-MM-DD) (value "0000-01-01")`},
		{typ: ingest.TypeDate, value: `20240101`, err: `field v: not a valid date (YYYY-MM-DD) (value "20240101")`},

		{typ: ingest.TypeDatetime, value: `"2024-05-06T07:08:09Z"`, want: `"2024-05-06T07:08:09Z"`},
		{typ: ingest.TypeDatetime, value: `"2024-05-06t07:08:09.120z"`, want: `"2024-05-06T07:08:09.12Z"`},
		{typ: ingest.TypeDatetime, value: `"2024-05-06 07:08:09+02:00"`, want: `"2024-05-06T05:08:09Z"`},
		{typ: ingest.TypeDatetime, value: `"2024-12-31T23:30:00-01:00"`, want: `"2025-01-01T00:30:00Z"`},
		{typ: ingest.TypeDatetime, value: `"2024-05-06T07:08:09.123456789Z"`, want: `"2024-05-06T07:08:09.123456789Z"`},
		{typ: ingest.TypeDatetime, value: `"2024-05-06T07:08:09.1234567891Z"`, err: `field v: not a valid datetime (RFC 3339, e.g. 2024-01-31T13:45:00Z) (value "2024-05-06T07:08:09.1234567891Z")`},
		{typ: ingest.TypeDatetime, value: `"2024-05-06T07:08:09"`, err: `field v: not a valid datetime (RFC 3339, e.g. 2024-01-31T13:45:00Z) (value "2024-05-06T07:08:09")`},
		{typ: ingest.TypeDatetime, value: `"2024-05-06"`, err: `field v: not a valid datetime (RFC 3339, e.g. 2024-01-31T13:45:00Z) (value "2024-05-06")`},
		{typ: ingest.TypeDatetime, value: `"2024-05-06T24:00:00Z"`, err: `field v: not a valid datetime (RFC 3339, e.g. 2024-01-31T13:45:00Z) (value "2024-05-06T24:00:00Z")`},
		{typ: ingest.TypeDatetime, value: `"2024-02-30T00:00:00Z"`, err: `field v: not a valid datetime (RFC 3339, e.g. 2024-01-31T13:45:00Z) (value "2024-02-30T00:00:00Z")`},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ)+" "+tt.value, func(t *testing.T) {
			t.Parallel()
			fields := []ingest.Field{{Name: "v", Source: "v", Type: tt.typ}}
			got, err := readAll(t, `[{"v":`+tt.value+`}]`, ingest.Options{Format: ingest.FormatJSON}, fields, "")
			require.NoError(t, err)
			require.Len(t, got, 1)
			require.Equal(t, tt.err, got[0].Err)
			if tt.err == "" {
				want := `{}`
				if tt.want != "" {
					want = `{"v":` + tt.want + `}`
				}
				require.Equal(t, want, got[0].Out)
			}
		})
	}
}

func TestMapperRequiredAndKey(t *testing.T) {
	t.Parallel()
	fields := []ingest.Field{
		{Name: "id", Source: "id", Type: ingest.TypeInteger},
		{Name: "name", Source: "name", Type: ingest.TypeString, Required: true},
		{Name: "tag", Source: "tag", Type: ingest.TypeString},
	}
	input := `[{"id": 7, "name": "Ann", "extra": 1},
		{"id": 8},
		{"id": 9, "name": ""},
		{"id": null, "name": "Bob"},
		{"name": "Cy", "tag": "a\"b", "id": "10"}]`
	got, err := readAll(t, input, ingest.Options{Format: ingest.FormatJSON}, fields, "id")
	require.NoError(t, err)
	require.Equal(t, []result{
		{Index: 0, Line: 1, Offset: 1, Out: `{"id":7,"name":"Ann"}`, Key: "7"},
		{Index: 1, Line: 2, Offset: 41, Err: "field name: required field missing"},
		{Index: 2, Line: 3, Offset: 54, Err: "field name: required field missing"},
		{Index: 3, Line: 4, Offset: 79, Err: "field id: key field id is empty"},
		{Index: 4, Line: 5, Offset: 110, Out: `{"id":10,"name":"Cy","tag":"a\"b"}`, Key: "10"},
	}, got)

	got, err = readAll(t, `[{"name": "tab\there \u00e9"}]`, ingest.Options{Format: ingest.FormatJSON}, fields[1:], "name")
	require.NoError(t, err)
	require.Equal(t, "tab\there é", got[0].Key)
}

func TestMapperAppendsToDst(t *testing.T) {
	t.Parallel()
	r, err := ingest.NewReader(strings.NewReader(`[{"a": "x"}, {"a": 5}]`), ingest.Options{Format: ingest.FormatJSON})
	require.NoError(t, err)
	m, err := ingest.NewMapper([]ingest.Field{{Name: "a", Source: "a", Type: ingest.TypeString}}, "")
	require.NoError(t, err)
	dst := []byte("prefix|")
	rec, err := r.Next()
	require.NoError(t, err)
	dst, _, err = m.Map(dst, rec)
	require.NoError(t, err)
	require.Equal(t, `prefix|{"a":"x"}`, string(dst))

	m, err = ingest.NewMapper([]ingest.Field{{Name: "a", Source: "a", Type: ingest.TypeBoolean}}, "")
	require.NoError(t, err)
	rec, err = r.Next()
	require.NoError(t, err)
	out, _, err := m.Map(dst, rec)
	require.Error(t, err)
	require.Equal(t, `prefix|{"a":"x"}`, string(out), "a failed record leaves dst as it was")
}

func TestNewMapperErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fields []ingest.Field
		key    string
		err    string
	}{
		{name: "no fields", err: "no fields to map"},
		{name: "empty name", fields: []ingest.Field{{Source: "a", Type: ingest.TypeString}}, err: "field with an empty name"},
		{name: "duplicate", fields: []ingest.Field{strField("a"), strField("a")}, err: `duplicate field "a"`},
		{name: "empty source", fields: []ingest.Field{{Name: "a", Type: ingest.TypeString}}, err: `field "a": empty source`},
		{name: "bad type", fields: []ingest.Field{{Name: "a", Source: "a", Type: "uuid"}}, err: `field "a": unknown type "uuid"`},
		{name: "unknown key", fields: []ingest.Field{strField("a")}, key: "b", err: `key field "b" is not one of the fields`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ingest.NewMapper(tt.fields, tt.key)
			require.EqualError(t, err, tt.err)
		})
	}
}

func TestFieldErrorValueTruncated(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 150) // 300 bytes
	got, err := readAll(t, `[{"v": "`+long+`"}]`, ingest.Options{Format: ingest.FormatJSON},
		[]ingest.Field{{Name: "v", Source: "v", Type: ingest.TypeInteger}}, "")
	require.NoError(t, err)
	require.Equal(t, `field v: expected an integer (value "`+strings.Repeat("é", 100)+`…")`, got[0].Err)
}

func TestMapFieldsGoesOnPastAFailingField(t *testing.T) {
	t.Parallel()
	fields := []ingest.Field{
		{Name: "id", Source: "id", Type: ingest.TypeInteger},
		{Name: "name", Source: "name", Type: ingest.TypeString, Required: true},
		{Name: "age", Source: "age", Type: ingest.TypeInteger},
		{Name: "tag", Source: "tag", Type: ingest.TypeString},
	}
	m, err := ingest.NewMapper(fields, "id")
	require.NoError(t, err)
	r, err := ingest.NewReader(strings.NewReader(`[{"id": 7, "age": "old", "tag": "a\"b"}, {"id": "8", "name": "Ann"}, 5]`), ingest.Options{Format: ingest.FormatJSON})
	require.NoError(t, err)
	type cell struct{ JSON, Err string }
	cells := func(vs []ingest.FieldValue) []cell {
		out := make([]cell, len(vs))
		for i, v := range vs {
			out[i].JSON = string(v.JSON)
			if v.Err != nil {
				out[i].Err = v.Err.Error()
			}
		}
		return out
	}

	rec, err := r.Next()
	require.NoError(t, err)
	_, _, mapErr := m.Map(nil, rec)
	require.EqualError(t, mapErr, "field name: required field missing", "Map stops at the first failing field")
	vs, err := m.MapFields(rec)
	require.NoError(t, err)
	require.Equal(t, []cell{{JSON: "7"}, {Err: "field name: required field missing"}, {Err: `field age: expected an integer (value "old")`}, {JSON: `"a\"b"`}}, cells(vs))

	rec, err = r.Next()
	require.NoError(t, err)
	vs, err = m.MapFields(rec)
	require.NoError(t, err)
	require.Equal(t, []cell{{JSON: "8"}, {JSON: `"Ann"`}, {}, {}}, cells(vs), "missing optional values are nil")

	rec, err = r.Next()
	require.NoError(t, err)
	vs, err = m.MapFields(rec)
	require.EqualError(t, err, `record is not a JSON object (found number) (value "5")`)
	require.Nil(t, vs)
}
