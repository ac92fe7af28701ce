package batches

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/models"
)

// SetReadOptions saves how a DRAFT batch reads its input, over its
// interface's settings. It returns a *models.ValidationError for invalid
// options.
func (s *Service) SetReadOptions(ctx context.Context, accountID, batchID uuid.UUID, o models.ReadOptions) (*models.Batch, error) {
	o.Normalize()
	if errs := o.Check(); errs != nil {
		return nil, &models.ValidationError{Fields: errs}
	}
	var b *models.Batch
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if b, err = lockDraft(ctx, tx, accountID, batchID, models.ActionEdit); err != nil {
			return err
		}
		if err := tx.Model(b).Update("read_options", o).Error; err != nil {
			return fmt.Errorf("saving read options of batch %s: %w", b.ID, err)
		}
		b.ReadOptions = o
		return nil
	})
	return b, err
}
