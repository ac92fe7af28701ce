package filepreview

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func build(name, text string) Preview {
	return Build(name, "", int64(len(text)), []byte(text))
}

func TestJSONIsPrettyPrinted(t *testing.T) {
	t.Parallel()
	p := build("input.json", `[{"a":1,"b":[],"c":{"d":"x,\"}y"}},null]`)
	require.Equal(t, KindJSON, p.Kind)
	require.Equal(t, "[\n  {\n    \"a\": 1,\n    \"b\": [],\n    \"c\": {\n      \"d\": \"x,\\\"}y\"\n    }\n  },\n  null\n]", p.Text)
	require.Empty(t, p.Note)
	require.False(t, p.Partial)

	bad := build("broken.json", `{"a":`)
	require.Equal(t, KindJSON, bad.Kind)
	require.Contains(t, bad.Note, "not valid JSON")

	// A cut-off head is indented as far as it goes, and marked partial.
	full := `[` + strings.Repeat(`{"k":"v"},`, 100) + `{"k":"v"}]`
	cut := Build("big.json", "application/json", int64(len(full)), []byte(full[:55]))
	require.True(t, cut.Partial)
	require.Empty(t, cut.Note)
	require.True(t, strings.HasPrefix(cut.Text, "[\n  {\n    \"k\": \"v\"\n  },"))

	deep := build("deep.json", strings.Repeat("[", 5000)+strings.Repeat("]", 5000))
	require.LessOrEqual(t, len(deep.Text), 10000*(2*maxIndent+2), "indentation is capped: linear, not quadratic")
}

func TestLogsAreTables(t *testing.T) {
	t.Parallel()
	p := build("process.log", `{"index":0,"status":"inserted","uuid":"0190-a","error":null}
{"index":1,"status":"failed","uuid":null,"error":"=cmd|' /C calc'!A0"}
`)
	require.Equal(t, KindLog, p.Kind)
	require.Equal(t, []string{"index", "status", "uuid", "error"}, p.Columns)
	require.Equal(t, [][]string{{"0", "inserted", "0190-a", ""}, {"1", "failed", "", "'=cmd|' /C calc'!A0"}}, p.Rows)

	errs := build("error.log", `{"message":"not a number","index":3,"line":5,"field":"age","value":"x"}`)
	require.Equal(t, []string{"index", "line", "field", "value", "message"}, errs.Columns)

	notJSON := build("server.log", "plain text log\nline two\n")
	require.Equal(t, KindText, notJSON.Kind)

	text := `{"index":0}` + "\n" + `{"index":1}` + "\n" + `{"ind`
	cut := Build("process.log", "", 1000, []byte(text))
	require.Equal(t, KindLog, cut.Kind)
	require.Len(t, cut.Rows, 2, "the cut-off last line is left out")
	require.True(t, cut.Partial)
}

func TestCSVIsATableOfTheFirstRows(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	sb.WriteString("name,amount,formula\n")
	for i := 0; i < 150; i++ {
		sb.WriteString("x,1,=SUM(A1)\n")
	}
	p := build("data.csv", sb.String())
	require.Equal(t, KindCSV, p.Kind)
	require.Equal(t, []string{"name", "amount", "formula"}, p.Columns)
	require.Len(t, p.Rows, MaxCSVRows)
	require.True(t, p.Partial)
	require.Equal(t, "'=SUM(A1)", p.Rows[0][2])

	semi := build("semi.csv", "a;b\n+1;@x\n-2;\"q;q\"\n")
	require.Equal(t, []string{"a", "b"}, semi.Columns)
	require.Equal(t, [][]string{{"'+1", "'@x"}, {"'-2", "q;q"}}, semi.Rows)
	require.False(t, semi.Partial)

	ragged := build("ragged.csv", "a,b\n1\n1,2,3\n")
	require.Len(t, ragged.Rows, 2)
}

func TestXMLTextAndBinary(t *testing.T) {
	t.Parallel()
	x := build("input.xml", `<?xml version="1.0"?><a><script>alert(1)</script></a>`)
	require.Equal(t, KindXML, x.Kind)
	require.Contains(t, x.Text, "<script>", "kept as text; the template escapes it")

	html := build("page.html", "<h1>hi</h1>")
	require.Equal(t, KindText, html.Kind)

	bin := Build("image.png", "image/png", 10, []byte{0x89, 'P', 'N', 'G', 0, 0, 1, 2, 3, 4})
	require.Equal(t, KindBinary, bin.Kind)
	latin1 := build("old.txt", "caf\xe9")
	require.Equal(t, KindBinary, latin1.Kind)

	// A multi-byte character cut by the 256 KB limit does not make text binary.
	cut := Build("notes.txt", "text/plain", 100, []byte("café")[:4])
	require.Equal(t, KindText, cut.Kind)
	require.Equal(t, "caf", cut.Text)

	require.Equal(t, KindEmpty, build("empty.csv", "").Kind)
	require.Equal(t, KindJSON, Build("data", "application/json; charset=utf-8", 2, []byte("{}")).Kind)
}

func TestNeutraliseCell(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM": "'@SUM", "\tx": "'\tx", "ok": "ok", "": "", "a=b": "a=b"} {
		require.Equal(t, want, NeutraliseCell(in), in)
	}
}

func TestTablesStayWithinBounds(t *testing.T) {
	t.Parallel()
	// Every line brings new keys: the columns are capped, and so are the cells.
	var wide strings.Builder
	for i := 0; wide.Len() < 60<<10; i++ {
		fmt.Fprintf(&wide, "{\"index\":%d,\"a%d\":1,\"b%d\":2}\n", i, i, i)
	}
	log := build("wide.log", wide.String())
	require.Equal(t, KindLog, log.Kind)
	require.True(t, log.Shortened)
	require.Len(t, log.Columns, MaxColumns)
	require.Equal(t, "index", log.Columns[0], "the known columns come first")
	cells := 0
	for _, row := range log.Rows {
		require.Len(t, row, MaxColumns)
		cells += len(row)
	}
	require.LessOrEqual(t, cells, MaxCells)
	require.Len(t, log.Rows, MaxCells/MaxColumns)

	long := build("error.log", fmt.Sprintf("{\"message\":%q}\n", strings.Repeat("é", MaxCellBytes)))
	require.True(t, long.Shortened)
	require.True(t, strings.HasSuffix(long.Rows[0][0], "…"))
	require.LessOrEqual(t, len(long.Rows[0][0]), MaxCellBytes+len("…"))
	require.True(t, utf8.ValidString(long.Rows[0][0]), "cut between characters")

	csv := build("wide.csv", strings.Repeat("h,", 200)+"h\n"+strings.Repeat("1,", 200)+"1\n")
	require.True(t, csv.Shortened)
	require.Len(t, csv.Columns, MaxColumns)
	require.Len(t, csv.Rows[0], MaxColumns)

	plain := build("ok.log", `{"index":0,"status":"inserted"}`)
	require.False(t, plain.Shortened)
}

func TestJSONTextIsBounded(t *testing.T) {
	t.Parallel()
	deep := Build("deep.json", "application/json", 300<<10, []byte(strings.Repeat("[", MaxBytes)))
	require.True(t, deep.Shortened)
	require.LessOrEqual(t, len(deep.Text), MaxTextBytes+2*maxIndent+1)
	require.False(t, build("small.json", `{"a":[1,2]}`).Shortened)
}
