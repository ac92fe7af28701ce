package batches_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/accounts"
	"github.com/flowbatch/flowbatch/app/batches"
	"github.com/flowbatch/flowbatch/db"
	"github.com/flowbatch/flowbatch/db/dbtest"
	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/models"
)

type testBundle struct {
	svc       *batches.Service
	accountID uuid.UUID
	iface     models.Interface // Contacts JSON
	flow      models.Flow
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := context.Background()
	tdb := dbtest.New(t)
	gdb, err := db.Gorm(tdb.Pool)
	require.NoError(t, err)
	store, err := storage.Open(ctx, "file://"+t.TempDir(), tdb.Pool)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	acct, _, err := accounts.Register(ctx, gdb, store, accounts.Registration{Email: "b@example.com", Password: "long enough pw", Starter: true})
	require.NoError(t, err)
	ifaces, err := models.ListInterfaces(ctx, gdb, acct.ID, false)
	require.NoError(t, err)
	flows, err := models.ListFlows(ctx, gdb, acct.ID, false)
	require.NoError(t, err)
	tb := &testBundle{svc: &batches.Service{DB: gdb, Store: store, Log: slog.New(slog.DiscardHandler)}, accountID: acct.ID, flow: flows[0]}
	for _, i := range ifaces {
		if i.Format == models.FormatJSON {
			tb.iface = i
		}
	}
	return tb
}

func (tb *testBundle) files(t *testing.T, batchID uuid.UUID) []models.File {
	t.Helper()
	var files []models.File
	require.NoError(t, tb.svc.DB.Where("batch_id = ?", batchID).Order("kind").Find(&files).Error)
	return files
}

func (tb *testBundle) content(t *testing.T, f models.File) string {
	t.Helper()
	r, err := tb.svc.Store.Open(context.Background(), f.StorageKey)
	require.NoError(t, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}

func TestCreateFillsFlowFromInterfaceAndValidates(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b, err := tb.svc.Create(ctx, tb.accountID, batches.Draft{Name: " Contacts ", Format: models.FormatJSON, InterfaceID: &tb.iface.ID})
	require.NoError(t, err)
	require.Equal(t, "Contacts", b.Name)
	require.Equal(t, models.StatusDraft, b.Status)
	require.Equal(t, models.SourceUI, b.Source)
	require.Equal(t, tb.flow.ID, *b.FlowID)

	_, err = tb.svc.Create(ctx, tb.accountID, batches.Draft{Name: "", Format: "yaml", InputName: "../x", InterfaceID: &tb.iface.ID})
	var invalid *models.ValidationError
	require.ErrorAs(t, err, &invalid)
	require.Contains(t, invalid.Fields, "name")
	require.Contains(t, invalid.Fields, "format")
	require.Contains(t, invalid.Fields, "input_name")

	_, err = tb.svc.Create(ctx, tb.accountID, batches.Draft{Name: "x", Format: models.FormatCSV, InterfaceID: &tb.iface.ID})
	require.ErrorAs(t, err, &invalid)
	require.Contains(t, invalid.Fields["interface_id"], "reads JSON")

	_, err = tb.svc.Create(ctx, tb.accountID, batches.Draft{Name: "x", Format: models.FormatJSON, InterfaceID: &tb.iface.ID,
		InputName: "data.json", OutputName: "data.json"})
	require.ErrorAs(t, err, &invalid)
	require.Equal(t, "The input and output files need different names.", invalid.Fields["output_name"])

	other := uuid.New()
	_, err = tb.svc.Create(ctx, tb.accountID, batches.Draft{Name: "x", Format: models.FormatJSON, InterfaceID: &other})
	require.ErrorAs(t, err, &invalid)
	require.Contains(t, invalid.Fields, "interface_id")

	// A batch created READY needs the transaction that creates it to queue
	// it: without a then to do so, nothing is created and the input goes.
	ready := batches.Draft{Name: "x", Format: models.FormatJSON, InterfaceID: &tb.iface.ID, Ready: true}
	_, err = tb.svc.Create(ctx, tb.accountID, ready)
	require.Error(t, err)
	obj, err := tb.svc.Store.PutSmall(ctx, strings.NewReader(`[{"a": 1}]`), "application/json")
	require.NoError(t, err)
	_, _, err = tb.svc.CreateWithInput(ctx, tb.accountID, ready, obj, nil)
	require.Error(t, err)
	var n int64
	require.NoError(t, tb.svc.DB.Model(&models.Batch{}).Where("account_id = ? AND name = ?", tb.accountID, "x").Count(&n).Error)
	require.Zero(t, n)
}

func TestInputReplaceCloneDelete(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b, err := tb.svc.Create(ctx, tb.accountID, batches.Draft{Name: "Contacts", Format: models.FormatJSON, InterfaceID: &tb.iface.ID})
	require.NoError(t, err)

	first, err := tb.svc.SetInput(ctx, tb.accountID, b.ID, strings.NewReader(`[{"a":1}]`))
	require.NoError(t, err)
	require.Equal(t, "input.json", first.Name)
	require.Equal(t, b.Folder(), first.Folder)
	second, err := tb.svc.SetInput(ctx, tb.accountID, b.ID, strings.NewReader(`[{"a":2}]`))
	require.NoError(t, err)
	files := tb.files(t, b.ID)
	require.Len(t, files, 1, "the input was replaced, not added")
	require.Equal(t, `[{"a":2}]`, tb.content(t, files[0]))
	ok, err := tb.svc.Store.Exists(ctx, first.StorageKey)
	require.NoError(t, err)
	require.False(t, ok, "the old input's content is gone")

	d := batches.Draft{Name: "Contacts", Format: models.FormatJSON, InterfaceID: &tb.iface.ID, InputName: "contacts.json"}
	_, err = tb.svc.Update(ctx, tb.accountID, b.ID, d)
	require.NoError(t, err)
	require.Equal(t, "contacts.json", tb.files(t, b.ID)[0].Name, "a custom input name renames the input file")

	clone, err := tb.svc.Clone(ctx, tb.accountID, b.ID)
	require.NoError(t, err)
	require.Equal(t, "Copy of Contacts", clone.Name)
	require.Equal(t, models.StatusDraft, clone.Status)
	cloneFiles := tb.files(t, clone.ID)
	require.Len(t, cloneFiles, 1)
	require.Equal(t, `[{"a":2}]`, tb.content(t, cloneFiles[0]))
	require.NotEqual(t, second.StorageKey, cloneFiles[0].StorageKey, "the clone has its own copy")

	require.NoError(t, tb.svc.Delete(ctx, tb.accountID, b.ID))
	_, err = models.BatchByID(ctx, tb.svc.DB, tb.accountID, b.ID)
	require.ErrorIs(t, err, models.ErrNotFound)
	require.Empty(t, tb.files(t, b.ID))
	ok, err = tb.svc.Store.Exists(ctx, second.StorageKey)
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, `[{"a":2}]`, tb.content(t, cloneFiles[0]), "deleting the original leaves the clone's input")
}

