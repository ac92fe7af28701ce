package jobs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/db"
	"github.com/flowbatch/flowbatch/db/dbtest"
	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

// testBundle is what a jobs test works with: its own database and storage,
// an account with a contacts flow, and an insert-only River client.
type testBundle struct {
	db       *dbtest.DB
	gdb      *gorm.DB
	store    *storage.Store
	storeURL string
	deps     jobs.Deps
	client   *jobs.Client
	queue    *jobs.Inserter
	account  *models.Account
	flow     *models.Flow
}

func setup(t testing.TB) *testBundle {
	t.Helper()
	ctx := context.Background()
	tdb := dbtest.New(t)
	gdb, err := db.Gorm(tdb.Pool)
	require.NoError(t, err)
	storeURL := "file://" + t.TempDir()
	store, err := storage.Open(ctx, storeURL, tdb.Pool)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	deps := jobs.Deps{Pool: tdb.Pool, DB: gdb, Store: store, Log: testLogger()}
	client, err := jobs.NewClient(deps, 0)
	require.NoError(t, err)
	queue, err := jobs.NewInserter(deps)
	require.NoError(t, err)

	account := &models.Account{Name: "Acme"}
	require.NoError(t, gdb.Create(account).Error)
	flow := &models.Flow{AccountID: account.ID, Name: "Contacts"}
	require.NoError(t, models.CreateFlow(ctx, gdb, flow))
	return &testBundle{db: tdb, gdb: gdb, store: store, storeURL: storeURL, deps: deps, client: client, queue: queue, account: account, flow: flow}
}

// contactFields are ingesttest's fields as an interface stores them.
func contactFields() models.Fields {
	var fields models.Fields
	for _, f := range ingesttest.Fields() {
		fields = append(fields, models.Field{Name: f.Name, Source: f.Source, Type: models.FieldType(f.Type), Required: f.Required})
	}
	return fields
}

// newInterface adds an interface reading generated contacts in format f.
func (tb *testBundle) newInterface(t testing.TB, f models.Format, scopes ...string) *models.Interface {
	t.Helper()
	if len(scopes) == 0 {
		scopes = []string{models.ScopeBatch}
	}
	i := &models.Interface{AccountID: tb.account.ID, Name: "Contacts " + string(f), Format: f, Scopes: scopes,
		FlowID: &tb.flow.ID, CSVDelimiter: ",", CSVHeader: true, RecordElement: ingesttest.RecordElement, Fields: contactFields()}
	require.NoError(t, models.CreateInterface(context.Background(), tb.gdb, i))
	return i
}

// newBatch adds a DRAFT batch through iface with payload as its input
// (no input file when payload is nil).
func (tb *testBundle) newBatch(t testing.TB, iface *models.Interface, payload []byte) *models.Batch {
	t.Helper()
	ctx := context.Background()
	b := &models.Batch{AccountID: tb.account.ID, Name: "Import " + uuid.NewString()[:4], Format: iface.Format,
		InterfaceID: &iface.ID, FlowID: iface.FlowID, Source: models.SourceUI}
	require.NoError(t, models.CreateBatch(ctx, tb.gdb, b))
	if payload != nil {
		obj, err := tb.store.Put(ctx, bytes.NewReader(payload), "application/octet-stream")
		require.NoError(t, err)
		kind := models.KindInput
		require.NoError(t, models.CreateFile(ctx, tb.gdb, &models.File{AccountID: tb.account.ID, Folder: b.Folder(),
			Name: b.FileName(models.KindInput), Size: obj.Size, SHA256: obj.SHA256, StorageKey: obj.Key, BatchID: &b.ID, Kind: &kind}))
	}
	return b
}

// payload generates n contacts in format f.
func payload(t testing.TB, f models.Format, n int, opts ingesttest.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch ingest.Format(f) {
	case ingest.FormatJSON:
		err = ingesttest.WriteJSON(&buf, n, opts)
	case ingest.FormatCSV:
		err = ingesttest.WriteCSV(&buf, n, opts)
	case ingest.FormatXML:
		err = ingesttest.WriteXML(&buf, n, opts)
	}
	require.NoError(t, err)
	return buf.Bytes()
}

func (tb *testBundle) batch(t testing.TB, id uuid.UUID) *models.Batch {
	t.Helper()
	b, err := models.BatchByID(context.Background(), tb.gdb, tb.account.ID, id)
	require.NoError(t, err)
	return b
}

func (tb *testBundle) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, tb.db.Pool.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

// startWorkers runs a River client working jobs with the bundle's
// dependencies (chunkSize records per chunk) until the test ends.
func (tb *testBundle) startWorkers(t testing.TB, chunkSize int) *jobs.Client {
	t.Helper()
	deps := tb.deps
	deps.ChunkSize = chunkSize
	client, err := jobs.NewClient(deps, 2)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() {
		stopCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		_ = client.Stop(stopCtx)
		cancel()
	})
	return client
}

