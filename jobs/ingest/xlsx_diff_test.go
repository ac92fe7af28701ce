package ingest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// fuzzWorkbook builds a workbook from fuzz data: 0x01 starts a new row, 0x00
// a new cell; a cell that parses as a number is written as one, the others
// as text: shared strings through SetCellValue, or inline strings through
// the stream writer (as large exports write them) when stream is set. Rows
// and columns are bounded so that a workbook stays small.
func fuzzWorkbook(t *testing.T, data []byte, stream bool) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	var sw *excelize.StreamWriter
	if stream {
		var err error
		sw, err = f.NewStreamWriter("Sheet1")
		require.NoError(t, err)
	}
	for r, row := range bytes.Split(data, []byte{1}) {
		if r >= 50 {
			break
		}
		var cells []any
		for c, cell := range bytes.Split(row, []byte{0}) {
			if c >= 20 {
				break
			}
			var v any = string(bytes.ToValidUTF8(cell, nil))
			if n, err := strconv.ParseFloat(string(cell), 64); err == nil && n == n && n < 1e300 && n > -1e300 {
				v = n
			}
			if len(cell) == 0 {
				v = nil
			}
			cells = append(cells, v)
			if stream || v == nil {
				continue
			}
			name, err := excelize.CoordinatesToCellName(c+1, r+1)
			require.NoError(t, err)
			if err := f.SetCellValue("Sheet1", name, v); err != nil {
				return nil // text excelize refuses to store (too long, control characters)
			}
		}
		if stream {
			if err := sw.SetRow("A"+strconv.Itoa(r+1), cells); err != nil {
				return nil
			}
		}
	}
	if stream {
		require.NoError(t, sw.Flush())
	}
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	return buf.Bytes()
}

// refXLSXRows reads a sheet the simple way, through excelize's GetRows
// (the whole sheet in memory), and drops blank rows and, with a header, the
// first row left: what the streaming reader must hand out.
func refXLSXRows(t *testing.T, data []byte, header bool) (rows [][]string, lines []int) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	defer f.Close()
	all, err := f.GetRows(f.GetSheetList()[0], excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	for i, row := range all {
		if !slices.ContainsFunc(row, func(c string) bool { return c != "" }) {
			continue
		}
		if header {
			header = false
			continue
		}
		rows = append(rows, row)
		lines = append(lines, i+1)
	}
	return rows, lines
}

// FuzzXLSXMatchesGetRows holds the streaming XLSX reader to excelize's
// in-memory GetRows on workbooks written from the fuzzer's cells: the same
// rows with the same cells and row numbers, blank rows skipped.
func FuzzXLSXMatchesGetRows(f *testing.F) {
	f.Add([]byte("id\x00name\x01"+"1\x00Zoë\x01\x01"+"2\x00\x00x"), true, false)
	f.Add([]byte("\x01\x01a\x01"+"1.5e3\x00-0\x00 7 "), false, true)
	f.Fuzz(func(t *testing.T, data []byte, header, stream bool) {
		book := fuzzWorkbook(t, data, stream)
		if book == nil {
			return
		}
		want, lines := refXLSXRows(t, book, header)
		r := newXLSXReader(iotest.HalfReader(bytes.NewReader(book)), Options{Format: FormatXLSX, CSVHeader: header})
		defer func() { require.NoError(t, r.Close()) }()
		for i := 0; ; i++ {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				require.Len(t, want, i)
				return
			}
			if len(want) == 0 {
				var pe *PayloadError
				require.ErrorAs(t, err, &pe)
				require.Equal(t, noRecordsMsg, pe.Msg)
				return
			}
			require.NoError(t, err)
			require.Less(t, i, len(want))
			require.Equal(t, want[i], rec.cols)
			require.Equal(t, lines[i], rec.Line)
			require.Equal(t, i, rec.Index)
		}
	})
}

// FuzzXLSXReader feeds arbitrary bytes, starting from small workbooks
// (testdata/fuzz/FuzzXLSXReader), to the reader and mapper: every outcome is
// records, io.EOF or a *PayloadError, and Close leaves no temporary file.
func FuzzXLSXReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newXLSXReader(bytes.NewReader(data), Options{Format: FormatXLSX, CSVHeader: true, MaxUnzipSize: 64 << 20})
		m, err := NewMapper([]Field{
			{Name: "a", Source: "a", Type: TypeString}, {Name: "b", Source: "b", Type: TypeDate},
			{Name: "c", Source: "c", Type: TypeDatetime}, {Name: "d", Source: "d", Type: TypeNumber},
		}, "")
		require.NoError(t, err)
		for i := 0; i < 1000; i++ {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var pe *PayloadError
				require.ErrorAs(t, err, &pe)
				break
			}
			require.Equal(t, i, rec.Index)
			if _, _, err := m.Map(nil, rec); err != nil {
				var fe *FieldError
				require.ErrorAs(t, err, &fe)
			}
		}
		tmp := r.tmp
		require.NoError(t, r.Close())
		if tmp != "" {
			_, err := os.Stat(tmp)
			require.ErrorIs(t, err, os.ErrNotExist)
		}
	})
}
