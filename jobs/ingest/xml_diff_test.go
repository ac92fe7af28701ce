package ingest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// xmlSeeds are inputs of the XML tests and tricky cases for the scanner.
var xmlSeeds = []string{
	// xml_reader_test.go
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<contacts>\n  <contact id=\"a\"><name>Ann &amp; Bob &#233;</name><n> 4 </n></contact>\n  <contact id=\"b\">\n    <name><![CDATA[<raw> & \"quoted\"]]></name>\n    <address kind=\"home\"><city>Kraków</city></address>\n  </contact>\n</contacts>",
	`<root><group><x:contact xmlns:x="urn:x" id="a"/></group><other><contact id="b"></contact></other></root>`,
	`<r><contact id="a"><name><first>A</first></name></contact></r>`,
	`<?xml version="1.0" encoding="utf8"?><r><contact id="a"/></r>`,
	"<r><other/></r>",
	"<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY e \"x\">]>\n<r><c/></r>",
	"<r><c/>\n<!DOCTYPE x></r>",
	"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r><c/></r>",
	"<r><c>\n<v>&nbsp;</v></c></r>",
	"<r><c/><c>\n<v>1</w></c></r>",
	"<r><c><v>1</v></c>\n<c><v>",
	"<r><c><v>1</v></c>\n<c><v",
	"<r><c><v>\xff</v></c></r>",
	// FuzzXMLReader's own seeds
	`<?xml version="1.0"?><r><c id="1"><a>x &amp; y</a><b><c>2</c></b></c></r>`,
	`<r><c><a><![CDATA[<x>]]></a></c><c a="&lt;"/></r>`,
	`<!DOCTYPE r><r/>`,
	`<?xml version="1.0" encoding="latin1"?><r/>`,
	`<r><c><a>1</b></c></r>`,
	// CDATA and "]]>"
	`<r><c><a><![CDATA[x]]]></a><b><![CDATA[]]></b><d><![CDATA[]]]]></d></c></r>`,
	`<r><c><a>x]]>y</a></c></r>`,
	`<r><c><a>]]</a><b>]</b>]]</c>]]&gt;</r>`,
	`<r><c a="]]>" b=']]&gt;'/></r>`,
	`<r><c><a>x<![CDATA[y]]>z<![CDATA[]]></a></c></r>`,
	"<r><c><a><![CDATA[\r\n\r]]></a></c></r>",
	`<r><c><a><![cdata[x]]></a></c></r>`,
	`<r><c><![CDAT`,
	`<r><c><a><![CDATA[x]]</a></c></r>`,
	// comments and processing instructions
	`<r><!-- a -- b --><c/></r>`,
	`<r><!----><c/><!-- - --><c/></r>`,
	`<r><!---><c/>--></r>`,
	`<r><!-x--><c/></r>`,
	"<r><!-- \xff \x01 --><c/></r>",
	`<r><c/><?xml version="1.0"?></r>`,
	`<r><c/><?xml encoding="latin1"?><c/></r>`,
	`<?xml version="1.1"?><r><c/></r>`,
	`<?xml?><c/>`,
	`<?xml-stylesheet href="a"?><?XML version="2"?><c/>`,
	`<??><c/>`,
	`<?a?><?a b?c?><?a:b:c x?><c/>`,
	`<?xml aversion="1.1"?><c/>`,
	`<?xml version = "2" encoding = "latin1" ?><c/>`,
	`<?xml version='1.0' encoding='ASCII'?><c/>`,
	`<?xml version="1.0" encoding="Us-Ascii"?><c/>`,
	`<?xml encoding="UTF-16"?><c/>`,
	`<?xml encoding=""?><c/>`,
	`<?xml version="1.0' encoding="x"?><c/>`,
	"<?1a?><c/>",
	"\ufeff<c/>",
	"\ufeff<?xml version=\"1.0\"?><c/>",
	// attributes
	`<r><c a="1"b="2"/></r>`,
	"<r><c a = '1'\n\tb\r=\"2\" /></r>",
	`<r><c a="1" a="2"/></r>`,
	`<r><c a=1/></r>`,
	`<r><c a/></r>`,
	`<r><c a="<"/></r>`,
	`<r><c "a"="1"/></r>`,
	`<r><c a="&#x9;&#10;&#13;x&quot;&apos;"/></r>`,
	"<r><c a=\"x\r\ny\rz\n\r\"/></r>",
	`<r><c><v a='"' b="'">1</v></c></r>`,
	`<r><c a="&foo;"/></r>`,
	"<r><c a=\"\x01\"/></r>",
	"<r><c a=\"\xff&bad;\"/></r>",
	`<r><c a="1"/ ></r>`,
	`<r><c a="1"></c ></r>`,
	// tags
	`<a/ >`, `< a>`, `<r><c></c ></r>`, `<r><c></ c></r>`, "<r><c/\n></r>", `<r><c/></r >`,
	`<r><c><v>1</v ><w/ ></c></r>`,
	`<c/><c/>`, `text<c/>text`, `<c>`, `</c>`, `<c></d>`, `<r></r></r>`,
	`<r><c><c><c/></c></c></r>`,
	`<r><c><v>1</v><v>2</v><v/><w><x>3</x>4</w></c></r>`,
	`<r><c>a<v>1</v>b</c></r>`,
	// references
	`<r><c><v>&#0;</v></c></r>`,
	`<r><c><v>&#xD800;</v></c></r>`,
	`<r><c><v>&#x10FFFF;&#x10000;&#xFFFD;</v></c></r>`,
	`<r><c><v>&#x110000;</v></c></r>`,
	`<r><c><v>&#xFFFE;</v></c></r>`,
	`<r><c><v>&#X41;</v></c></r>`,
	`<r><c><v>&#65</v></c></r>`,
	`<r><c><v>&#;</v></c></r>`,
	`<r><c><v>&#x;</v></c></r>`,
	`<r><c><v>&amp</v></c></r>`,
	`<r><c><v>& amp;</v></c></r>`,
	`<r><c><v>&é;</v></c></r>`,
	`<r><c><v>&a:b;</v></c></r>`,
	`<r><c><v>&1;</v></c></r>`,
	`<r><c><v>&#00000000065;&#x00041;</v></c></r>`,
	`<r><c><v>&#99999999999999999999999;</v></c></r>`,
	`<r><c><v>&#1;</v></c></r>`,
	`<r><c><v>&#9;&#xA;&#xd;</v></c></r>`,
	"<r><c><v>&#13;\n\r&#10;\r\n</v></c></r>",
	// names
	`<r><c:></c:></r>`, `<r><:c/></r>`, `<r><a:b:c/></r>`, `<r><c x:y:z="1"/></r>`,
	`<r><c :a="1" a:="2" x:b="3" xmlns="4"/></r>`,
	`<r><x:c xmlns:x="u"><x:v>1</x:v><y:v>2</y:v></x:c></r>`,
	`<r><x:c></y:c></r>`, `<r><c></x:c></r>`, `<r><:></:></r>`, `<r><c><a:/></c></r>`,
	`<é><c><é.ü>1</é.ü></c></é>`,
	"<r><c><v\u00b7>1</v\u00b7></c></r>",
	"<r><c><\u00b7v>1</\u00b7v></c></r>",
	`<r><c><1v/></c></r>`, `<r><c><-v/></c></r>`, `<r><c><.v/></c></r>`, `<r><c><_v-1.2/></c></r>`,
	"<r><c\u00a0/></r>",
	"<r><c><v\xff/></c></r>",
	"<r><c\u3000a=\"1\"/></r>",
	"<r><c>\u0e01</c></r>",
	// characters
	"<r><c><v>\x01</v></c></r>",
	"<r><c><v>\x7f\u0080\u00a0</v></c></r>",
	"<r><c><v>\xef\xbf\xbe</v></c></r>",
	"<r><c><v>\xed\xa0\x80</v></c></r>",
	"<r><c><v>\xf4\x90\x80\x80</v></c></r>",
	"<r><c><v>\xc0\x80</v></c></r>",
	"<r><c><v>\xe2\x82</v></c></r>",
	"<r><c><v>a\r\nb\rc\n\rd\r</v></c></r>",
	"\xff<c/>",
	"<c/>\x00",
	"<c/>\r\n\r\n",
	"<r><c><v>\U0001F600</v></c></r>",
	// truncated input
	"<c a=\"", "<c a=\"\xff", "<c><![CDATA[\xff", "<c>&", "<c>&#", "<c>&#x", "<c>&#12", "<c>&lt",
	"<?a", "<?a ", "<?a ?", "<!--", "<!-- --", "<!-- -", "<c", "<c ", "<c a", "<c a=", "<c/", "</", "</c", "</c ",
	"<", "<!", "<!-", "<![", "<c/>\xe2\x82", "<c/>]]", "<c/>]", "<c>\r",
	// declarations
	"<!DOCTYPE", "<!DOCTYPE r>", "<!>", "<!ELEMENT r ANY><c/>", "<c/><!DOCTYPE r [<!-- > -->]>",
}

