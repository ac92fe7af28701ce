package ingest_test

import (
	"archive/zip"
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

// workbook builds an XLSX file: sheets in order, each a grid of cells
// (nil leaves a cell empty), set with excelize's typed SetCellValue.
func workbook(t testing.TB, sheets []string, grids [][][]any, props *excelize.WorkbookPropsOptions) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if props != nil {
		require.NoError(t, f.SetWorkbookProps(props))
	}
	for i, name := range sheets {
		if i == 0 {
			require.NoError(t, f.SetSheetName("Sheet1", name))
		} else {
			_, err := f.NewSheet(name)
			require.NoError(t, err)
		}
		for r, row := range grids[i] {
			for c, v := range row {
				if v == nil {
					continue
				}
				cell, err := excelize.CoordinatesToCellName(c+1, r+1)
				require.NoError(t, err)
				require.NoError(t, f.SetCellValue(name, cell, v))
			}
		}
	}
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	return buf.Bytes()
}

func xlsxOpts() ingest.Options {
	return ingest.Options{Format: ingest.FormatXLSX, CSVHeader: true}
}

func TestXLSXTypes(t *testing.T) {
	t.Parallel()
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	at := time.Date(2024, 3, 1, 13, 45, 30, 0, time.UTC)
	data := workbook(t, []string{"Contacts"}, [][][]any{{
		{"id", "name", "score", "active", "born", "seen", "note"},
		{1, "Zoë", 1.5, true, day, at, nil},
		{},
		{2, "Bo", 10, false, "2001-12-31", "2024-01-31T12:00:00Z", "x"},
		{3, nil, nil, nil, nil, nil, "only a note"},
		{"x4", "", "", "", 45351, 45352.5},
	}}, nil)
	fields := []ingest.Field{
		{Name: "id", Source: "id", Type: ingest.TypeInteger},
		{Name: "name", Source: "name", Type: ingest.TypeString},
		{Name: "score", Source: "score", Type: ingest.TypeNumber},
		{Name: "active", Source: "active", Type: ingest.TypeBoolean},
		{Name: "born", Source: "born", Type: ingest.TypeDate},
		{Name: "seen", Source: "seen", Type: ingest.TypeDatetime},
		{Name: "note", Source: "note", Type: ingest.TypeString},
	}
	res, used := readText(t, data, xlsxOpts(), fields)
	require.Equal(t, ingest.EncodingUTF8, used)
	require.Equal(t, []result{
		{Index: 0, Line: 2, Out: `{"id":1,"name":"Zoë","score":1.5,"active":true,"born":"2024-02-29","seen":"2024-03-01T13:45:30Z"}`},
		{Index: 1, Line: 4, Out: `{"id":2,"name":"Bo","score":10,"active":false,"born":"2001-12-31","seen":"2024-01-31T12:00:00Z","note":"x"}`},
		{Index: 2, Line: 5, Out: `{"id":3,"note":"only a note"}`},
		{Index: 3, Line: 6, Err: `field id: expected an integer (value "x4")`},
	}, res)

	res, _ = readText(t, data, xlsxOpts(), fields[4:6])
	require.Equal(t, `{"born":"2024-02-29","seen":"2024-03-01T12:00:00Z"}`, res[3].Out, "serial numbers as dates")
}

func TestXLSXDate1904(t *testing.T) {
	t.Parallel()
	yes := true
	data := workbook(t, []string{"S"}, [][][]any{{{"d"}, {0.5}, {1}, {43524}}}, &excelize.WorkbookPropsOptions{Date1904: &yes})
	res, _ := readText(t, data, xlsxOpts(), []ingest.Field{{Name: "d", Source: "d", Type: ingest.TypeDate}})
	require.Equal(t, `field d: not a valid date (YYYY-MM-DD) (value "0.5")`, res[0].Err)
	require.Equal(t, `{"d":"1904-01-02"}`, res[1].Out)
	require.Equal(t, `{"d":"2023-03-01"}`, res[2].Out)
}

func TestXLSXSheets(t *testing.T) {
	t.Parallel()
	data := workbook(t, []string{"First", "Second sheet"}, [][][]any{
		{{"a"}, {"one"}},
		{{"a"}, {"two"}, {"three"}},
	}, nil)
	fields := []ingest.Field{strField("a")}
	res, _ := readText(t, data, xlsxOpts(), fields)
	require.Equal(t, []result{{Index: 0, Line: 2, Out: `{"a":"one"}`}}, res)

	opts := xlsxOpts()
	opts.XLSXSheet = "Second sheet"
	res, _ = readText(t, data, opts, fields)
	require.Equal(t, []result{{Index: 0, Line: 2, Out: `{"a":"two"}`}, {Index: 1, Line: 3, Out: `{"a":"three"}`}}, res)

	opts.XLSXSheet = "Third"
	_, err := readAll(t, string(data), opts, fields, "")
	require.Equal(t, `invalid XLSX: the workbook has no sheet named "Third" (its sheets: First, Second sheet)`, err.Error())

	opts = xlsxOpts()
	opts.CSVHeader = false
	res, _ = readText(t, data, opts, []ingest.Field{{Name: "a", Source: "column_1", Type: ingest.TypeString}})
	require.Equal(t, []result{{Index: 0, Line: 1, Out: `{"a":"a"}`}, {Index: 1, Line: 2, Out: `{"a":"one"}`}}, res)
}

