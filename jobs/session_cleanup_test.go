package jobs_test

import (
	"context"
	"testing"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/db/dbtest"
	"github.com/flowbatch/flowbatch/jobs"
)

func TestSessionCleanupDeletesOnlyExpired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := dbtest.New(t)
	_, err := tdb.Pool.Exec(ctx, `INSERT INTO sessions (k, v, expires_at) VALUES
		('old', 'x', now() - interval '1 hour'), ('live', 'x', now() + interval '1 hour'), ('forever', 'x', NULL)`)
	require.NoError(t, err)
	_, err = tdb.Pool.Exec(ctx, `INSERT INTO rate_limits (k, window_start, hits, expires_at) VALUES
		('api:old', now() - interval '2 minutes', 3, now() - interval '1 minute'), ('api:live', now(), 1, now() + interval '1 minute')`)
	require.NoError(t, err)
	_, err = tdb.Pool.Exec(ctx, `WITH a AS (INSERT INTO accounts (name) VALUES ('a') RETURNING id)
		INSERT INTO idempotency_keys (account_id, api_key_id, key, request_hash, locked_until, expires_at)
		SELECT id, gen_random_uuid(), k, '\x00', now(), e FROM a,
			(VALUES ('old', now() - interval '1 second'), ('live', now() + interval '1 day')) v(k, e)`)
	require.NoError(t, err)

	worker := &jobs.SessionCleanupWorker{Pool: tdb.Pool}
	tw := rivertest.NewWorker(t, riverpgxv5.New(tdb.Pool), nil, worker)
	tx, err := tdb.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	_, err = tw.Work(ctx, t, tx, jobs.SessionCleanupArgs{}, nil)
	require.NoError(t, err)

	rows, err := tdb.Pool.Query(ctx, "SELECT k FROM sessions ORDER BY k")
	require.NoError(t, err)
	var keys []string
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		keys = append(keys, k)
	}
	require.Equal(t, []string{"forever", "live"}, keys)

	var idempotencyKeys, counters int
	require.NoError(t, tdb.Pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM idempotency_keys), (SELECT count(*) FROM rate_limits)").
		Scan(&idempotencyKeys, &counters))
	require.Equal(t, 1, idempotencyKeys, "the expired key is gone")
	require.Equal(t, 1, counters, "the expired counter is gone")
}
