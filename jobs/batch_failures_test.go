package jobs_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

func TestFailuresAreStoredGroupedAndCapped(t *testing.T) {
	t.Parallel()
	const n, stored = 1000, 50
	opts := ingesttest.Options{Seed: 3, BadEvery: 7}
	tb := setup(t)
	tb.deps.StoredErrors = stored
	tb.startWorkers(t, 300)
	b := tb.run(t, tb.newBatch(t, tb.newInterface(t, models.FormatCSV), payload(t, models.FormatCSV, n, opts)))
	require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
	require.EqualValues(t, 142, b.FailedCount)
	require.Equal(t, models.OutcomeWithErrors, b.Outcome())

	// The first 50 failures are stored, in index order, with their lines.
	page, err := models.ListBatchErrors(context.Background(), tb.gdb, tb.account.ID, b.ID, models.ErrorFilter{After: -1, Limit: 500})
	require.NoError(t, err)
	require.Len(t, page.Errors, stored)
	require.EqualValues(t, -1, page.Next)
	for j, e := range page.Errors {
		require.EqualValues(t, 7*j+6, e.BatchIndex)
		require.Positive(t, e.Line)
		if j%2 == 0 {
			require.Equal(t, models.BatchError{BatchIndex: e.BatchIndex, Line: e.Line, Field: "age", Message: e.Message, Value: "abc"}, e)
			require.Contains(t, e.Message, "integer")
		} else {
			require.Equal(t, "external_id", e.Field)
			require.Equal(t, "required field missing", e.Message)
		}
	}

	// The groups count every failure across the chunks.
	groups, err := models.BatchErrorGroups(context.Background(), tb.gdb, tb.account.ID, []uuid.UUID{b.ID}, 20)
	require.NoError(t, err)
	require.Len(t, groups[b.ID], 2)
	age, key := groups[b.ID][0], groups[b.ID][1]
	require.Equal(t, "age", age.Field)
	require.EqualValues(t, 71, age.Count)
	require.Equal(t, []int64{6, 20, 34, 48, 62}, age.Examples)
	require.Equal(t, models.ErrorGroup{Field: "external_id", Message: "required field missing", Count: 71, Examples: []int64{13, 27, 41, 55, 69}}, key)

	// Another account sees none of it.
	other := &models.Account{Name: "Other"}
	require.NoError(t, tb.gdb.Create(other).Error)
	groups, err = models.BatchErrorGroups(context.Background(), tb.gdb, other.ID, []uuid.UUID{b.ID}, 20)
	require.NoError(t, err)
	require.Empty(t, groups)
	page, err = models.ListBatchErrors(context.Background(), tb.gdb, other.ID, b.ID, models.ErrorFilter{After: -1})
	require.NoError(t, err)
	require.Empty(t, page.Errors)
}

func TestErrorListPagesByKeysetAndField(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.startWorkers(t, 100)
	opts := ingesttest.Options{Seed: 4, BadEvery: 3}
	b := tb.run(t, tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, 600, opts)))
	require.EqualValues(t, 200, b.FailedCount)
	var seen []int64
	for after := int64(-1); after >= -1; {
		page, err := models.ListBatchErrors(context.Background(), tb.gdb, tb.account.ID, b.ID, models.ErrorFilter{Field: "age", After: after, Limit: 30})
		require.NoError(t, err)
		for _, e := range page.Errors {
			require.Equal(t, "age", e.Field)
			seen = append(seen, e.BatchIndex)
		}
		if page.Next < 0 {
			break
		}
		after = page.Next
	}
	require.Len(t, seen, 100)
	for i := 1; i < len(seen); i++ {
		require.Greater(t, seen[i], seen[i-1])
	}
}

// failedCase is an input whose failed records file is checked.
type failedCase struct {
	name    string
	format  models.Format
	path    string
	payload func(t *testing.T, n int, opts ingesttest.Options) []byte
}

var failedCases = []failedCase{
	{name: "csv", format: models.FormatCSV, payload: func(t *testing.T, n int, o ingesttest.Options) []byte { return payload(t, models.FormatCSV, n, o) }},
	{name: "json", format: models.FormatJSON, payload: func(t *testing.T, n int, o ingesttest.Options) []byte { return payload(t, models.FormatJSON, n, o) }},
	{name: "ndjson", format: models.FormatJSON, payload: func(t *testing.T, n int, o ingesttest.Options) []byte {
		var buf bytes.Buffer
		require.NoError(t, ingesttest.WriteNDJSON(&buf, n, o))
		return buf.Bytes()
	}},
	{name: "json-nested", format: models.FormatJSON, path: "data.items", payload: func(t *testing.T, n int, o ingesttest.Options) []byte {
		return []byte(`{"meta":{"n":1},"data":{"items":` + string(payload(t, models.FormatJSON, n, o)) + `}}`)
	}},
	{name: "xml", format: models.FormatXML, payload: func(t *testing.T, n int, o ingesttest.Options) []byte { return payload(t, models.FormatXML, n, o) }},
}