func TestXLSXRefused(t *testing.T) {
	t.Parallel()
	good := workbook(t, []string{"S"}, [][][]any{{{"a"}, {"x"}}}, nil)
	f, err := excelize.OpenReader(bytes.NewReader(good))
	require.NoError(t, err)
	var encrypted bytes.Buffer
	require.NoError(t, f.Write(&encrypted, excelize.Options{Password: "secret"}))
	require.NoError(t, f.Close())

	tests := []struct {
		name  string
		input []byte
		opts  func(*ingest.Options)
		msg   string
	}{
		{"password-protected", encrypted.Bytes(), nil,
			"invalid XLSX: the workbook is password-protected (encrypted) or an old .xls file; save it as an .xlsx workbook without a password"},
		{"not a zip", []byte("id,name\n1,x\n"), nil, "invalid XLSX: the file is not an XLSX workbook (not a zip archive)"},
		{"truncated", good[:len(good)/2], nil, "invalid XLSX: the file is not an XLSX workbook (not a zip archive)"},
		{"a zip of something else", zipOf(t, map[string]string{"hello.txt": "hi"}), nil, "invalid XLSX: the file is not a readable XLSX workbook"},
		{"over the unzip limit", zipOf(t, map[string]string{"xl/worksheets/sheet1.xml": strings.Repeat(" ", 3<<20)}),
			func(o *ingest.Options) { o.MaxUnzipSize = 2 << 20 }, "invalid XLSX: the workbook unpacks to more than 2 MiB; it is refused"},
		{"a part excelize keeps in memory over its limit", zipOf(t, map[string]string{"xl/styles.xml": strings.Repeat("\x00", 17<<20)}), nil,
			"invalid XLSX: the workbook unpacks to more than 2 GiB; it is refused"},
		{"no records", workbook(t, []string{"S"}, [][][]any{{{"a"}}}, nil), nil, "invalid XLSX (row 1): no records found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := xlsxOpts()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			_, err := readAll(t, string(tc.input), opts, []ingest.Field{strField("a")}, "")
			require.Equal(t, tc.msg, payloadErr(t, err).Error())
		})
	}
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestXLSXSheetList(t *testing.T) {
	t.Parallel()
	data := workbook(t, []string{"Ünits", "Two"}, [][][]any{{{"a"}}, {{"b"}}}, nil)
	sheets, err := ingest.XLSXSheets(bytes.NewReader(data), xlsxOpts())
	require.NoError(t, err)
	require.Equal(t, []string{"Ünits", "Two"}, sheets)
	_, err = ingest.XLSXSheets(strings.NewReader("a,b\n"), xlsxOpts())
	payloadErr(t, err)
}

func TestXLSXPreview(t *testing.T) {
	t.Parallel()
	data := workbook(t, []string{"S"}, [][][]any{{{"name", "born"}, {}, {"Zoë", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)}, {"x"}}}, nil)
	sheet, rows, more, err := ingest.XLSXPreview(bytes.NewReader(data), xlsxOpts(), 2)
	require.NoError(t, err)
	require.Equal(t, "S", sheet)
	require.Equal(t, [][]string{{"name", "born"}, {"Zoë", "02-29-24"}}, rows, "formatted as the sheet shows them")
	require.True(t, more)
}

// Column names stay right when the header's cells are inline strings or
// numbers, which the reader hands out as views of the row: shorter rows
// after the header reuse its bytes.
func TestXLSXStreamedHeader(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	require.NoError(t, err)
	const long = "the full name of the person, as written on the form"
	require.NoError(t, sw.SetRow("A1", []any{long, 2024}))
	for i := range 50 {
		require.NoError(t, sw.SetRow("A"+strconv.Itoa(i+2), []any{"p" + strconv.Itoa(i), i}))
	}
	require.NoError(t, sw.Flush())
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	res, _ := readText(t, buf.Bytes(), xlsxOpts(), []ingest.Field{{Name: "name", Source: long, Type: ingest.TypeString}, {Name: "y", Source: "2024", Type: ingest.TypeInteger}})
	require.Len(t, res, 50)
	require.Equal(t, `{"name":"p49","y":49}`, res[49].Out)
}
