package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/flowbatch/flowbatch/models"
)

// peopleInterface reads name, city and born (a date) in format f.
func (tb *testBundle) peopleInterface(t *testing.T, f models.Format, set func(*models.Interface)) *models.Interface {
	t.Helper()
	i := &models.Interface{AccountID: tb.account.ID, Name: "People " + string(f), Format: f, Scopes: models.Scopes{models.ScopeBatch},
		FlowID: &tb.flow.ID, CSVDelimiter: models.DelimiterAuto, CSVQuote: `"`, CSVHeader: true, Encoding: models.EncodingAuto,
		Fields: models.Fields{
			{Name: "name", Source: "name", Type: models.TypeString, Required: true},
			{Name: "city", Source: "city", Type: models.TypeString},
			{Name: "born", Source: "born", Type: models.TypeDate},
		}}
	if set != nil {
		set(i)
	}
	i.Normalize()
	require.Nil(t, i.Check())
	require.NoError(t, models.CreateInterface(context.Background(), tb.gdb, i))
	return i
}

// peopleData returns the stored documents of a batch, in order.
func (tb *testBundle) peopleData(t *testing.T, b *models.Batch) []string {
	t.Helper()
	rows, err := tb.db.Pool.Query(context.Background(), "SELECT data::text FROM records WHERE batch_id = $1 ORDER BY batch_index", b.ID)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

// A Latin-1 file of French and German names imports with every character
// right, although its first 3,000 rows are plain ASCII (valid UTF-8): the
// validation pass reads the whole file before anything is inserted, in
// chunks of 500, so the encoding is decided once for all of them.
func TestProcessBatchLatin1(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.startWorkers(t, 500)
	var b strings.Builder
	b.WriteString("name;city;born\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "Person %d;Paris;2001-01-01\n", i)
	}
	b.WriteString("François Lefèvre;Besançon;1980-05-17\nJürgen Groß;Köln;1975-11-02\nŒuvre Cœur;Saint-Étienne;\n")
	latin1, err := charmap.Windows1252.NewEncoder().String(b.String())
	require.NoError(t, err)

	batch := tb.run(t, tb.newBatch(t, tb.peopleInterface(t, models.FormatCSV, nil), []byte(latin1)))
	require.Equal(t, models.StatusFinished, batch.Status, batch.ErrorMessage)
	require.EqualValues(t, 3003, batch.InsertedCount)
	require.Equal(t, models.EncodingWindows1252, batch.ReadEncoding)
	docs := tb.peopleData(t, batch)
	require.JSONEq(t, `{"name":"Person 0","city":"Paris","born":"2001-01-01"}`, docs[0])
	require.JSONEq(t, `{"name":"François Lefèvre","city":"Besançon","born":"1980-05-17"}`, docs[3000])
	require.JSONEq(t, `{"name":"Jürgen Groß","city":"Köln","born":"1975-11-02"}`, docs[3001])
	require.JSONEq(t, `{"name":"Œuvre Cœur","city":"Saint-Étienne"}`, docs[3002])
}

// A Windows-1252 export whose very first record, and a header with human
// names, are not UTF-8: the worker's column matching reads the start of the
// file in the fallback encoding too, as the validation pass does, and the
// normalised headers find their fields.
func TestProcessBatchWindows1252FromTheFirstRowWithHumanHeaders(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.startWorkers(t, 500)
	text := "Name;City;Born\nFrançois Lefèvre;Besançon;1980-05-17\nJürgen Groß;Köln;1975-11-02\n"
	cp1252, err := charmap.Windows1252.NewEncoder().String(text)
	require.NoError(t, err)

	batch := tb.run(t, tb.newBatch(t, tb.peopleInterface(t, models.FormatCSV, nil), []byte(cp1252)))
	require.Equal(t, models.StatusFinished, batch.Status, batch.ErrorMessage)
	require.EqualValues(t, 2, batch.InsertedCount)
	require.Equal(t, models.EncodingWindows1252, batch.ReadEncoding)
	require.Equal(t, []string{`{"born": "1980-05-17", "city": "Besançon", "name": "François Lefèvre"}`,
		`{"born": "1975-11-02", "city": "Köln", "name": "Jürgen Groß"}`}, tb.peopleData(t, batch))
}

// The batch's read options beat the interface's: here UTF-16 (big-endian,
// with its byte order mark) with tabs and a header, into an interface set
// to Windows-1252 and semicolons.
func TestProcessBatchReadOptionsAndUTF16(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	tb.startWorkers(t, 500)
	iface := tb.peopleInterface(t, models.FormatCSV, func(i *models.Interface) {
		i.Encoding, i.CSVDelimiter = models.EncodingWindows1252, ";"
	})
	text := "name\tcity\r\nZoë;1\tGöteborg\r\n"
	data, err := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
	require.NoError(t, err)
	batch := tb.newBatch(t, iface, data)
	require.NoError(t, tb.gdb.WithContext(ctx).Model(batch).Update("read_options", models.ReadOptions{Delimiter: "\t"}).Error)

	batch = tb.run(t, batch)
	require.Equal(t, models.StatusFinished, batch.Status, batch.ErrorMessage)
	require.Equal(t, "utf-16be", batch.ReadEncoding)
	require.Equal(t, []string{`{"city": "Göteborg", "name": "Zoë;1"}`}, tb.peopleData(t, batch))
}

func TestProcessBatchXLSX(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.startWorkers(t, 500)
	f := excelize.NewFile()
	_, err := f.NewSheet("People")
	require.NoError(t, err)
	require.NoError(t, f.SetSheetRow("Sheet1", "A1", &[]any{"other"}))
	require.NoError(t, f.SetSheetRow("People", "A1", &[]any{"name", "city", "born"}))
	const n = 1234
	for i := range n {
		require.NoError(t, f.SetSheetRow("People", fmt.Sprintf("A%d", i+2), &[]any{fmt.Sprintf("Person %d", i), "Köln", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)}))
	}
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	require.NoError(t, f.Close())

	iface := tb.peopleInterface(t, models.FormatXLSX, func(i *models.Interface) { i.XLSXSheet = "People" })
	batch := tb.run(t, tb.newBatch(t, iface, buf.Bytes()))
	require.Equal(t, models.StatusFinished, batch.Status, batch.ErrorMessage)
	require.EqualValues(t, n, batch.InsertedCount)
	docs := tb.peopleData(t, batch)
	require.JSONEq(t, `{"name":"Person 0","city":"Köln","born":"2000-01-01"}`, docs[0])
	require.JSONEq(t, `{"name":"Person 1233","city":"Köln","born":"2003-05-18"}`, docs[n-1])

	// A password-protected workbook ends the batch ERROR with a sentence that says what to do.
	enc := excelize.NewFile()
	require.NoError(t, enc.SetSheetRow("Sheet1", "A1", &[]any{"name"}))
	var locked strings.Builder
	require.NoError(t, enc.Write(&locked, excelize.Options{Password: "pw"}))
	batch = tb.run(t, tb.newBatch(t, iface, []byte(locked.String())))
	require.Equal(t, models.StatusError, batch.Status)
	require.Equal(t, "invalid XLSX: the workbook is password-protected (encrypted) or an old .xls file; save it as an .xlsx workbook without a password", batch.ErrorMessage)
	require.Zero(t, tb.count(t, "SELECT count(*) FROM records WHERE batch_id = $1", batch.ID))
}

