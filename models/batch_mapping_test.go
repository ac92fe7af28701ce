package models_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/db"
	"github.com/flowbatch/flowbatch/db/dbtest"
	"github.com/flowbatch/flowbatch/models"
)

// TestInterfaceJSONSQLCopiesEveryColumn holds the snapshot taken at Run to
// the interface as GORM loads it, every column included, so that options
// added to interfaces reach the worker through the snapshot.
func TestInterfaceJSONSQLCopiesEveryColumn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := dbtest.New(t)
	gdb, err := db.Gorm(tdb.Pool)
	require.NoError(t, err)
	acct, _, err := models.CreateAccountTx(ctx, gdb, "acct", "snap@example.com", "x")
	require.NoError(t, err)
	archived := time.Now().Add(-time.Hour)
	in := &models.Interface{AccountID: acct.ID, Name: "Orders", Description: "all options set", Format: models.FormatCSV,
		Scopes: models.Scopes{"batch", "api"}, RecordsPath: "data.items", CSVDelimiter: ";", CSVHeader: false,
		RecordElement: "order", ArchivedAt: &archived,
		Fields: models.Fields{{Name: "id", Source: "1", Type: models.TypeInteger, Required: true}}}
	require.NoError(t, models.CreateInterface(ctx, gdb, in))
	want, err := models.InterfaceByID(ctx, gdb, acct.ID, in.ID)
	require.NoError(t, err)

	expr, err := models.InterfaceJSONSQL()
	require.NoError(t, err)
	var raw []byte
	require.NoError(t, tdb.Pool.QueryRow(ctx, "SELECT "+expr+" FROM interfaces i WHERE i.id = $1", in.ID).Scan(&raw))
	var got models.Interface
	require.NoError(t, json.Unmarshal(raw, &got))
	for _, ts := range []struct{ got, want *time.Time }{
		{&got.CreatedAt, &want.CreatedAt}, {&got.UpdatedAt, &want.UpdatedAt}, {got.ArchivedAt, want.ArchivedAt},
	} {
		require.True(t, ts.got.Equal(*ts.want))
		*ts.got = *ts.want
	}
	require.Equal(t, *want, got)
}

func TestCheckColumnMap(t *testing.T) {
	t.Parallel()
	fields := models.Fields{
		{Name: "id", Source: "id", Type: models.TypeString, Required: true},
		{Name: "code", Source: "code", Type: models.TypeString},
		{Name: "note", Source: "note", Type: models.TypeString},
	}
	cols := []string{"ID", "Code", "Notes"}
	require.Nil(t, models.CheckColumnMap(models.ColumnMap{"id": "ID", "note": ""}, fields, "code", cols))
	require.Equal(t, map[string]string{
		"mapping.id":    "Required field id needs a column.",
		"mapping.code":  "Field code is the flow's key and needs a column.",
		"mapping.note":  `The input has no column "Nope".`,
		"mapping.other": `The interface has no field "other".`,
	}, models.CheckColumnMap(models.ColumnMap{"id": "", "code": "", "note": "Nope", "other": "ID"}, fields, "code", cols))
	require.Nil(t, models.CheckColumnMap(models.ColumnMap{"note": "Anything"}, fields, "", nil), "columns unknown: not checked")
}
