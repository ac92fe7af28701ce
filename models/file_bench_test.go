package models_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/db"
	"github.com/flowbatch/flowbatch/db/dbtest"
	"github.com/flowbatch/flowbatch/models"
)

// BenchmarkListFolder10k lists one page of a folder holding 10,000 files
// (plus 20 sub-folders and another account's 10,000 files), for each sort,
// on the first and the last page.
func BenchmarkListFolder10k(b *testing.B) {
	tdb := dbtest.New(b)
	gdb, err := db.Gorm(tdb.Pool)
	require.NoError(b, err)
	ctx := context.Background()
	var accounts []models.Account
	for i := 0; i < 2; i++ {
		a, _, err := models.CreateAccountTx(ctx, gdb, "bench", fmt.Sprintf("bench%d@example.com", i), "x")
		require.NoError(b, err)
		accounts = append(accounts, *a)
	}
	for _, a := range accounts {
		err := gdb.Exec(`INSERT INTO files (account_id, folder, name, size, content_type, sha256, storage_key, created_at, updated_at)
			SELECT ?, 'big', 'file-' || lpad(i::text, 5, '0') || '.csv', (i * 7919) % 100000, 'text/csv', md5(i::text),
			       'f/' || gen_random_uuid(), now() - i * interval '1 minute', now() - i * interval '1 minute'
			FROM generate_series(1, 10000) i`, a.ID).Error
		require.NoError(b, err)
		err = gdb.Exec(`INSERT INTO files (account_id, folder, name, size, storage_key)
			SELECT ?, 'big/sub-' || i, 'x.csv', 1, 'f/' || gen_random_uuid() FROM generate_series(1, 20) i`, a.ID).Error
		require.NoError(b, err)
	}
	require.NoError(b, gdb.Exec("VACUUM ANALYZE files").Error)
	for _, sort := range []models.FileSort{models.SortName, models.SortSize, models.SortDate} {
		for _, page := range []int{1, 200} {
			b.Run(fmt.Sprintf("sort=%s/page=%d", sort, page), func(b *testing.B) {
				q := models.FolderQuery{Folder: "big", Sort: sort, Desc: true, Page: page, PerPage: 50}
				for b.Loop() {
					l, err := models.ListFolder(ctx, gdb, accounts[0].ID, q)
					if err != nil {
						b.Fatal(err)
					}
					if l.TotalFiles != 10000 || len(l.Folders)+len(l.Files) == 0 {
						b.Fatalf("unexpected listing: %d files, %d entries", l.TotalFiles, len(l.Folders)+len(l.Files))
					}
				}
			})
		}
	}
}

// BenchmarkStorageUsed10k reads the storage used by an account holding
// 10,000 files (next to another account's 10,000), as every quota check
// does: summing the files' sizes, and reading the account_usage counter
// (StorageUsed), against a baseline of one primary-key lookup.
func BenchmarkStorageUsed10k(b *testing.B) {
	tdb := dbtest.New(b)
	gdb, err := db.Gorm(tdb.Pool)
	require.NoError(b, err)
	ctx := context.Background()
	var accounts []models.Account
	for i := 0; i < 2; i++ {
		a, _, err := models.CreateAccountTx(ctx, gdb, "bench", fmt.Sprintf("bench%d@example.com", i), "x")
		require.NoError(b, err)
		accounts = append(accounts, *a)
		err = gdb.Exec(`INSERT INTO files (account_id, folder, name, size, storage_key)
			SELECT ?, 'f' || (i % 50), 'file-' || i || '.csv', (i * 7919) % 100000, 'f/' || gen_random_uuid()
			FROM generate_series(1, 10000) i`, a.ID).Error
		require.NoError(b, err)
	}
	require.NoError(b, gdb.Exec("VACUUM ANALYZE files").Error)
	b.Run("baseline=primary-key-lookup", func(b *testing.B) {
		for b.Loop() {
			var name string
			if err := gdb.WithContext(ctx).Raw("SELECT name FROM accounts WHERE id = ?", accounts[0].ID).Scan(&name).Error; err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sum", func(b *testing.B) {
		for b.Loop() {
			var used int64
			if err := gdb.WithContext(ctx).Raw("SELECT coalesce(sum(size), 0) FROM files WHERE account_id = ?", accounts[0].ID).Scan(&used).Error; err != nil || used == 0 {
				b.Fatal(used, err)
			}
		}
	})
	b.Run("counter", func(b *testing.B) {
		for b.Loop() {
			used, err := models.StorageUsed(ctx, gdb, accounts[0].ID)
			if err != nil || used == 0 {
				b.Fatal(used, err)
			}
		}
	})
}
