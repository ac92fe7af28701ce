package models

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Flow is where records go. When KeyField is set, a record whose key already
// exists in the flow updates that record instead of adding one.
type Flow struct {
	ID          uuid.UUID `gorm:"type:uuid;primaryKey;default:gen_random_uuid()"`
	AccountID   uuid.UUID `gorm:"type:uuid"`
	Name        string
	Description string
	KeyField    string
	ArchivedAt  *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// FlowByID loads a flow of an account, archived or not.
func FlowByID(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) (*Flow, error) {
	var f Flow
	if err := db.WithContext(ctx).Where("account_id = ? AND id = ?", accountID, id).Take(&f).Error; err != nil {
		return nil, notFound("loading flow", err)
	}
	return &f, nil
}

// ListFlows lists an account's flows by name; archived ones only when asked.
func ListFlows(ctx context.Context, db *gorm.DB, accountID uuid.UUID, withArchived bool) ([]Flow, error) {
	q := db.WithContext(ctx).Where("account_id = ?", accountID)
	if !withArchived {
		q = q.Where("archived_at IS NULL")
	}
	var flows []Flow
	if err := q.Order("lower(name), id").Find(&flows).Error; err != nil {
		return nil, notFound("listing flows", err)
	}
	return flows, nil
}

// CreateFlow inserts a flow; f.AccountID must be set.
func CreateFlow(ctx context.Context, db *gorm.DB, f *Flow) error {
	if err := db.WithContext(ctx).Create(f).Error; err != nil {
		return notFound("creating flow", err)
	}
	return nil
}
