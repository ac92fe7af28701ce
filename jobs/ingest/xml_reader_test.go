package ingest_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

func TestXMLReaderRecords(t *testing.T) {
	t.Parallel()
	fields := []ingest.Field{
		{Name: "id", Source: "@id", Type: ingest.TypeString},
		strField("name"),
		{Name: "city", Source: "address.city", Type: ingest.TypeString},
		{Name: "kind", Source: "address.@kind", Type: ingest.TypeString},
		{Name: "n", Source: "n", Type: ingest.TypeInteger},
	}
	tests := []struct {
		name  string
		input string
		want  []result
	}{
		{
			name: "records, attributes and nested paths",
			input: `<?xml version="1.0" encoding="UTF-8"?>
<contacts>
  <contact id="a"><name>Ann &amp; Bob &#233;</name><n> 4 </n></contact>
  <contact id="b">
    <name><![CDATA[<raw> & "quoted"]]></name>
    <address kind="home"><city>Kraków</city></address>
  </contact>
</contacts>`,
			want: []result{
				{Index: 0, Line: 3, Offset: 52, Out: `{"id":"a","name":"Ann & Bob é","n":4}`, Key: "a"},
				{Index: 1, Line: 4, Offset: 124, Out: `{"id":"b","name":"<raw> & \"quoted\"","city":"Kraków","kind":"home"}`, Key: "b"},
			},
		},
		{
			name:  "record elements anywhere, with prefixes",
			input: `<root><group><x:contact xmlns:x="urn:x" id="a"/></group><other><contact id="b"></contact></other></root>`,
			want: []result{
				{Index: 0, Line: 1, Offset: 13, Out: `{"id":"a"}`, Key: "a"},
				{Index: 1, Line: 1, Offset: 63, Out: `{"id":"b"}`, Key: "b"},
			},
		},
		{
			name:  "element with children is not a string",
			input: `<r><contact id="a"><name><first>A</first></name></contact></r>`,
			want:  []result{{Index: 0, Line: 1, Offset: 3, Err: "field name: expected a string, found object"}},
		},
		{
			name:  "utf8 and ascii declarations",
			input: `<?xml version="1.0" encoding="utf8"?><r><contact id="a"/></r>`,
			want:  []result{{Index: 0, Line: 1, Offset: 40, Out: `{"id":"a"}`, Key: "a"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readAll(t, tt.input, ingest.Options{Format: ingest.FormatXML, RecordElement: "contact"}, fields, "id")
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestXMLReaderPayloadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		input   string
		max     int
		records int
		want    ingest.PayloadError
	}{
		{name: "no records", input: "<r><other/></r>", want: ingest.PayloadError{Line: 1, Offset: 15, Msg: "no records found"}},
		{name: "empty", input: "", want: ingest.PayloadError{Line: 1, Offset: 0, Msg: "no records found"}},
		{
			name: "doctype", input: "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY e \"x\">]>\n<r><c/></r>",
			want: ingest.PayloadError{Line: 2, Offset: 22, Msg: "DTD not allowed"},
		},
		{
			name: "doctype after records", input: "<r><c/>\n<!DOCTYPE x></r>", records: 1,
			want: ingest.PayloadError{Line: 2, Offset: 8, Index: 1, Msg: "DTD not allowed"},
		},
		{
			name: "latin-1", input: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r><c/></r>",
			want: ingest.PayloadError{Line: 1, Offset: 0, Msg: "only UTF-8 XML is accepted (declared encoding: ISO-8859-1)"},
		},
		{
			name: "unknown entity", input: "<r><c>\n<v>&nbsp;</v></c></r>",
			want: ingest.PayloadError{Line: 2, Offset: 16, Msg: "invalid character entity &nbsp;"},
		},
		{
			name: "mismatched end tag", input: "<r><c/><c>\n<v>1</w></c></r>", records: 1,
			want: ingest.PayloadError{Line: 2, Offset: 15, Index: 1, Msg: "element <v> closed by </w>"},
		},
		{
			name: "truncated", input: "<r><c><v>1</v></c>\n<c><v>", records: 1,
			want: ingest.PayloadError{Line: 2, Offset: 25, Index: 1, Msg: "unexpected end of input (element <v> not closed)"},
		},
		{
			name: "truncated tag", input: "<r><c><v>1</v></c>\n<c><v", records: 1,
			want: ingest.PayloadError{Line: 2, Offset: 24, Index: 1, Msg: "unexpected end of input"},
		},
		{
			name: "invalid utf-8", input: "<r><c><v>\xff</v></c></r>",
			want: ingest.PayloadError{Line: 1, Offset: 10, Msg: "invalid UTF-8"},
		},
		{
			name: "record too large", input: "<r><c><v>1</v></c><c><v>" + strings.Repeat("x", 300_000) + "</v></c></r>", max: 1000, records: 1,
			want: ingest.PayloadError{Line: 1, Offset: 18, Index: 1, Msg: "record exceeds the size limit of 1000 bytes"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := ingest.Options{Format: ingest.FormatXML, RecordElement: "c", MaxRecordSize: tt.max}
			got, err := readAll(t, tt.input, opts, []ingest.Field{strField("v")}, "")
			require.Len(t, got, tt.records)
			pe := payloadErr(t, err)
			tt.want.Format = ingest.FormatXML
			require.Equal(t, tt.want, *pe)
		})
	}
}
