package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/models/colmatch"
)

func TestDetectColumnsOfEachFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		format  ingest.Format
		payload string
		want    []colmatch.Column
	}{
		{ingest.FormatCSV, "External ID,E-mail\r\n1,a@x\r\n2,\r\n3,c@x\r\n4,d@x\r\n5,e@x\r\n", []colmatch.Column{
			{Name: "External ID", Position: 0, Samples: []string{"1", "2", "3"}},
			{Name: "E-mail", Position: 1, Samples: []string{"a@x", "c@x", "d@x"}},
		}},
		{ingest.FormatJSON, `[{"id":1,"address":{"city":"Lyon","geo":{"lat":45.7}},"tags":["a"]},{"id":2,"mail":null}]`, []colmatch.Column{
			{Name: "id", Position: 0, Samples: []string{"1", "2"}},
			{Name: "address.city", Position: 1, Samples: []string{"Lyon"}},
			{Name: "address.geo.lat", Position: 2, Samples: []string{"45.7"}},
			{Name: "mail", Position: 3, Samples: []string{}},
		}},
		{ingest.FormatXML, `<r><record id="7"><name>Ann</name><address><city>Lyon</city></address></record></r>`, []colmatch.Column{
			{Name: "@id", Position: 0, Samples: []string{"7"}},
			{Name: "name", Position: 1, Samples: []string{"Ann"}},
			{Name: "address.city", Position: 2, Samples: []string{"Lyon"}},
		}},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			t.Parallel()
			cols, err := jobs.DetectColumns(strings.NewReader(tc.payload), ingest.Options{Format: tc.format, CSVHeader: true, RecordElement: "record"})
			require.NoError(t, err)
			require.Equal(t, tc.want, cols)
		})
	}
}

func TestDetectColumnsReportsAPayloadFault(t *testing.T) {
	t.Parallel()
	cols, err := jobs.DetectColumns(strings.NewReader("a,b\n1,2\n\"3,4\n"), ingest.Options{Format: ingest.FormatCSV, CSVHeader: true})
	var pe *ingest.PayloadError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, []string{"a", "b"}, colmatch.Names(cols))
}

// humanContacts writes n contacts under human column names.
func humanContacts(n int) []byte {
	var b bytes.Buffer
	b.WriteString("External ID,Given name,E-mail,Other mail\n")
	for i := range n {
		fmt.Fprintf(&b, "ext-%d,Ann %d,ann%d@example.com,other%d@example.com\n", i, i, i, i)
	}
	return b.Bytes()
}

func TestBatchColumnMapBeatsTheInterfaceAndSuggestionsWaitForAChoice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	tb.startWorkers(t, 0)
	iface := tb.newInterface(t, models.FormatCSV)
	b := tb.newBatch(t, iface, humanContacts(5))
	require.NoError(t, tb.gdb.Model(b).Update("column_map", models.ColumnMap{"email": "Other mail"}).Error)

	b = tb.run(t, b)
	require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
	require.EqualValues(t, 5, b.InsertedCount)
	var doc map[string]any
	require.NoError(t, tb.db.Pool.QueryRow(ctx, "SELECT data FROM records WHERE batch_index = 3 AND batch_id = $1", b.ID).Scan(&doc))
	require.Equal(t, map[string]any{"external_id": "ext-3", "email": "other3@example.com"}, doc,
		"External ID is a normalised match, email the batch's choice, Given name only a suggestion")

	snap, err := models.BatchSnapshotByID(ctx, tb.gdb, tb.account.ID, b.ID)
	require.NoError(t, err)
	require.True(t, snap.Resolved)
	require.Equal(t, "External ID", snap.ColumnMap["external_id"])
	require.Equal(t, "Other mail", snap.ColumnMap["email"])
	require.Equal(t, "first_name", snap.ColumnMap["first_name"])
	require.Equal(t, iface.Fields, snap.Interface.Fields)
}

