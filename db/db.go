// Package db connects to PostgreSQL and keeps its schema current.
//
// One pgx pool serves River, the ingest hot path (CopyFrom) and GORM, which
// reaches the same pool through database/sql (stdlib.OpenDBFromPool).
package db

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrUnreachable reports that no PostgreSQL server answered at the configured address.
var ErrUnreachable = errors.New("database unreachable")

// Connect opens a pool on databaseURL, creating the database first when the
// server answers that it does not exist.
func Connect(ctx context.Context, databaseURL string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parsing DATABASE_URL: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	detectDeadPeers(cfg.ConnConfig)
	cfg.AfterConnect = func(_ context.Context, conn *pgx.Conn) error {
		encodeUUIDs(conn.TypeMap())
		encodePQArrays(conn.TypeMap())
		return nil
	}
	if err := ping(ctx, cfg.ConnConfig); err != nil {
		if !isMissingDatabase(err) {
			return nil, err
		}
		if err := createDatabase(ctx, cfg.ConnConfig); err != nil {
			return nil, err
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("opening pool: %w", err)
	}
	return pool, nil
}

// Dead peer detection. A connection whose other end vanished (a network cut,
// a machine lost) would otherwise be noticed only by the kernel's defaults,
// about two hours later; meanwhile the server keeps the session's locks. Both
// ends probe an idle connection after keepAliveIdle and give up after
// keepAliveCount unanswered probes, and data left unacknowledged for
// userTimeout breaks the connection, so a cut costs about a minute.
const (
	keepAliveIdle     = 30 * time.Second
	keepAliveInterval = 10 * time.Second
	keepAliveCount    = 3
	userTimeout       = 60 * time.Second
)

// detectDeadPeers sets TCP keepalives and TCP_USER_TIMEOUT on the client's
// sockets and asks the server to do the same on its side, unless
// DATABASE_URL sets them. Over a Unix socket the server ignores them.
func detectDeadPeers(cc *pgx.ConnConfig) {
	dialer := &net.Dialer{
		KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: keepAliveIdle, Interval: keepAliveInterval, Count: keepAliveCount},
		Control: func(network, _ string, c syscall.RawConn) error {
			if !strings.HasPrefix(network, "tcp") {
				return nil
			}
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = setUserTimeout(fd, userTimeout)
			})
			return cmp.Or(err, serr)
		},
	}
	cc.DialFunc = dialer.DialContext
	server := map[string]string{
		"tcp_keepalives_idle":     strconv.Itoa(int(keepAliveIdle.Seconds())),
		"tcp_keepalives_interval": strconv.Itoa(int(keepAliveInterval.Seconds())),
		"tcp_keepalives_count":    strconv.Itoa(keepAliveCount),
		"tcp_user_timeout":        strconv.Itoa(int(userTimeout.Milliseconds())),
	}
	for k, v := range server {
		if _, ok := cc.RuntimeParams[k]; !ok {
			cc.RuntimeParams[k] = v
		}
	}
}

func ping(ctx context.Context, cc *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		if isMissingDatabase(err) {
			return err
		}
		return fmt.Errorf("%w at %s:%d: %w", ErrUnreachable, cc.Host, cc.Port, err)
	}
	return conn.Close(ctx)
}

func isMissingDatabase(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "3D000"
}

// createDatabase connects to the server's maintenance database and creates
// the database named in cc. A concurrent creation by another process is fine.
func createDatabase(ctx context.Context, cc *pgx.ConnConfig) error {
	admin := cc.Copy()
	admin.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return fmt.Errorf("%w at %s:%d: %w", ErrUnreachable, cc.Host, cc.Port, err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{cc.Database}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("creating database %q: %w", cc.Database, err)
	}
	return nil
}

// SQL returns a database/sql handle over pool; closing it does not close the pool.
func SQL(pool *pgxpool.Pool) *sql.DB {
	return stdlib.OpenDBFromPool(pool)
}

// Gorm returns a GORM handle over pool.
func Gorm(pool *pgxpool.Pool) (*gorm.DB, error) {
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: SQL(pool)}), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		TranslateError:         true,
	})
	if err != nil {
		return nil, fmt.Errorf("opening gorm: %w", err)
	}
	return gdb, nil
}
