package models

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// FlowFieldNames lists the names of the fields of the account's interfaces
// that feed the flow (archived ones too: their records stay), interface by
// interface in name order, each name once: the fields a flow's records
// usually have.
func FlowFieldNames(ctx context.Context, db *gorm.DB, accountID, flowID uuid.UUID) ([]string, error) {
	var lists []Fields
	err := db.WithContext(ctx).Model(&Interface{}).Where("account_id = ? AND flow_id = ?", accountID, flowID).
		Order("archived_at IS NOT NULL, lower(name), id").Pluck("fields", &lists).Error
	if err != nil {
		return nil, notFound("listing the fields of a flow", err)
	}
	var names []string
	seen := map[string]bool{}
	for _, fields := range lists {
		for _, f := range fields {
			if !seen[f.Name] {
				seen[f.Name] = true
				names = append(names, f.Name)
			}
		}
	}
	return names, nil
}

// FlowBatch is a batch that wrote into a flow, as a filter offers it.
type FlowBatch struct {
	ID        uuid.UUID
	Name      string
	Status    Status
	CreatedAt time.Time
}

// RecentFlowBatches lists the account's newest batches into the flow that
// may have written records (every status but DRAFT), at most limit.
func RecentFlowBatches(ctx context.Context, db *gorm.DB, accountID, flowID uuid.UUID, limit int) ([]FlowBatch, error) {
	var out []FlowBatch
	err := db.WithContext(ctx).Model(&Batch{}).Select("id, name, status, created_at").
		Where("account_id = ? AND flow_id = ? AND status <> ?", accountID, flowID, StatusDraft).
		Order("created_at DESC, id DESC").Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, notFound("listing the batches of a flow", err)
	}
	return out, nil
}

// BatchNames returns the names of the account's batches among ids; a batch
// deleted since has none.
func BatchNames(ctx context.Context, db *gorm.DB, accountID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	out := make(map[uuid.UUID]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID   uuid.UUID
		Name string
	}
	err := db.WithContext(ctx).Model(&Batch{}).Select("id, name").Where("account_id = ? AND id IN ?", accountID, ids).Scan(&rows).Error
	if err != nil {
		return nil, notFound("naming batches", err)
	}
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}
