package models_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/db/dbtest"
	"github.com/flowbatch/flowbatch/models"
)

// The event a statement builds in SQL reads as the one Payload encodes.
func TestBatchEventJSONSQLReadsAsPayload(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	want := models.BatchEvent{AccountID: uuid.New(), BatchID: uuid.New(), Status: models.StatusProcessing}
	var payload string
	require.NoError(t, tdb.Pool.QueryRow(context.Background(), `SELECT `+models.BatchEventJSONSQL("b")+`
		FROM (SELECT $1::uuid AS account_id, $2::uuid AS id, $3::text AS status) b`,
		want.AccountID, want.BatchID, string(want.Status)).Scan(&payload))
	got, err := models.ParseBatchEvent(payload)
	require.NoError(t, err)
	require.Equal(t, want, got)
	fromGo, err := models.ParseBatchEvent(want.Payload())
	require.NoError(t, err)
	require.Equal(t, fromGo, got)
}
