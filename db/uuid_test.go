package db_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/db"
	"github.com/flowbatch/flowbatch/db/dbtest"
)

// TestUUIDParametersAreSentAsBytes checks that the pool's connections
// encode google/uuid's UUID as 16 bytes, without its driver.Valuer's string,
// and that every way an ID is passed still arrives as the same value:
// plain, through a pointer (nil is NULL), in an array, as a text parameter
// and through database/sql (GORM's way in).
func TestUUIDParametersAreSentAsBytes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := db.Connect(ctx, dbtest.New(t).URL, 2)
	require.NoError(t, err)
	defer pool.Close()
	id, other := uuid.New(), uuid.New()

	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	m := conn.Conn().TypeMap()
	type encoded struct {
		value any
		buf   []byte
		err   error
		plan  pgtype.EncodePlan
	}
	var got []encoded
	for _, v := range []any{id, &id} {
		buf, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, v, nil)
		got = append(got, encoded{v, buf, err, m.PlanEncode(pgtype.UUIDOID, pgtype.BinaryFormatCode, v)})
	}
	conn.Release() // before any assertion, so that a failure does not leave the pool waiting for it
	for _, e := range got {
		require.NoError(t, e.err)
		require.Equal(t, id[:], e.buf)
		_, wrapped := e.plan.(pgtype.WrappedEncodePlanNextSetter)
		require.True(t, wrapped, "%T: a plan wrapping the UUID's bytes, not the driver.Valuer's: %T", e.value, e.plan)
	}

	var same, fromPtr *uuid.UUID
	var isNull, text string
	var arr []uuid.UUID
	require.NoError(t, pool.QueryRow(ctx, `SELECT $1::uuid, $2::uuid, ($3::uuid IS NULL)::text, $4::uuid[], $5::text`,
		id, &other, (*uuid.UUID)(nil), []uuid.UUID{id, other}, id).Scan(&same, &fromPtr, &isNull, &arr, &text))
	require.Equal(t, id, *same)
	require.Equal(t, other, *fromPtr)
	require.Equal(t, "true", isNull)
	require.Equal(t, []uuid.UUID{id, other}, arr)
	require.Equal(t, id.String(), text)

	var fromSQL string
	require.NoError(t, db.SQL(pool).QueryRowContext(ctx, `SELECT $1::uuid::text`, id).Scan(&fromSQL))
	require.Equal(t, id.String(), fromSQL)

	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM (VALUES ($1::uuid)) v(x) WHERE x = $2`, id, id).Scan(&n))
	require.Equal(t, 1, n)
}
