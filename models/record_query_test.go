package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/db"
	"github.com/flowbatch/flowbatch/db/dbtest"
	"github.com/flowbatch/flowbatch/models"
)

type recordBundle struct {
	db      *gorm.DB
	account uuid.UUID
	flow    uuid.UUID
	ids     []uuid.UUID // oldest first
}

// setupRecords makes a flow with n records; record i has {"n": i, "parity": "even"|"odd"} and key "k<i>".
func setupRecords(t *testing.T, n int) *recordBundle {
	t.Helper()
	tdb := dbtest.New(t)
	gdb, err := db.Gorm(tdb.Pool)
	require.NoError(t, err)
	ctx := context.Background()
	acct, _, err := models.CreateAccountTx(ctx, gdb, "acct", "r@example.com", "x")
	require.NoError(t, err)
	flow := &models.Flow{AccountID: acct.ID, Name: "F"}
	require.NoError(t, models.CreateFlow(ctx, gdb, flow))
	b := &recordBundle{db: gdb, account: acct.ID, flow: flow.ID}
	for i := 0; i < n; i++ {
		id := uuid.Must(uuid.NewV7())
		parity := map[bool]string{true: "even", false: "odd"}[i%2 == 0]
		require.NoError(t, gdb.Exec(`INSERT INTO records (id, account_id, flow_id, batch_index, key, data) VALUES (?, ?, ?, ?, ?, ?)`,
			id, acct.ID, flow.ID, i, fmt.Sprintf("k%d", i), fmt.Sprintf(`{"n":%d,"parity":%q}`, i, parity)).Error)
		b.ids = append(b.ids, id)
	}
	return b
}

func TestListRecordsPagesNewestFirst(t *testing.T) {
	t.Parallel()
	b := setupRecords(t, 25)
	ctx := context.Background()
	var seen []uuid.UUID
	f := models.RecordFilter{Limit: 10}
	for pages := 0; ; pages++ {
		require.Less(t, pages, 4)
		page, err := models.ListRecords(ctx, b.db, b.account, b.flow, f)
		require.NoError(t, err)
		require.False(t, page.Window)
		for _, r := range page.Records {
			seen = append(seen, r.ID)
		}
		if page.Next == uuid.Nil {
			break
		}
		f.Before = page.Next
	}
	require.Len(t, seen, 25)
	for i, id := range seen {
		require.Equal(t, b.ids[24-i], id, "newest first, no gaps or repeats")
	}

	other := uuid.Must(uuid.NewV7())
	page, err := models.ListRecords(ctx, b.db, other, b.flow, models.RecordFilter{})
	require.NoError(t, err)
	require.Empty(t, page.Records, "another account sees nothing")
}

func TestListRecordsSearch(t *testing.T) {
	t.Parallel()
	b := setupRecords(t, 30)
	ctx := context.Background()

	page, err := models.ListRecords(ctx, b.db, b.account, b.flow, models.RecordFilter{Key: "k7"})
	require.NoError(t, err)
	require.Len(t, page.Records, 1)
	require.Equal(t, b.ids[7], page.Records[0].ID)

	page, err = models.ListRecords(ctx, b.db, b.account, b.flow, models.RecordFilter{Field: "n", Value: "12"})
	require.NoError(t, err)
	require.Len(t, page.Records, 1, "numbers match their text")
	require.Equal(t, b.ids[12], page.Records[0].ID)
	require.Equal(t, uuid.Nil, page.Next)

	page, err = models.ListRecords(ctx, b.db, b.account, b.flow, models.RecordFilter{Field: "parity", Value: "odd", Limit: 10})
	require.NoError(t, err)
	require.Len(t, page.Records, 10)
	require.Equal(t, b.ids[29], page.Records[0].ID)
	require.Equal(t, page.Records[9].ID, page.Next)
	page, err = models.ListRecords(ctx, b.db, b.account, b.flow, models.RecordFilter{Field: "parity", Value: "odd", Limit: 10, Before: page.Next})
	require.NoError(t, err)
	require.Len(t, page.Records, 5)
	require.Equal(t, uuid.Nil, page.Next)

	page, err = models.ListRecords(ctx, b.db, b.account, b.flow, models.RecordFilter{Field: "nope", Value: "x"})
	require.NoError(t, err)
	require.Empty(t, page.Records)
	require.False(t, page.Window, "the whole flow fits in the window")
}

func TestListRecordsSearchStopsAtItsWindow(t *testing.T) {
	t.Parallel()
	b := setupRecords(t, 30)
	ctx := context.Background()
	f := models.RecordFilter{Field: "n", Value: "3", Window: 10}
	page, err := models.ListRecords(ctx, b.db, b.account, b.flow, f)
	require.NoError(t, err)
	require.Empty(t, page.Records, "record 3 is older than the 10 newest")
	require.True(t, page.Window)
	require.Equal(t, b.ids[20], page.Next, "continue after the last record examined")

	f.Before = page.Next
	page, err = models.ListRecords(ctx, b.db, b.account, b.flow, f)
	require.NoError(t, err)
	require.Empty(t, page.Records)
	require.Equal(t, b.ids[10], page.Next)

	f.Before = page.Next
	page, err = models.ListRecords(ctx, b.db, b.account, b.flow, f)
	require.NoError(t, err)
	require.Len(t, page.Records, 1)
	require.Equal(t, b.ids[3], page.Records[0].ID)
	require.False(t, page.Window, "the flow ends inside this window")
	require.Equal(t, uuid.Nil, page.Next)
}

func TestListRecordsOfABatchWalksAWindow(t *testing.T) {
	t.Parallel()
	b := setupRecords(t, 30)
	ctx := context.Background()
	batch := uuid.New()
	// Every third record was written last by the batch.
	require.NoError(t, b.db.Exec("UPDATE records SET batch_id = ? WHERE batch_index % 3 = 0", batch).Error)
	var seen []int64
	f := models.RecordFilter{Batch: batch, Limit: 4, Window: 7, Before: models.RecordIDsBefore(time.Now())}
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10)
		page, err := models.ListRecords(ctx, b.db, b.account, b.flow, f)
		require.NoError(t, err)
		for _, r := range page.Records {
			require.Equal(t, batch, *r.BatchID)
			seen = append(seen, r.BatchIndex)
		}
		if page.Next == uuid.Nil {
			break
		}
		f.Before = page.Next
	}
	require.Equal(t, []int64{27, 24, 21, 18, 15, 12, 9, 6, 3, 0}, seen)

	// A key search keeps to the batch too.
	page, err := models.ListRecords(ctx, b.db, b.account, b.flow, models.RecordFilter{Batch: batch, Key: "k4"})
	require.NoError(t, err)
	require.Empty(t, page.Records)
}