func TestInterfaceEditedMidRunDoesNotChangeTheBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	deps := tb.deps
	deps.ChunkSize = 200
	deps.SliceBudget = time.Nanosecond // one chunk per attempt, then a snooze
	first, err := jobs.NewClient(deps, 1)
	require.NoError(t, err)
	require.NoError(t, first.Start(ctx))

	const n = 4000
	iface := tb.newInterface(t, models.FormatJSON)
	b := tb.newBatch(t, iface, payload(t, models.FormatJSON, n, ingesttest.Options{Seed: 2}))
	_, err = jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)
	tb.waitFor(t, b.ID, time.Minute, func(b *models.Batch) bool { return b.ProcessedCount >= 200 })
	// The worker stops between two chunks, as after a crash; the interface
	// is renamed, then another worker resumes the batch.
	stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, first.Stop(stopCtx))
	mid := tb.batch(t, b.ID)
	require.Less(t, mid.ProcessedCount, int64(n), "the interface is edited mid-run")

	original := append(models.Fields(nil), iface.Fields...)
	renamed := make(models.Fields, len(iface.Fields))
	for i, f := range iface.Fields {
		f.Name = "new_" + f.Name
		renamed[i] = f
	}
	require.NoError(t, tb.gdb.Model(iface).Update("fields", renamed).Error)
	require.NoError(t, tb.db.Pool.QueryRow(ctx, "UPDATE flows SET key_field = 'new_external_id' WHERE id = $1 RETURNING id", tb.flow.ID).Scan(new(any)))

	second, err := jobs.NewClient(deps, 1)
	require.NoError(t, err)
	require.NoError(t, second.Start(ctx))
	t.Cleanup(func() { _ = second.Stop(context.Background()) })
	b = tb.waitFor(t, b.ID, 2*time.Minute, func(b *models.Batch) bool { return b.Status == models.StatusFinished || b.Status == models.StatusError })
	require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
	require.EqualValues(t, n, b.InsertedCount)
	require.Equal(t, n, tb.count(t, "SELECT count(*) FROM records WHERE batch_id = $1 AND data ? 'external_id' AND key IS NULL", b.ID),
		"every record has the snapshot's field names and no key")
	require.Equal(t, 0, tb.count(t, "SELECT count(*) FROM records WHERE data ? 'new_external_id'"))
	var raw []byte
	require.NoError(t, tb.db.Pool.QueryRow(ctx, "SELECT run_snapshot FROM batches WHERE id = $1", b.ID).Scan(&raw))
	var snap models.BatchSnapshot
	require.NoError(t, json.Unmarshal(raw, &snap))
	require.Equal(t, original, snap.Interface.Fields)
	require.Equal(t, "", snap.KeyField)
}

// A small input's batch saves its resolved snapshot with the statement that
// ends it: FINISHED above, ERROR here, where the payload breaks after the
// columns were read.
func TestSmallBatchEndedByAPayloadFaultKeepsItsResolvedSnapshot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	tb.startWorkers(t, 0)
	iface := tb.newInterface(t, models.FormatCSV)
	broken := append(humanContacts(3), "ext-9,\"Ann\n"...)
	b := tb.run(t, tb.newBatch(t, iface, broken))
	require.Equal(t, models.StatusError, b.Status)
	snap, err := models.BatchSnapshotByID(ctx, tb.gdb, tb.account.ID, b.ID)
	require.NoError(t, err)
	require.True(t, snap.Resolved)
	require.Equal(t, "External ID", snap.ColumnMap["external_id"])
}

// TestDetectColumnsOfAWindows1252Input detects the columns of an auto input
// that proves not to be UTF-8 (a Windows-1252 "é"), held in memory (read
// again from its start) and streamed (read again from what was read): both
// read it in the fallback encoding, as the validation pass does.
func TestDetectColumnsOfAWindows1252Input(t *testing.T) {
	t.Parallel()
	payload := "Name,City\r\nRen\xe9,Li\xe8ge\r\nAnn,Lyon\r\n"
	want := []colmatch.Column{
		{Name: "Name", Position: 0, Samples: []string{"René", "Ann"}},
		{Name: "City", Position: 1, Samples: []string{"Liège", "Lyon"}},
	}
	opts := ingest.Options{Format: ingest.FormatCSV, CSVHeader: true, Encoding: ingest.EncodingAuto}
	for name, in := range map[string]io.Reader{
		"held":     bytes.NewReader([]byte(payload)),
		"streamed": iotest.HalfReader(strings.NewReader(payload)),
	} {
		cols, err := jobs.DetectColumns(in, opts)
		require.NoError(t, err, name)
		require.Equal(t, want, cols, name)
	}
}
