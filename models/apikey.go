package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// APIKey authenticates machine requests to /api/ for one account. Only the
// SHA-256 of the key is stored: the key itself is shown once, at creation.
type APIKey struct {
	ID         uuid.UUID  `gorm:"type:uuid;primaryKey;default:gen_random_uuid()"`
	AccountID  uuid.UUID  `gorm:"type:uuid"`
	UserID     *uuid.UUID `gorm:"type:uuid"`
	Name       string
	Prefix     string
	KeyHash    []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// apiKeyPrefix starts every key, so that a leaked one is easy to recognise.
const apiKeyPrefix = "fb_"

// HashAPIKey returns the stored form of a key. Keys carry 160 random bits, so
// a fast hash is enough; a slow password hash would only slow every request.
func HashAPIKey(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	return sum[:]
}

// CreateAPIKey creates a key named name for an account and returns the row and the key.
func CreateAPIKey(ctx context.Context, db *gorm.DB, accountID uuid.UUID, userID *uuid.UUID, name string) (*APIKey, string, error) {
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", err
	}
	key := apiKeyPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	k := &APIKey{AccountID: accountID, UserID: userID, Name: name, Prefix: key[:len(apiKeyPrefix)+6], KeyHash: HashAPIKey(key)}
	if err := db.WithContext(ctx).Create(k).Error; err != nil {
		return nil, "", notFound("creating API key", err)
	}
	return k, key, nil
}

// APIKeyByKey finds the live (not revoked) key row for a presented key and
// records its use, at most once a minute to keep requests cheap.
func APIKeyByKey(ctx context.Context, db *gorm.DB, key string) (*APIKey, error) {
	var k APIKey
	err := db.WithContext(ctx).Where("key_hash = ? AND revoked_at IS NULL", HashAPIKey(key)).Take(&k).Error
	if err != nil {
		return nil, notFound("loading API key", err)
	}
	if k.LastUsedAt == nil || time.Since(*k.LastUsedAt) > time.Minute {
		err := db.WithContext(ctx).Model(&APIKey{}).Where("id = ?", k.ID).Update("last_used_at", gorm.Expr("now()")).Error
		if err != nil {
			return nil, notFound("recording API key use", err)
		}
	}
	return &k, nil
}

// ListAPIKeys lists an account's keys, newest first, revoked ones included.
func ListAPIKeys(ctx context.Context, db *gorm.DB, accountID uuid.UUID) ([]APIKey, error) {
	var keys []APIKey
	err := db.WithContext(ctx).Where("account_id = ?", accountID).Order("created_at DESC").Find(&keys).Error
	if err != nil {
		return nil, notFound("listing API keys", err)
	}
	return keys, nil
}

// RevokeAPIKey revokes a key of an account; revoking twice is harmless.
func RevokeAPIKey(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) error {
	res := db.WithContext(ctx).Model(&APIKey{}).
		Where("account_id = ? AND id = ?", accountID, id).
		Update("revoked_at", gorm.Expr("coalesce(revoked_at, now())"))
	if res.Error != nil {
		return notFound("revoking API key", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound("revoking API key", gorm.ErrRecordNotFound)
	}
	return nil
}
