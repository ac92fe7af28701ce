package ingest_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

// xmlReads are the ways the tokenizer tests feed a payload: whole, and in pieces
// that split every token and character somewhere.
var xmlReads = map[string]func(string) io.Reader{
	"whole":    func(s string) io.Reader { return strings.NewReader(s) },
	"one byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
	"halves":   func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
}

// xmlValues reads the records of input with record element "c" and maps the
// string fields of the given sources; a record is its mapped JSON or its
// FieldError.
func xmlValues(t *testing.T, src io.Reader, sources ...string) ([]string, error) {
	t.Helper()
	r, err := ingest.NewReader(src, ingest.Options{Format: ingest.FormatXML, RecordElement: "c"})
	require.NoError(t, err)
	var fields []ingest.Field
	for _, s := range sources {
		fields = append(fields, ingest.Field{Name: s, Source: s, Type: ingest.TypeString})
	}
	m, err := ingest.NewMapper(fields, "")
	require.NoError(t, err)
	var out []string
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		b, _, err := m.Map(nil, rec)
		if err != nil {
			out = append(out, err.Error())
			continue
		}
		out = append(out, string(b))
	}
}

func TestXMLScannerText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		input   string
		sources []string
		want    []string
	}{
		{
			name:    "references",
			input:   `<c><v>&lt;&gt;&amp;&apos;&quot; &#65;&#x42;&#x00063;&#0000100; &#xE9;&#x1F600;</v></c>`,
			sources: []string{"v"},
			want:    []string{`{"v":"<>&'\" ABcd é😀"}`},
		},
		{
			name:    "a surrogate reference is U+FFFD, as in encoding/xml",
			input:   `<c><v>&#xD800;&#57343;</v></c>`,
			sources: []string{"v"},
			want:    []string{"{\"v\":\"\ufffd\ufffd\"}"},
		},
		{
			name:    "line ends",
			input:   "<c><v>a\r\nb\rc\n\rd\r\r\ne\r</v><w a=\"x\r\ny\rz\"/></c>",
			sources: []string{"v", "w.@a"},
			want:    []string{`{"v":"a\nb\nc\n\nd\n\ne\n","w.@a":"x\ny\nz"}`},
		},
		{
			name:    "a carriage return reference stays",
			input:   "<c><v>&#13;\n\r&#10;x&#xD;&#xA;</v></c>",
			sources: []string{"v"},
			want:    []string{`{"v":"\r\n\n\nx\r\n"}`},
		},
		{
			name:    "CDATA",
			input:   "<c><a><![CDATA[<b>&amp;</b>]]></a><b>x<![CDATA[]]>y<![CDATA[]]]>z</b><d><![CDATA[a]]]]><![CDATA[>\r\n]]></d></c>",
			sources: []string{"a", "b", "d"},
			want:    []string{`{"a":"<b>&amp;</b>","b":"xy]z","d":"a]]>\n"}`},
		},
		{
			name:    "brackets in text and attributes",
			input:   `<c a="]]>"><v>]] ]&gt; ]]</v></c>`,
			sources: []string{"@a", "v"},
			want:    []string{`{"@a":"]]>","v":"]] ]> ]]"}`},
		},
		{
			name:    "comments and processing instructions inside values",
			input:   "<c><v>a<!-- - -->b<?pi x?>c<!---->d<?xml version=\"1.0\"?>e</v></c>",
			sources: []string{"v"},
			want:    []string{`{"v":"abcde"}`},
		},
		{
			name:    "attributes",
			input:   "<c a='1'b=\"2\"\n\tc = 'x\"y' d=\"x'y\" e=\"&#34;&lt;\" a=\"3\"><v f=''/></c>",
			sources: []string{"@a", "@b", "@c", "@d", "@e", "v.@f", "v"},
			want:    []string{`{"@a":"3","@b":"2","@c":"x\"y","@d":"x'y","@e":"\"<"}`},
		},
		{
			name:    "prefixes",
			input:   `<r xmlns:x="u"><x:c x:a="1" xmlns:y="v"><y:v>2</y:v><:w>3</:w><z:>4</z:></x:c><c:>5</c:></r>`,
			sources: []string{"@a", "@y", "v", ":w", "z:"},
			want:    []string{`{"@a":"1","@y":"v","v":"2",":w":"3","z:":"4"}`},
		},
		{
			name:    "names",
			input:   "<c><é.ü-1>a</é.ü-1><_v\u00b7>b</_v\u00b7><\u0e01\u0e31>c</\u0e01\u0e31></c>",
			sources: []string{"é.ü-1", "_v\u00b7", "\u0e01\u0e31"},
			want:    []string{`{"é.ü-1":"a","_v·":"b","กั":"c"}`},
		},
		{
			name:    "white space in tags",
			input:   "<r ><c\n><v\r\n>1</v\t><w/></c ></r\n>",
			sources: []string{"v", "w"},
			want:    []string{`{"v":"1"}`},
		},
		{
			name:    "byte order mark, text and several roots around records",
			input:   "\ufefftext<c><v>1</v></c>&amp;<c><v>2</v></c>\n",
			sources: []string{"v"},
			want:    []string{`{"v":"1"}`, `{"v":"2"}`},
		},
		{
			name:    "text of elements with children",
			input:   "<c>a<v>1<x/>2</v>b<w><x>3</x></w></c>",
			sources: []string{"v", "w.x"},
			want:    []string{"field v: expected a string, found object"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for how, read := range xmlReads {
				got, err := xmlValues(t, read(tt.input), tt.sources...)
				require.NoError(t, err, how)
				require.Equal(t, tt.want, got, how)
			}
		})
	}
}

func TestXMLScannerErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		input   string
		max     int
		records int
		want    ingest.PayloadError
	}{
		{
			name: "invalid UTF-8 is reported where it is", input: "<c><v>ab\xffcd</v></c>",
			want: ingest.PayloadError{Line: 1, Offset: 9, Msg: "invalid UTF-8"},
		},
		{
			name: "truncated character", input: "<c><v>\u00e9\xe2\x82</v></c>",
			want: ingest.PayloadError{Line: 1, Offset: 9, Msg: "invalid UTF-8"},
		},
		{
			name: "encoded surrogate", input: "<c><v>\xed\xa0\x80</v></c>",
			want: ingest.PayloadError{Line: 1, Offset: 7, Msg: "invalid UTF-8"},
		},
		{
			name: "control character", input: "<c/>\n<c><v>x\x01</v></c>", records: 1,
			want: ingest.PayloadError{Line: 2, Offset: 13, Index: 1, Msg: "illegal character code U+0001"},
		},
		{
			name: "character U+FFFE", input: "<c a=\"\uFFFE\"/>",
			want: ingest.PayloadError{Line: 1, Offset: 9, Msg: "illegal character code U+FFFE"},
		},
		{
			name: "reference to U+0000", input: "<c><v>&#0;</v></c>",
			want: ingest.PayloadError{Line: 1, Offset: 10, Msg: "illegal character code U+0000"},
		},
		{
			name: "a markup error in the same text comes first", input: "<c><v>\xff&bad;</v></c>",
			want: ingest.PayloadError{Line: 1, Offset: 12, Msg: "invalid character entity &bad;"},
		},
		{
			name: "reference beyond Unicode", input: "<c><v>&#x110000;</v></c>",
			want: ingest.PayloadError{Line: 1, Offset: 16, Msg: "invalid character entity &#x110000;"},
		},
		{
			name: "reference without semicolon", input: "<c><v>&#x41 </v></c>",
			want: ingest.PayloadError{Line: 1, Offset: 11, Msg: "invalid character entity &#x41 (no semicolon)"},
		},
		{
			name: "upper-case X", input: "<c><v>&#X41;</v></c>",
			want: ingest.PayloadError{Line: 1, Offset: 8, Msg: "invalid character entity &# (no semicolon)"},
		},
		{
			name: "]]> in text", input: "<c><v>a]]>b</v></c>",
			want: ingest.PayloadError{Line: 1, Offset: 10, Msg: "unescaped ]]> not in CDATA section"},
		},
		{
			name: "CDATA not closed", input: "<c><v><![CDATA[a]]</v></c>",
			want: ingest.PayloadError{Line: 1, Offset: 26, Msg: "unexpected end of input in CDATA section"},
		},
		{
			name: "-- in a comment", input: "<c><!-- a -- b --></c>",
			want: ingest.PayloadError{Line: 1, Offset: 13, Msg: `invalid sequence "--" not allowed in comments`},
		},
		{
			name: "< in an attribute", input: "<c a=\"<\"/>",
			want: ingest.PayloadError{Line: 1, Offset: 7, Msg: "unescaped < inside quoted string"},
		},
		{
			name: "unquoted attribute", input: "<c a=1/>",
			want: ingest.PayloadError{Line: 1, Offset: 6, Msg: "unquoted or missing attribute value in element"},
		},
		{
			name: "space in />", input: "<r><c/ ></r>",
			want: ingest.PayloadError{Line: 1, Offset: 7, Msg: "expected /> in element"},
		},
		{
			name: "space after <", input: "<r>< c/></r>",
			want: ingest.PayloadError{Line: 1, Offset: 4, Msg: "expected element name after <"},
		},
		{
			name: "two colons", input: "<r><a:b:c/></r>",
			want: ingest.PayloadError{Line: 1, Offset: 9, Msg: "expected element name after <"},
		},
		{
			name: "name starting with a digit", input: "<r>\n<1c/></r>",
			want: ingest.PayloadError{Line: 2, Offset: 7, Msg: "invalid XML name: 1c"},
		},
		{
			name: "end tag of another prefix", input: "<x:c></y:c>",
			want: ingest.PayloadError{Line: 1, Offset: 5, Msg: "element <x:c> closed by </y:c>"},
		},
		{
			name: "junk in an end tag", input: "<r><x:c></x:c d></r>",
			want: ingest.PayloadError{Line: 1, Offset: 15, Msg: "invalid characters between </c and >"},
		},
		{
			name: "end tag outside any element", input: "<c/></c>", records: 1,
			want: ingest.PayloadError{Line: 1, Offset: 4, Index: 1, Msg: "unexpected end element </c>"},
		},
		{
			name: "XML 1.1", input: "<c/><?xml version=\"1.1\"?>", records: 1,
			want: ingest.PayloadError{Line: 1, Offset: 4, Index: 1, Msg: `unsupported version "1.1"; only version 1.0 is supported`},
		},
		{
			name: "UTF-16", input: "<?xml version='1.0' encoding='UTF-16'?><c/>",
			want: ingest.PayloadError{Line: 1, Offset: 0, Msg: "only UTF-8 XML is accepted (declared encoding: UTF-16)"},
		},
		{
			name: "declaration refused at its start", input: "<r>\n<!ELEMENT r (c)*",
			want: ingest.PayloadError{Line: 2, Offset: 4, Msg: "DTD not allowed"},
		},
		{
			name: "too deep", input: strings.Repeat("<a>", 1000) + "<c/>",
			want: ingest.PayloadError{Line: 1, Offset: 3000, Msg: "exceeded max depth of 1000"},
		},
		{
			name: "comment outside records too large", input: "<r><c/>\n<!--" + strings.Repeat("x", 100) + "--><c/></r>", max: 100, records: 1,
			want: ingest.PayloadError{Line: 2, Offset: 8, Index: 1, Msg: "record exceeds the size limit of 100 bytes"},
		},
		{
			name: "text outside records too large", input: "<r><c/>" + strings.Repeat(" ", 101) + "<c/></r>", max: 100, records: 1,
			want: ingest.PayloadError{Line: 1, Offset: 7, Index: 1, Msg: "record exceeds the size limit of 100 bytes"},
		},
		{
			name: "start tag of a record too large", input: "<r><c a=\"" + strings.Repeat("x", 100) + "\"/></r>", max: 100,
			want: ingest.PayloadError{Line: 1, Offset: 3, Msg: "record exceeds the size limit of 100 bytes"},
		},
		{
			name: "names of the elements around records too long", input: "<aaaaaaaaaa><bbbbbbbbbb><c/><dddddd/>", max: 25, records: 1,
			want: ingest.PayloadError{Line: 1, Offset: 28, Index: 1, Msg: "record exceeds the size limit of 25 bytes"},
		},
		{
			name: "record just within the limit", input: "<r><c>" + strings.Repeat("x", 93) + "</c>\n\x01", max: 100, records: 1,
			want: ingest.PayloadError{Line: 2, Offset: 105, Index: 1, Msg: "illegal character code U+0001"},
		},
		{
			name: "truncated reference", input: "<c>&#x4",
			want: ingest.PayloadError{Line: 1, Offset: 7, Msg: "unexpected end of input"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.want.Format = ingest.FormatXML
			for how, read := range xmlReads {
				r, err := ingest.NewReader(read(tt.input), ingest.Options{Format: ingest.FormatXML, RecordElement: "c", MaxRecordSize: tt.max})
				require.NoError(t, err)
				n := 0
				for ; ; n++ {
					if _, err = r.Next(); err != nil {
						break
					}
				}
				require.Equal(t, tt.records, n, how)
				require.Equal(t, tt.want, *payloadErr(t, err), how)
			}
		})
	}
}

// TestXMLScannerLargeValues reads values longer than the scanner's buffer, split
// anywhere.
func TestXMLScannerLargeValues(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é&amp;\r\n<![CDATA[]]>", 20000)
	want := strings.Repeat("é&\n", 20000)
	input := "<r>" + strings.Repeat("<!-- -->", 20000) + "<c a=\"" + strings.Repeat("&lt;ü", 30000) + "\"><v>" + long + "</v></c></r>"
	for how, read := range xmlReads {
		got, err := xmlValues(t, read(input), "v", "@a")
		require.NoError(t, err, how)
		var doc bytes.Buffer
		doc.WriteString(`{"v":"`)
		doc.WriteString(strings.ReplaceAll(want, "\n", `\n`))
		doc.WriteString(`","@a":"`)
		doc.WriteString(strings.Repeat("<ü", 30000))
		doc.WriteString(`"}`)
		require.Equal(t, []string{doc.String()}, got, how)
	}
}