// TestXMLReaderMatchesStdlibLarge checks inputs that outgrow the scanner's first
// buffer, too slow for the fuzzer to mutate.
func TestXMLReaderMatchesStdlibLarge(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"<r><c><v>" + strings.Repeat("é", 40000) + "</v></c><c>" + strings.Repeat("\r\n", 40000) + "</c></r>",
		"<r>" + strings.Repeat(`<c a="&amp;&#xE9;\r"><v>&lt;`+"\r\n</v></c>", 3000) + "</r>",
		strings.Repeat("<a>", maxDepth-1) + "<c/>" + strings.Repeat("</a>", maxDepth-1),
		strings.Repeat("<a>", maxDepth) + "<c/>" + strings.Repeat("</a>", maxDepth),
		"<r>" + strings.Repeat("<!-- x -->", 10000) + "<c/></r>",
	} {
		checkXMLMatchesStdlib(t, []byte(s))
	}
}

// readXMLCorpus returns the inputs of a fuzz target's corpus in testdata.
func readXMLCorpus(t testing.TB, target string) [][]byte {
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
	require.NoError(t, err)
	var inputs [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		require.Len(t, lines, 2, name)
		arg, ok := strings.CutPrefix(lines[1], "[]byte(")
		require.True(t, ok, name)
		s, err := strconv.Unquote(strings.TrimSuffix(arg, ")"))
		require.NoError(t, err, name)
		inputs = append(inputs, []byte(s))
	}
	return inputs
}

