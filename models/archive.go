package models

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// InUseError refuses to archive a flow or an interface that open batches
// (DRAFT, READY or PROCESSING) still use (HTTP 409).
type InUseError struct {
	What  string // "flow" or "interface"
	Count int64
}

func (e *InUseError) Error() string { return e.Reason() }

// Reason is the sentence shown to a person or an API client, such as
// "3 batches in DRAFT, READY or PROCESSING use this flow."
func (e *InUseError) Reason() string {
	if e.Count == 1 {
		return fmt.Sprintf("1 batch in DRAFT, READY or PROCESSING uses this %s.", e.What)
	}
	return fmt.Sprintf("%d batches in DRAFT, READY or PROCESSING use this %s.", e.Count, e.What)
}

// openStatuses are the statuses of batches that may still read their interface and flow.
var openStatuses = []Status{StatusDraft, StatusReady, StatusProcessing}

// ArchiveFlow archives a flow of an account, unless open batches use it
// (*InUseError). Archiving twice keeps the first time.
func ArchiveFlow(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) error {
	return archive(ctx, db, &Flow{}, "flow", "flow_id", accountID, id)
}

// ArchiveInterface archives an interface of an account, unless open batches
// use it (*InUseError). Archiving twice keeps the first time.
func ArchiveInterface(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) error {
	return archive(ctx, db, &Interface{}, "interface", "interface_id", accountID, id)
}

func archive(ctx context.Context, db *gorm.DB, model any, what, batchColumn string, accountID, id uuid.UUID) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// FOR UPDATE conflicts with the KEY SHARE lock that inserting or
		// re-pointing a batch takes on this row (foreign key check): such a
		// batch either commits before the count below, or waits for this archive.
		var found int64
		err := tx.Model(model).Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("account_id = ? AND id = ?", accountID, id).Select("1").Scan(&found).Error
		if err != nil {
			return fmt.Errorf("locking %s: %w", what, err)
		}
		if found == 0 {
			return fmt.Errorf("archiving %s: %w", what, ErrNotFound)
		}
		var n int64
		err = tx.Model(&Batch{}).
			Where("account_id = ? AND "+batchColumn+" = ? AND status IN ?", accountID, id, openStatuses).
			Count(&n).Error
		if err != nil {
			return fmt.Errorf("counting open batches of %s: %w", what, err)
		}
		if n > 0 {
			return &InUseError{What: what, Count: n}
		}
		err = tx.Model(model).Where("account_id = ? AND id = ?", accountID, id).
			Updates(map[string]any{"archived_at": gorm.Expr("coalesce(archived_at, now())")}).Error
		if err != nil {
			return fmt.Errorf("archiving %s: %w", what, err)
		}
		return nil
	})
}
