package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/lib/pq"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/db"
	"github.com/flowbatch/flowbatch/db/dbtest"
)

// TestPQArraysAreSentAsTheirSlices checks that the pool's connections
// encode the lib/pq arrays River's database/sql driver passes as the slices
// they hold, without their driver.Valuer's text, and that each arrives as
// the same value: through pgx and through database/sql, with NULL
// elements, and a nil array as NULL.
func TestPQArraysAreSentAsTheirSlices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := db.Connect(ctx, dbtest.New(t).URL, 2)
	require.NoError(t, err)
	defer pool.Close()

	ids := []int64{1, 1 << 40}
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	plan := conn.Conn().TypeMap().PlanEncode(pgtype.Int8ArrayOID, pgtype.BinaryFormatCode, pq.Array(ids))
	conn.Release()
	_, wrapped := plan.(pgtype.WrappedEncodePlanNextSetter)
	require.True(t, wrapped, "a plan wrapping the array's slice, not the driver.Valuer's text: %T", plan)

	at := time.Date(2026, 12, 2, 5, 0, 0, 123000, time.UTC)
	var (
		gotIDs    []int64
		gotText   []string
		gotJSON   []string
		gotKeys   [][]byte
		gotSmall  []int16
		gotTimes  []time.Time
		gotStates []int32
		isNull    bool
	)
	query := `SELECT $1::bigint[], $2::text[], $3::jsonb[]::text[], $4::bytea[], $5::smallint[], $6::timestamptz[], $7::integer[], $8::bigint[] IS NULL`
	args := []any{pq.Array(ids), pq.Array([]string{`a "quoted", {braced} value`, ""}), pq.Array([]string{`{"batch_id": "x"}`}),
		pq.Array([][]byte{{0, 1, 2}, nil}), pq.Array([]int16{5, -1}), pq.Array([]time.Time{at}), pq.Array([]int32{3}), pq.Array([]int64(nil))}
	require.NoError(t, pool.QueryRow(ctx, query, args...).Scan(&gotIDs, &gotText, &gotJSON, &gotKeys, &gotSmall, &gotTimes, &gotStates, &isNull))
	require.Equal(t, ids, gotIDs)
	require.Equal(t, []string{`a "quoted", {braced} value`, ""}, gotText)
	require.Equal(t, []string{`{"batch_id": "x"}`}, gotJSON)
	require.Equal(t, [][]byte{{0, 1, 2}, nil}, gotKeys)
	require.Equal(t, []int16{5, -1}, gotSmall)
	require.True(t, at.Equal(gotTimes[0]), "%v", gotTimes)
	require.Equal(t, []int32{3}, gotStates)
	require.True(t, isNull)

	var fromSQL string
	require.NoError(t, db.SQL(pool).QueryRowContext(ctx, `SELECT array_to_string($1::bigint[], ',')`, pq.Array(ids)).Scan(&fromSQL))
	require.Equal(t, "1,1099511627776", fromSQL)
}