func TestStatusRulesAreEnforced(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b, err := tb.svc.Create(ctx, tb.accountID, batches.Draft{Name: "Contacts", Format: models.FormatJSON, InterfaceID: &tb.iface.ID})
	require.NoError(t, err)
	for _, status := range []models.Status{models.StatusReady, models.StatusProcessing, models.StatusFinished, models.StatusError} {
		require.NoError(t, tb.svc.DB.Model(&models.Batch{}).Where("id = ?", b.ID).Update("status", status).Error)
		var notAllowed *models.NotAllowedError
		_, err = tb.svc.SetInput(ctx, tb.accountID, b.ID, strings.NewReader("[]"))
		require.ErrorAs(t, err, &notAllowed, status)
		_, err = tb.svc.Update(ctx, tb.accountID, b.ID, batches.Draft{Name: "x", Format: models.FormatJSON})
		require.ErrorAs(t, err, &notAllowed, status)
		_, err = tb.svc.Clone(ctx, tb.accountID, b.ID)
		require.NoError(t, err, "every status may be cloned")
		if status == models.StatusReady || status == models.StatusProcessing {
			require.ErrorAs(t, tb.svc.Delete(ctx, tb.accountID, b.ID), &notAllowed, status)
			require.Contains(t, notAllowed.Reason(), string(status))
		}
	}
	require.NoError(t, tb.svc.Delete(ctx, tb.accountID, b.ID), "ERROR batches can be deleted")
}

func TestOtherAccountsBatchesAreNotFound(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b, err := tb.svc.Create(ctx, tb.accountID, batches.Draft{Name: "Mine", Format: models.FormatJSON})
	require.NoError(t, err)
	stranger := uuid.New()
	_, err = tb.svc.SetInput(ctx, stranger, b.ID, strings.NewReader("[]"))
	require.ErrorIs(t, err, models.ErrNotFound)
	_, err = tb.svc.Clone(ctx, stranger, b.ID)
	require.ErrorIs(t, err, models.ErrNotFound)
	require.ErrorIs(t, tb.svc.Delete(ctx, stranger, b.ID), models.ErrNotFound)
	_, err = tb.svc.Update(ctx, stranger, b.ID, batches.Draft{Name: "x", Format: models.FormatJSON})
	require.ErrorIs(t, err, models.ErrNotFound)
}

func TestSetInputFromFileCopiesContent(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	var sample models.File
	require.NoError(t, tb.svc.DB.Where("account_id = ? AND name = 'contacts.json'", tb.accountID).Take(&sample).Error)
	b, err := tb.svc.Create(ctx, tb.accountID, batches.Draft{Name: "From samples", Format: models.FormatJSON, InterfaceID: &tb.iface.ID})
	require.NoError(t, err)
	in, err := tb.svc.SetInputFromFile(ctx, tb.accountID, b.ID, sample.ID)
	require.NoError(t, err)
	require.Equal(t, sample.SHA256, in.SHA256)
	require.NotEqual(t, sample.StorageKey, in.StorageKey)
	require.Equal(t, tb.content(t, sample), tb.content(t, *in))
}
