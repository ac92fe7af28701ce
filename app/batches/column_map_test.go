package batches_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/batches"
	"github.com/flowbatch/flowbatch/models"
)

func TestColumnMapIsCheckedClonedAndClearedWithTheInterface(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b, err := tb.svc.Create(ctx, tb.accountID, batches.Draft{Name: "Mapped", Format: models.FormatJSON, InterfaceID: &tb.iface.ID})
	require.NoError(t, err)

	refused := errors.New("refused")
	_, err = tb.svc.SetColumnMap(ctx, tb.accountID, b.ID, models.ColumnMap{"email": "mail"}, func(*models.Batch) error { return refused })
	require.ErrorIs(t, err, refused)
	require.Nil(t, reload(t, tb, b).ColumnMap)

	got, err := tb.svc.SetColumnMap(ctx, tb.accountID, b.ID, models.ColumnMap{"email": "mail"}, func(*models.Batch) error { return nil })
	require.NoError(t, err)
	require.Equal(t, models.ColumnMap{"email": "mail"}, got.ColumnMap)
	clone, err := tb.svc.Clone(ctx, tb.accountID, b.ID)
	require.NoError(t, err)
	require.Equal(t, models.ColumnMap{"email": "mail"}, reload(t, tb, clone).ColumnMap)

	// Saving the same interface keeps the map; another interface clears it.
	d := batches.Draft{Name: "Mapped", Format: models.FormatJSON, InterfaceID: &tb.iface.ID}
	_, err = tb.svc.Update(ctx, tb.accountID, b.ID, d)
	require.NoError(t, err)
	require.NotNil(t, reload(t, tb, b).ColumnMap)
	other := models.Interface{AccountID: tb.accountID, Name: "Other JSON", Format: models.FormatJSON, Scopes: models.Scopes{"batch"},
		Fields: models.Fields{{Name: "x", Source: "x", Type: models.TypeString}}}
	require.NoError(t, models.CreateInterface(ctx, tb.svc.DB, &other))
	d.InterfaceID, d.FlowID = &other.ID, &tb.flow.ID
	_, err = tb.svc.Update(ctx, tb.accountID, b.ID, d)
	require.NoError(t, err)
	require.Nil(t, reload(t, tb, b).ColumnMap)

	require.NoError(t, tb.svc.DB.Model(&models.Batch{}).Where("id = ?", b.ID).Update("status", models.StatusFinished).Error)
	_, err = tb.svc.SetColumnMap(ctx, tb.accountID, b.ID, models.ColumnMap{}, func(*models.Batch) error { return nil })
	var notAllowed *models.NotAllowedError
	require.ErrorAs(t, err, &notAllowed)
}

func reload(t *testing.T, tb *testBundle, b *models.Batch) *models.Batch {
	t.Helper()
	got, err := models.BatchByID(context.Background(), tb.svc.DB, tb.accountID, b.ID)
	require.NoError(t, err)
	return got
}
