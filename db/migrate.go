package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"runtime/debug"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrateLockID is the advisory lock key held while migrations run, so that
// several processes starting at once apply each migration exactly once.
const migrateLockID = 0x666c6f77 // "flow"

// Migrate applies River's migrations and then Flowbatch's own versioned SQL
// migrations, under a session advisory lock. It is a no-op when the schema is current.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquiring migration connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLockID); err != nil {
		return fmt.Errorf("taking migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLockID) //nolint:errcheck // the lock also ends with the session

	riverMigrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("preparing river migrations: %w", err)
	}
	if _, err := riverMigrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("applying river migrations: %w", err)
	}

	provider, err := newProvider(pool)
	if err != nil {
		return err
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("applying migrations: %w", err)
	}
	return nil
}

// Pending reports how many of Flowbatch's migrations are not applied yet.
func Pending(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	provider, err := newProvider(pool)
	if err != nil {
		return 0, err
	}
	current, target, err := provider.GetVersions(ctx)
	if err != nil {
		return 0, fmt.Errorf("reading schema version: %w", err)
	}
	if current >= target {
		return 0, nil
	}
	status, err := provider.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("reading migration status: %w", err)
	}
	pending := 0
	for _, s := range status {
		if s.State == goose.StatePending {
			pending++
		}
	}
	return pending, nil
}

func newProvider(pool *pgxpool.Pool) (*goose.Provider, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("reading embedded migrations: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, SQL(pool), sub,
		goose.WithTableName("flowbatch_schema_migrations"),
		goose.WithDisableGlobalRegistry(true),
		goose.WithAllowOutofOrder(true))
	if err != nil {
		return nil, fmt.Errorf("preparing migrations: %w", err)
	}
	return provider, nil
}

// MigrationFiles returns the embedded migration files.
func MigrationFiles() fs.FS { return migrationFiles }

// RiverVersion names the River module version whose migrations are applied,
// so that test templates are rebuilt when it changes.
func RiverVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/riverqueue/river" {
				return dep.Version
			}
		}
	}
	return "unknown"
}
