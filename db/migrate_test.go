package db_test

import (
	"context"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/flowbatch/flowbatch/db"
	"github.com/flowbatch/flowbatch/db/dbtest"
)

func appliedVersions(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	err := pool.QueryRow(context.Background(),
		"SELECT count(*) FROM flowbatch_schema_migrations WHERE version_id > 0 AND is_applied").Scan(&n)
	require.NoError(t, err)
	return n
}

func migrationCount(t *testing.T) int {
	t.Helper()
	files, err := fs.Glob(db.MigrationFiles(), "migrations/*.sql")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return len(files)
}

func TestMigrateFromEmptyThenNoOp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := dbtest.Empty(t)

	pending, err := db.Pending(ctx, tdb.Pool)
	require.NoError(t, err)
	require.Equal(t, migrationCount(t), pending)

	require.NoError(t, db.Migrate(ctx, tdb.Pool))
	require.Equal(t, migrationCount(t), appliedVersions(t, tdb.Pool))
	for _, table := range []string{"accounts", "users", "api_keys", "flows", "interfaces", "batches", "records", "files", "sessions", "river_job"} {
		var ok bool
		require.NoError(t, tdb.Pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&ok))
		require.True(t, ok, "table %s exists", table)
	}

	require.NoError(t, db.Migrate(ctx, tdb.Pool))
	require.Equal(t, migrationCount(t), appliedVersions(t, tdb.Pool), "a second run applies nothing")
	pending, err = db.Pending(ctx, tdb.Pool)
	require.NoError(t, err)
	require.Zero(t, pending)
}

func TestConcurrentMigrateAppliesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := dbtest.Empty(t)

	var g errgroup.Group
	for range 4 {
		g.Go(func() error {
			pool, err := db.Connect(ctx, tdb.URL, 2)
			if err != nil {
				return err
			}
			defer pool.Close()
			return db.Migrate(ctx, pool)
		})
	}
	require.NoError(t, g.Wait())
	require.Equal(t, migrationCount(t), appliedVersions(t, tdb.Pool))
}

func TestStatusIsACheckedEnum(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := dbtest.New(t)
	var accountID string
	require.NoError(t, tdb.Pool.QueryRow(ctx, "INSERT INTO accounts (name) VALUES ('a') RETURNING id").Scan(&accountID))
	_, err := tdb.Pool.Exec(ctx, "INSERT INTO batches (account_id, name, format, source, status) VALUES ($1, 'b', 'json', 'ui', 'DONE')", accountID)
	require.ErrorContains(t, err, "batches_status_check")
}

func TestConnectCreatesMissingDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name := fmt.Sprintf("flowbatch_test_missing_%d", time.Now().UnixNano())
	pool, err := db.Connect(ctx, "postgres://postgres@127.0.0.1:5432/"+name+"?sslmode=disable", 1)
	require.NoError(t, err)
	var got string
	require.NoError(t, pool.QueryRow(ctx, "SELECT current_database()").Scan(&got))
	require.Equal(t, name, got)
	pool.Close()
	admin, err := pgx.Connect(ctx, "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	require.NoError(t, err)
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)")
	require.NoError(t, err)
}

func TestConnectReportsUnreachableServer(t *testing.T) {
	t.Parallel()
	_, err := db.Connect(context.Background(), "postgres://postgres@127.0.0.1:1/flowbatch?sslmode=disable&connect_timeout=2", 1)
	require.ErrorIs(t, err, db.ErrUnreachable)
}
