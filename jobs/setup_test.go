package jobs_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/app/storage"
	"github.com/flowbatch/flowbatch/db"
	"github.com/flowbatch/flowbatch/db/dbtest"
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
	store, err := storage.Open(ctx, storeURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	deps := jobs.Deps{Pool: tdb.Pool, DB: gdb, Store: store, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	client, err := jobs.NewClient(deps, 0)
	require.NoError(t, err)

	account := &models.Account{Name: "Acme"}
	require.NoError(t, gdb.Create(account).Error)
	flow := &models.Flow{AccountID: account.ID, Name: "Contacts"}
	require.NoError(t, models.CreateFlow(ctx, gdb, flow))
	return &testBundle{db: tdb, gdb: gdb, store: store, storeURL: storeURL, deps: deps, client: client, account: account, flow: flow}
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
