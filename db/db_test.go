package db_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/db"
	"github.com/flowbatch/flowbatch/db/dbtest"
)

// TestConnectionsDetectDeadPeers checks that both ends of a pool's TCP
// connections give up on a silent peer within about a minute.
func TestConnectionsDetectDeadPeers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := dbtest.New(t)
	pool, err := db.Connect(ctx, tdb.URL, 2)
	require.NoError(t, err)
	defer pool.Close()

	var idle, interval, count, userTimeout string
	require.NoError(t, pool.QueryRow(ctx, `SELECT current_setting('tcp_keepalives_idle'), current_setting('tcp_keepalives_interval'),
		current_setting('tcp_keepalives_count'), current_setting('tcp_user_timeout')`).Scan(&idle, &interval, &count, &userTimeout))
	require.Equal(t, []string{"30", "10", "3", "60000"}, []string{idle, interval, count, userTimeout})
}