// run queues batch b and waits until it ends.
func (tb *testBundle) run(t testing.TB, b *models.Batch) *models.Batch {
	t.Helper()
	_, err := jobs.RunBatch(context.Background(), tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)
	return tb.waitFor(t, b.ID, 5*time.Minute, func(b *models.Batch) bool {
		return b.Status == models.StatusFinished || b.Status == models.StatusError
	})
}

// waitFor polls batch id until cond holds.
func (tb *testBundle) waitFor(t testing.TB, id uuid.UUID, timeout time.Duration, cond func(*models.Batch) bool) *models.Batch {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last *models.Batch
	for time.Now().Before(deadline) {
		b, err := models.BatchByID(context.Background(), tb.gdb, tb.account.ID, id)
		if err == nil { // connections may be dropped on purpose by a test
			last = b
			if cond(b) {
				return b
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.FailNowf(t, "batch did not reach the expected state", "last seen: %+v", last)
	return nil
}

// file reads the batch's file of kind k; ok is false when there is none.
func (tb *testBundle) file(t testing.TB, b *models.Batch, k models.FileKind) (f models.File, content []byte, ok bool) {
	t.Helper()
	err := tb.gdb.Where("account_id = ? AND batch_id = ? AND kind = ?", tb.account.ID, b.ID, k).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return f, nil, false
	}
	require.NoError(t, err)
	rd, err := tb.store.Open(context.Background(), f.StorageKey)
	require.NoError(t, err)
	defer rd.Close()
	content, err = io.ReadAll(rd)
	require.NoError(t, err)
	sum := sha256.Sum256(content)
	require.Equal(t, hex.EncodeToString(sum[:]), f.SHA256)
	require.Equal(t, int64(len(content)), f.Size)
	require.Equal(t, b.Folder(), f.Folder)
	require.Equal(t, b.FileName(k), f.Name)
	return f, content, true
}

// processLine is one line of process.log.
type processLine struct {
	Index  int64      `json:"index"`
	Status string     `json:"status"`
	UUID   *uuid.UUID `json:"uuid"`
	Error  *string    `json:"error"`
}

// errorLine is one line of error.log.
type errorLine struct {
	Index   int64  `json:"index"`
	Line    int    `json:"line"`
	Offset  int64  `json:"offset"`
	Field   string `json:"field"`
	Value   string `json:"value"`
	Message string `json:"message"`
}

func ndjson[T any](t testing.TB, content []byte) []T {
	t.Helper()
	var out []T
	dec := json.NewDecoder(bytes.NewReader(content))
	for dec.More() {
		var v T
		require.NoError(t, dec.Decode(&v))
		out = append(out, v)
	}
	return out
}

// results checks the batch's output.json and process.log against each
// other and the records table, and returns the output's entries.
func (tb *testBundle) results(t testing.TB, b *models.Batch) []*uuid.UUID {
	t.Helper()
	_, out, ok := tb.file(t, b, models.KindOutput)
	require.True(t, ok, "output file")
	var ids []*uuid.UUID
	require.NoError(t, json.Unmarshal(out, &ids))
	require.Len(t, ids, int(b.ProcessedCount))
	_, proc, ok := tb.file(t, b, models.KindProcess)
	require.True(t, ok, "process file")
	lines := ndjson[processLine](t, proc)
	require.Len(t, lines, len(ids))
	failed := 0
	for i, l := range lines {
		require.Equal(t, int64(i), l.Index)
		require.Equal(t, ids[i], l.UUID)
		if l.Status == "failed" {
			failed++
			require.Nil(t, l.UUID)
			require.NotNil(t, l.Error)
		} else {
			require.Contains(t, []string{"inserted", "updated"}, l.Status)
			require.Nil(t, l.Error)
		}
	}
	require.Equal(t, int(b.FailedCount), failed)
	require.Equal(t, b.ProcessedCount, b.InsertedCount+b.UpdatedCount+b.FailedCount)

	// Every UUID names a record of the flow.
	rows, err := tb.db.Pool.Query(context.Background(), "SELECT id FROM records WHERE flow_id = $1", tb.flow.ID)
	require.NoError(t, err)
	stored := map[uuid.UUID]bool{}
	for rows.Next() {
		var id uuid.UUID
		require.NoError(t, rows.Scan(&id))
		stored[id] = true
	}
	require.NoError(t, rows.Err())
	for i, id := range ids {
		if id != nil {
			require.True(t, stored[*id], "record of index %d", i)
		}
	}
	return ids
}

// testLogger discards logs unless FLOWBATCH_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("FLOWBATCH_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
