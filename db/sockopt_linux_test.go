package db_test

import (
	"context"
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/db"
	"github.com/flowbatch/flowbatch/db/dbtest"
)

// TestClientSocketsHaveAUserTimeout checks the client's side of
// TestConnectionsDetectDeadPeers: TCP_USER_TIMEOUT and keepalives on the
// pool's sockets.
func TestClientSocketsHaveAUserTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := dbtest.New(t)
	pool, err := db.Connect(ctx, tdb.URL, 2)
	require.NoError(t, err)
	defer pool.Close()
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()

	tcp, ok := conn.Conn().PgConn().Conn().(*net.TCPConn)
	require.True(t, ok, "a TCP connection")
	raw, err := tcp.SyscallConn()
	require.NoError(t, err)
	var userTimeout, keepAlive int
	var serr error
	require.NoError(t, raw.Control(func(fd uintptr) {
		userTimeout, serr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, 0x12) // TCP_USER_TIMEOUT
		if serr == nil {
			keepAlive, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE)
		}
	}))
	require.NoError(t, serr)
	require.Equal(t, 60000, userTimeout)
	require.Equal(t, 1, keepAlive)
}