// A workbook's failed rows come back as a workbook: the header with an error
// column, each failed row with its message, numbers and dates as numbers.
// Fixed in a spreadsheet and sent again, it finishes clean.
func TestFailedRecordsOfAWorkbookRoundTrip(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.startWorkers(t, 500)
	f := excelize.NewFile()
	require.NoError(t, f.SetSheetRow("Sheet1", "A1", &[]any{"name", "city", "born"}))
	require.NoError(t, f.SetSheetRow("Sheet1", "A2", &[]any{"Ada", "London", time.Date(1915, 12, 10, 0, 0, 0, 0, time.UTC)}))
	require.NoError(t, f.SetSheetRow("Sheet1", "A3", &[]any{"Grace", "=HYPERLINK(1)", "someday"}))
	require.NoError(t, f.SetSheetRow("Sheet1", "A4", &[]any{"Alan", "Wilmslow", time.Date(1912, 6, 23, 0, 0, 0, 0, time.UTC)}))
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	require.NoError(t, f.Close())

	iface := tb.peopleInterface(t, models.FormatXLSX, nil)
	batch := tb.run(t, tb.newBatch(t, iface, buf.Bytes()))
	require.Equal(t, models.StatusFinished, batch.Status, batch.ErrorMessage)
	require.EqualValues(t, 2, batch.InsertedCount)
	require.EqualValues(t, 1, batch.FailedCount)
	file, content, ok := tb.file(t, batch, models.KindFailed)
	require.True(t, ok, "a failed records file")
	require.Equal(t, "failed.xlsx", file.Name)

	failed, err := excelize.OpenReader(bytes.NewReader(content))
	require.NoError(t, err)
	rows, err := failed.GetRows(failed.GetSheetName(0))
	require.NoError(t, err)
	require.Len(t, rows, 2, "the header and the one failed row")
	require.Equal(t, []string{"name", "city", "born", "error"}, rows[0])
	require.Equal(t, []string{"Grace", "=HYPERLINK(1)", "someday"}, rows[1][:3])
	require.Contains(t, rows[1][3], "born")
	formula, err := failed.GetCellFormula(failed.GetSheetName(0), "B2")
	require.NoError(t, err)
	require.Empty(t, formula, "a cell that looks like a formula stays text")

	// Fixed in a spreadsheet (which saves the whole workbook anew) and sent
	// again: every row goes in; the error column is not read.
	require.NoError(t, failed.Close())
	edited := excelize.NewFile()
	require.NoError(t, edited.SetSheetRow("Sheet1", "A1", &[]any{rows[0][0], rows[0][1], rows[0][2], rows[0][3]}))
	require.NoError(t, edited.SetSheetRow("Sheet1", "A2", &[]any{rows[1][0], rows[1][1], time.Date(1906, 12, 9, 0, 0, 0, 0, time.UTC), rows[1][3]}))
	fixed, err := edited.WriteToBuffer()
	require.NoError(t, err)
	require.NoError(t, edited.Close())
	rerun := tb.run(t, tb.newBatch(t, iface, fixed.Bytes()))
	require.Equal(t, models.StatusFinished, rerun.Status, rerun.ErrorMessage)
	_, errLog, _ := tb.file(t, rerun, models.KindError)
	require.EqualValues(t, 1, rerun.InsertedCount, "%s", errLog)
	require.Zero(t, rerun.FailedCount)
	require.Equal(t, []string{`{"born": "1906-12-09", "city": "=HYPERLINK(1)", "name": "Grace"}`}, tb.peopleData(t, rerun))
}
