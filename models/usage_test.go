package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/db"
	"github.com/flowbatch/flowbatch/db/dbtest"
	"github.com/flowbatch/flowbatch/models"
)

// TestStorageUsedFollowsEveryChange checks the account_usage counter against
// the sum of the account's file sizes after inserts, size changes, deletes,
// the cascade of a batch deletion and concurrent transactions, for two
// accounts side by side.
func TestStorageUsedFollowsEveryChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := dbtest.New(t)
	gdb, err := db.Gorm(tdb.Pool)
	require.NoError(t, err)
	a, _, err := models.CreateAccountTx(ctx, gdb, "a", "a@example.com", "x")
	require.NoError(t, err)
	other, _, err := models.CreateAccountTx(ctx, gdb, "b", "b@example.com", "x")
	require.NoError(t, err)
	check := func(want int64) {
		t.Helper()
		used, err := models.StorageUsed(ctx, gdb, a.ID)
		require.NoError(t, err)
		require.Equal(t, want, used)
		var sum int64
		require.NoError(t, gdb.Raw("SELECT coalesce(sum(size), 0) FROM files WHERE account_id = ?", a.ID).Scan(&sum).Error)
		require.Equal(t, sum, used, "counter equals the sum")
	}
	check(0)
	exec := func(sql string, args ...any) {
		t.Helper()
		require.NoError(t, gdb.Exec(sql, args...).Error)
	}
	exec("INSERT INTO files (account_id, name, size, storage_key) VALUES (?, 'a', 100, 'k1'), (?, 'b', 50, 'k2'), (?, 'c', 7, 'k3')", a.ID, a.ID, other.ID)
	check(150)
	exec("UPDATE files SET size = 70 WHERE storage_key = 'k2'")
	check(170)
	exec("DELETE FROM files WHERE storage_key = 'k1'")
	check(70)
	b := &models.Batch{AccountID: a.ID, Name: "b", Format: models.FormatJSON, Source: models.SourceUI}
	require.NoError(t, models.CreateBatch(ctx, gdb, b))
	exec("INSERT INTO files (account_id, folder, name, size, storage_key, batch_id, kind) VALUES (?, 'batch/x', 'input.json', 1000, 'k4', ?, 'input')", a.ID, b.ID)
	check(1070)
	exec("DELETE FROM batches WHERE id = ?", b.ID)
	check(70)
	used, err := models.StorageUsed(ctx, gdb, other.ID)
	require.NoError(t, err)
	require.EqualValues(t, 7, used)

	// Concurrent transactions (other connections) add to rows of their own;
	// the sum stays exact.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx, err := tdb.Pool.Begin(ctx)
			if !assert.NoError(t, err) {
				return
			}
			defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
			_, err = tx.Exec(ctx, "INSERT INTO files (account_id, name, size, storage_key) VALUES ($1, $2, 10, $2)", a.ID, fmt.Sprintf("c%d", i))
			if assert.NoError(t, err) {
				_, err = tx.Exec(ctx, "UPDATE files SET size = 30 WHERE storage_key = $1", fmt.Sprintf("c%d", i))
			}
			if assert.NoError(t, err) {
				assert.NoError(t, tx.Commit(ctx))
			}
		}()
	}
	wg.Wait()
	check(70 + 8*30)
	exec("DELETE FROM files WHERE storage_key LIKE 'c%'")
	check(70)

	// An account deleted with its files leaves no counter behind.
	exec("DELETE FROM accounts WHERE id = ?", other.ID)
	var rows int
	require.NoError(t, gdb.Raw("SELECT count(*) FROM account_usage WHERE account_id = ?", other.ID).Scan(&rows).Error)
	require.Zero(t, rows)
}
