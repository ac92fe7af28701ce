package batches

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/models"
)

// SetColumnMap replaces a DRAFT batch's column map (nil removes it), once
// check accepts it against the batch as locked (a *models.NotAllowedError
// for any other status).
func (s *Service) SetColumnMap(ctx context.Context, accountID, batchID uuid.UUID, cm models.ColumnMap, check func(*models.Batch) error) (*models.Batch, error) {
	var b *models.Batch
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if b, err = lockDraft(ctx, tx, accountID, batchID, models.ActionEdit); err != nil {
			return err
		}
		if err := check(b); err != nil {
			return err
		}
		if err := tx.Model(b).Updates(map[string]any{"column_map": cm, "updated_at": gorm.Expr("now()")}).Error; err != nil {
			return fmt.Errorf("saving column map of batch %s: %w", batchID, err)
		}
		b.ColumnMap = cm
		return notify(tx, b, false)
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// sameID reports whether two optional IDs name the same row (or both none).
func sameID(a, b *uuid.UUID) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