// FuzzXMLReaderMatchesStdlib checks that the XML reader accepts what encoding/xml
// accepts (refXMLReader), reads the same records from it and fails where it fails.
func FuzzXMLReaderMatchesStdlib(f *testing.F) {
	for _, s := range xmlSeeds {
		f.Add([]byte(s))
	}
	for _, b := range readXMLCorpus(f, "FuzzXMLReader") {
		f.Add(b)
	}
	f.Fuzz(checkXMLMatchesStdlib)
}

// xmlRun is what a reader made of a payload: its records, then its error (nil
// at io.EOF).
type xmlRun struct {
	Records []xmlRunRecord
	Err     *PayloadError
}

// xmlRunRecord is a record with its values in order.
type xmlRunRecord struct {
	Index  int
	Line   int
	Offset int64
	Values []xmlRunValue
}

type xmlRunValue struct {
	Path     string
	Text     string
	Children bool
}

// runXML reads every record of r.
func runXML(t *testing.T, r recordReader) xmlRun {
	t.Helper()
	var run xmlRun
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return run
		}
		if err != nil {
			require.ErrorAs(t, err, &run.Err)
			return run
		}
		x := xmlRunRecord{Index: rec.Index, Line: rec.Line, Offset: rec.Offset}
		for _, v := range rec.xvals {
			x.Values = append(x.Values, xmlRunValue{
				Path:     string(rec.xpath[v.pathStart:v.pathEnd]),
				Text:     string(rec.xtext[v.textStart:v.textEnd]),
				Children: v.children,
			})
		}
		run.Records = append(run.Records, x)
	}
}

// checkXMLMatchesStdlib reads data with the reader, in several ways, and with
// the reference.
func checkXMLMatchesStdlib(t *testing.T, data []byte) {
	// The default limit, and one that some records and tokens exceed.
	for _, limit := range []int{0, 40} {
		opts := Options{Format: FormatXML, RecordElement: "c", MaxRecordSize: limit}
		want := runXML(t, newRefXMLReader(bytes.NewReader(data), opts))
		r, err := newXMLReader(bytes.NewReader(data), opts, xmlBufSize)
		require.NoError(t, err)
		got := runXML(t, r)
		for _, wrap := range []func(io.Reader) io.Reader{iotest.OneByteReader, iotest.HalfReader, iotest.DataErrReader} {
			// A first buffer of 64 bytes grows with the records.
			r, err := newXMLReader(wrap(bytes.NewReader(data)), opts, 64)
			require.NoError(t, err)
			require.Equal(t, got, runXML(t, r), "the reads of the input and the first buffer's size do not matter")
		}
		requireSameXMLRun(t, data, want, got)
	}
}

// requireSameXMLRun requires the reader's run to be the reference's, but for the
// differences documented in docs/engine.md.
func requireSameXMLRun(t *testing.T, data []byte, want, got xmlRun) {
	t.Helper()
	require.Equal(t, want.Records, got.Records, "records of %q", data)
	if want.Err == nil || got.Err == nil {
		require.Equal(t, want.Err, got.Err, "errors of %q", data)
		return
	}
	w, g := *want.Err, *got.Err
	require.Equal(t, 1+bytes.Count(data[:g.Offset], []byte("\n")), g.Line, "line of the error in %q", data)
	w.Msg = strings.ReplaceAll(w.Msg, "unexpected EOF", "unexpected end of input")
	switch {
	case g.Msg == w.Msg && (g.Msg == "invalid UTF-8" || strings.HasPrefix(g.Msg, "illegal character code ")):
		// encoding/xml checks characters once it has read the whole text or
		// attribute value and reports them at its end; the reader reports the
		// character itself.
		require.LessOrEqual(t, g.Offset, w.Offset, "error in %q", data)
		w.Offset, w.Line = g.Offset, g.Line
	case g.Msg == "DTD not allowed":
		// encoding/xml reads a declaration to its end before the reader can
		// refuse it.
		require.LessOrEqual(t, g.Offset, w.Offset, "error in %q", data)
		w.Msg, w.Offset, w.Line = g.Msg, g.Offset, g.Line
	}
	require.Equal(t, w, g, "error in %q", data)
}
