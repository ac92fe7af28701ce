// Package dbtest gives each test a database of its own, cloned from a
// migrated template, so that tests run in parallel against real PostgreSQL.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/flowbatch/flowbatch/db"
)

// DB is a fresh, migrated database owned by one test.
type DB struct {
	Pool *pgxpool.Pool
	URL  string
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// adminURL points at the server's maintenance database. FLOWBATCH_TEST_DATABASE_URL overrides it.
func adminURL() string {
	if v := os.Getenv("FLOWBATCH_TEST_DATABASE_URL"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// New creates a database for t from the migrated template and drops it when t ends.
func New(t testing.TB) *DB {
	t.Helper()
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(context.Background()) })
	if templateErr != nil {
		t.Fatalf("preparing template database: %v", templateErr)
	}
	return create(t, templateName)
}

// Empty creates a database for t with no schema at all and drops it when t ends.
func Empty(t testing.TB) *DB {
	t.Helper()
	return create(t, "template0")
}

func create(t testing.TB, template string) *DB {
	t.Helper()
	ctx := context.Background()
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "flowbatch_test_" + hex.EncodeToString(suffix)
	admin, err := pgx.Connect(ctx, adminURL())
	if err != nil {
		t.Fatalf("connecting to PostgreSQL at %s: %v", adminURL(), err)
	}
	defer admin.Close(ctx)
	if err := createFromTemplate(ctx, admin, name, template); err != nil {
		t.Fatalf("creating test database: %v", err)
	}

	dbURL := withDatabase(adminURL(), name)
	pool, err := db.Connect(ctx, dbURL, 20)
	if err != nil {
		t.Fatalf("connecting to test database: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		conn, err := pgx.Connect(context.Background(), adminURL())
		if err != nil {
			t.Logf("dropping test database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("dropping test database %s: %v", name, err)
		}
	})
	return &DB{Pool: pool, URL: dbURL}
}

func createFromTemplate(ctx context.Context, admin *pgx.Conn, name, template string) error {
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	var err error
	for range 50 {
		_, err = admin.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		// 55006: the template is briefly in use by another CREATE DATABASE.
		if errors.As(err, &pgErr) && pgErr.Code == "55006" {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		return err
	}
	return err
}

// ensureTemplate creates, once per schema version, a migrated template
// database shared by every test process, under an advisory lock. Templates of
// other schema versions are left alone: test runs of other branches may be using them.
func ensureTemplate(ctx context.Context) (string, error) {
	hash, err := schemaHash()
	if err != nil {
		return "", err
	}
	name := "flowbatch_tmpl_" + hash
	admin, err := pgx.Connect(ctx, adminURL())
	if err != nil {
		return "", fmt.Errorf("connecting to PostgreSQL at %s: %w", adminURL(), err)
	}
	defer admin.Close(ctx)
	const lockID = 0x74657374 // "test"
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", lockID); err != nil {
		return "", err
	}
	defer admin.Exec(ctx, "SELECT pg_advisory_unlock($1)", lockID) //nolint:errcheck // released with the session too

	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_new"
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{building}.Sanitize()+" WITH (FORCE)"); err != nil {
		return "", err
	}
	pool, err := db.Connect(ctx, withDatabase(adminURL(), building), 4)
	if err != nil {
		return "", err
	}
	err = db.Migrate(ctx, pool)
	pool.Close()
	if err != nil {
		return "", fmt.Errorf("migrating template: %w", err)
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{building}.Sanitize()+" RENAME TO "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", err
	}
	return name, nil
}

// schemaHash fingerprints the embedded migrations, so that a changed schema gets a new template.
func schemaHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(db.MigrationFiles(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.MigrationFiles(), path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hashing migrations: %w", err)
	}
	h.Write([]byte(db.RiverVersion()))
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

func withDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(fmt.Sprintf("bad test database URL %q: %v", rawURL, err))
	}
	u.Path = "/" + name
	return u.String()
}
