// Package db connects to PostgreSQL and keeps its schema current.
//
// One pgx pool serves River, the ingest hot path (CopyFrom) and GORM, which
// reaches the same pool through database/sql (stdlib.OpenDBFromPool).
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
