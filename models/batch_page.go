package models

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// BatchCursor marks a position in the newest-first batch listing: the batch
// listed last on the previous page.
type BatchCursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// ErrBadCursor reports a cursor that ParseBatchCursor cannot read.
var ErrBadCursor = errors.New("invalid cursor")

// String encodes the cursor as an opaque URL-safe token.
func (c BatchCursor) String() string {
	raw := c.CreatedAt.UTC().Format(time.RFC3339Nano) + "|" + c.ID.String()
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ParseBatchCursor decodes a token made by BatchCursor.String.
func ParseBatchCursor(token string) (BatchCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return BatchCursor{}, ErrBadCursor
	}
	at, id, ok := strings.Cut(string(raw), "|")
	if !ok {
		return BatchCursor{}, ErrBadCursor
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return BatchCursor{}, ErrBadCursor
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return BatchCursor{}, ErrBadCursor
	}
	return BatchCursor{CreatedAt: t, ID: u}, nil
}

// BatchPageQuery asks for one page of an account's batches, newest first.
type BatchPageQuery struct {
	Status Status
	After  *BatchCursor // the last batch of the previous page
	Limit  int
}

// ListBatchesPage returns up to q.Limit batches after q.After and the cursor
// of the next page (nil on the last page).
func ListBatchesPage(ctx context.Context, db *gorm.DB, accountID uuid.UUID, q BatchPageQuery) ([]Batch, *BatchCursor, error) {
	tx := db.WithContext(ctx).Where("account_id = ?", accountID)
	if q.Status != "" {
		tx = tx.Where("status = ?", q.Status)
	}
	if q.After != nil {
		tx = tx.Where("(created_at, id) < (?, ?)", q.After.CreatedAt, q.After.ID)
	}
	var batches []Batch
	if err := tx.Order("created_at DESC, id DESC").Limit(q.Limit + 1).Find(&batches).Error; err != nil {
		return nil, nil, notFound("listing batches", err)
	}
	if len(batches) <= q.Limit {
		return batches, nil, nil
	}
	batches = batches[:q.Limit]
	last := batches[len(batches)-1]
	return batches, &BatchCursor{CreatedAt: last.CreatedAt, ID: last.ID}, nil
}

// FilesOfBatches loads the files of an account's batches, by batch.
func FilesOfBatches(ctx context.Context, db *gorm.DB, accountID uuid.UUID, batchIDs []uuid.UUID) (map[uuid.UUID][]File, error) {
	byBatch := make(map[uuid.UUID][]File, len(batchIDs))
	if len(batchIDs) == 0 {
		return byBatch, nil
	}
	var files []File
	err := db.WithContext(ctx).Where("account_id = ? AND batch_id IN ?", accountID, batchIDs).
		Order("array_position(array['input','output','process','error','failed'], kind)").Find(&files).Error
	if err != nil {
		return nil, notFound("listing batch files", err)
	}
	for _, f := range files {
		byBatch[*f.BatchID] = append(byBatch[*f.BatchID], f)
	}
	return byBatch, nil
}

// FileOfBatch loads the file of kind k of an account's batch.
func FileOfBatch(ctx context.Context, db *gorm.DB, accountID, batchID uuid.UUID, k FileKind) (*File, error) {
	var f File
	err := db.WithContext(ctx).Where("account_id = ? AND batch_id = ? AND kind = ?", accountID, batchID, k).Take(&f).Error
	if err != nil {
		return nil, notFound("loading batch file", err)
	}
	return &f, nil
}
