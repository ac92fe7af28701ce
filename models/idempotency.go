package models

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// IdempotencyKey names one Idempotency-Key of one API key of an account.
type IdempotencyKey struct {
	AccountID uuid.UUID
	APIKeyID  uuid.UUID
	Key       string
}

// IdempotentRequest is what is stored under a key: the hash of the request
// that claimed it, the batch it created (once its transaction committed),
// its answer (once sent; Status 0 until then) and whether the claim's lease
// is over (the request that holds it is presumed dead).
type IdempotentRequest struct {
	RequestHash []byte
	BatchID     *uuid.UUID
	Status      int
	Headers     map[string]string
	Body        []byte
	LeaseOver   bool
}

// SameRequest reports whether hash is the hash of the request that claimed the key.
func (r *IdempotentRequest) SameRequest(hash []byte) bool { return bytes.Equal(r.RequestHash, hash) }

// ClaimIdempotencyKey claims k for the request with hash, for lease (after
// which a claim that created nothing is given up) and ttl (after which the
// key is free again). It returns nil when the claim is the caller's, or the
// request already stored under k.
func ClaimIdempotencyKey(ctx context.Context, db *gorm.DB, k IdempotencyKey, hash []byte, lease, ttl time.Duration) (*IdempotentRequest, error) {
	res := db.WithContext(ctx).Exec(`
		INSERT INTO idempotency_keys AS i (account_id, api_key_id, key, request_hash, locked_until, expires_at)
		VALUES (?, ?, ?, ?, now() + make_interval(secs => ?), now() + make_interval(secs => ?))
		ON CONFLICT (account_id, api_key_id, key) DO UPDATE SET
			request_hash = excluded.request_hash, batch_id = NULL, status = NULL, headers = NULL, body = NULL,
			created_at = now(), locked_until = excluded.locked_until, expires_at = excluded.expires_at
		WHERE i.expires_at <= now() OR (i.status IS NULL AND i.batch_id IS NULL AND i.locked_until <= now())`,
		k.AccountID, k.APIKeyID, k.Key, hash, lease.Seconds(), ttl.Seconds())
	if res.Error != nil {
		return nil, fmt.Errorf("claiming idempotency key: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return nil, nil
	}
	var row struct {
		RequestHash []byte
		BatchID     *uuid.UUID
		Status      *int
		Headers     []byte
		Body        []byte
		LeaseOver   bool
	}
	err := db.WithContext(ctx).Raw(`SELECT request_hash, batch_id, status, headers, body, locked_until <= now() AS lease_over
		FROM idempotency_keys WHERE account_id = ? AND api_key_id = ? AND key = ?`,
		k.AccountID, k.APIKeyID, k.Key).Scan(&row).Error
	if err != nil {
		return nil, fmt.Errorf("loading idempotency key: %w", err)
	}
	if row.RequestHash == nil {
		// Released between the two statements: claim again.
		return ClaimIdempotencyKey(ctx, db, k, hash, lease, ttl)
	}
	r := &IdempotentRequest{RequestHash: row.RequestHash, BatchID: row.BatchID, Body: row.Body, LeaseOver: row.LeaseOver}
	if row.Status != nil {
		r.Status = *row.Status
	}
	if len(row.Headers) > 0 {
		if err := json.Unmarshal(row.Headers, &r.Headers); err != nil {
			return nil, fmt.Errorf("reading idempotency key headers: %w", err)
		}
	}
	return r, nil
}

// RecordIdempotentBatchTx notes, in the transaction that creates it, the
// batch that the request holding k created, so that a retry finds it even
// when the answer was never sent.
func RecordIdempotentBatchTx(tx *gorm.DB, k IdempotencyKey, batchID uuid.UUID) error {
	err := tx.Exec(`UPDATE idempotency_keys SET batch_id = ? WHERE account_id = ? AND api_key_id = ? AND key = ?`,
		batchID, k.AccountID, k.APIKeyID, k.Key).Error
	if err != nil {
		return fmt.Errorf("recording batch %s under its idempotency key: %w", batchID, err)
	}
	return nil
}

// SaveIdempotentAnswer stores the answer sent to the request holding k.
func SaveIdempotentAnswer(ctx context.Context, db *gorm.DB, k IdempotencyKey, status int, headers map[string]string, body []byte) error {
	h, err := json.Marshal(headers)
	if err != nil {
		return fmt.Errorf("encoding idempotent answer: %w", err)
	}
	err = db.WithContext(ctx).Exec(`UPDATE idempotency_keys SET status = ?, headers = ?, body = ?
		WHERE account_id = ? AND api_key_id = ? AND key = ?`, status, h, body, k.AccountID, k.APIKeyID, k.Key).Error
	if err != nil {
		return fmt.Errorf("saving idempotent answer: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey gives k up after a request that was refused or
// failed (whatever it created has been removed again), so that the same key
// can be sent again.
func ReleaseIdempotencyKey(ctx context.Context, db *gorm.DB, k IdempotencyKey) error {
	err := db.WithContext(ctx).Exec(`DELETE FROM idempotency_keys
		WHERE account_id = ? AND api_key_id = ? AND key = ? AND status IS NULL`,
		k.AccountID, k.APIKeyID, k.Key).Error
	if err != nil {
		return fmt.Errorf("releasing idempotency key: %w", err)
	}
	return nil
}