func TestFailedRecordsFileHoldsTheFailingRecordsInTheInputFormat(t *testing.T) {
	t.Parallel()
	const n = 100
	opts := ingesttest.Options{Seed: 9, BadEvery: 7}
	for _, fc := range failedCases {
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t)
			tb.startWorkers(t, 40)
			iface := tb.newInterface(t, fc.format)
			if fc.path != "" {
				iface.RecordsPath = fc.path
				require.NoError(t, tb.gdb.Save(iface).Error)
			}
			b := tb.run(t, tb.newBatch(t, iface, fc.payload(t, n, opts)))
			require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
			require.EqualValues(t, 14, b.FailedCount)

			f, content, ok := tb.file(t, b, models.KindFailed)
			require.True(t, ok, "failed records file")
			require.Equal(t, "failed."+string(fc.format), f.Name)
			_, proc, _ := tb.file(t, b, models.KindProcess)
			var want []string
			for _, l := range ndjson[processLine](t, proc) {
				if l.Status == "failed" {
					want = append(want, *l.Error)
				}
			}

			// The same interface reads it: the same records fail, with the same errors.
			rd, err := ingest.NewReader(bytes.NewReader(content), jobs.IngestOptions(iface, fc.format))
			require.NoError(t, err)
			m, err := ingest.NewMapper(jobs.IngestFields(iface.Fields), "")
			require.NoError(t, err)
			var got []string
			for {
				rec, err := rd.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				require.NoError(t, err)
				_, _, merr := m.Map(nil, rec)
				var ferr *ingest.FieldError
				require.ErrorAs(t, merr, &ferr)
				got = append(got, "field "+ferr.Field+": "+ferr.Msg)
			}
			require.Equal(t, want, got)
			require.Equal(t, want, errorsIn(t, fc, content))
		})
	}
}

// errorsIn reads the error column, member or attribute of each record of a
// failed records file with a reader of the format's own library.
func errorsIn(t *testing.T, fc failedCase, content []byte) []string {
	t.Helper()
	var out []string
	switch fc.name {
	case "csv":
		rows, err := csv.NewReader(bytes.NewReader(content)).ReadAll()
		require.NoError(t, err)
		require.Equal(t, "error", rows[0][len(rows[0])-1])
		require.Equal(t, "external_id", rows[0][0])
		for _, r := range rows[1:] {
			out = append(out, r[len(r)-1])
		}
	case "json", "json-nested":
		var items []map[string]any
		if fc.path != "" {
			var doc struct {
				Data struct {
					Items []map[string]any `json:"items"`
				} `json:"data"`
			}
			require.NoError(t, json.Unmarshal(content, &doc))
			items = doc.Data.Items
		} else {
			require.NoError(t, json.Unmarshal(content, &items))
		}
		for _, it := range items {
			out = append(out, it["_error"].(string))
		}
	case "ndjson":
		for _, line := range strings.Split(strings.TrimSuffix(string(content), "\n"), "\n") {
			var it map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &it))
			out = append(out, it["_error"].(string))
		}
	case "xml":
		var doc struct {
			XMLName  xml.Name `xml:"failed-records"`
			Contacts []struct {
				Error string `xml:"_error,attr"`
				Seq   string `xml:"seq,attr"`
			} `xml:"contact"`
		}
		require.NoError(t, xml.Unmarshal(content, &doc))
		for _, c := range doc.Contacts {
			require.NotEmpty(t, c.Seq)
			out = append(out, c.Error)
		}
	}
	return out
}

func TestSpreadsheetSafeCellsComeBack(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"=SUM(A1:A2)": "'=SUM(A1:A2)", "+49 30 1234": "'+49 30 1234", "-x": "'-x", "@home": "'@home",
		"\tTab": "'\tTab", "'quoted": "''quoted", "-5": "-5", "+1.5": "+1.5", "plain": "plain", "": "",
	}
	for in, want := range cases {
		require.Equal(t, want, jobs.SpreadsheetSafe(in), in)
		require.Equal(t, in, jobs.UnescapeSpreadsheetCell(jobs.SpreadsheetSafe(in)), in)
	}
	var out bytes.Buffer
	require.NoError(t, jobs.WriteRerunInput(&out, strings.NewReader("a;b\n'=1+1;'@x\n"), models.FormatCSV, ';'))
	require.Equal(t, "a;b\n=1+1;@x\n", out.String())
}

func TestRunRefusesAKeyFieldTheInterfaceDoesNotMap(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.flow.KeyField = "customer_no"
	require.NoError(t, tb.gdb.Save(tb.flow).Error)
	b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, 3, ingesttest.Options{}))
	_, err := jobs.RunBatch(context.Background(), tb.gdb, tb.queue, tb.account.ID, b.ID)
	var incomplete *models.IncompleteError
	require.ErrorAs(t, err, &incomplete)
	require.Equal(t, []string{jobs.MissingKeyField("customer_no")}, incomplete.Missing)
	require.Equal(t, models.StatusDraft, tb.batch(t, b.ID).Status)

	tb.flow.KeyField = ingesttest.KeyField
	require.NoError(t, tb.gdb.Save(tb.flow).Error)
	_, err = jobs.RunBatch(context.Background(), tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)
}
