package app

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgStorage is a fiber.Storage over one PostgreSQL key-value table
// (sessions), so that every web process sees the same sessions.
type pgStorage struct {
	pool  *pgxpool.Pool
	table string // a constant table name, never user input
}

const sessionQueryTimeout = 5 * time.Second

func (s *pgStorage) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), sessionQueryTimeout)
}

// Get returns a stored value, or nil when it is missing or expired.
func (s *pgStorage) Get(key string) ([]byte, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	var v []byte
	err := s.pool.QueryRow(ctx,
		"SELECT v FROM "+s.table+" WHERE k = $1 AND (expires_at IS NULL OR expires_at > now())", key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return v, err
}

// Set stores a value for exp (0: no expiry).
func (s *pgStorage) Set(key string, val []byte, exp time.Duration) error {
	if key == "" || len(val) == 0 {
		return nil
	}
	ctx, cancel := s.ctx()
	defer cancel()
	var expires *time.Time
	if exp > 0 {
		t := time.Now().Add(exp)
		expires = &t
	}
	_, err := s.pool.Exec(ctx,
		"INSERT INTO "+s.table+` (k, v, expires_at) VALUES ($1, $2, $3)
		 ON CONFLICT (k) DO UPDATE SET v = excluded.v, expires_at = excluded.expires_at`, key, val, expires)
	return err
}

// Delete removes a value.
func (s *pgStorage) Delete(key string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	_, err := s.pool.Exec(ctx, "DELETE FROM "+s.table+" WHERE k = $1", key)
	return err
}

// Reset removes every value.
func (s *pgStorage) Reset() error {
	ctx, cancel := s.ctx()
	defer cancel()
	_, err := s.pool.Exec(ctx, "DELETE FROM "+s.table)
	return err
}

// Close does nothing: the pool belongs to the process.
func (s *pgStorage) Close() error { return nil }
