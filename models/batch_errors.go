package models

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// MaxStoredErrors is how many failed records of one batch are kept row by
// row in batch_errors (the first ones, in index order). Groups count every
// failure; the failed records file holds them all (error.log its first
// 10,000), process.log every record.
const MaxStoredErrors = 100_000

// ErrorSummaryGroups is how many groups the batch document's error_summary lists.
const ErrorSummaryGroups = 20

// groupExamples is how many example records a group keeps.
const groupExamples = 5

// ErrorGroup is the failures of a batch that share a field and a message.
type ErrorGroup struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Count   int64  `json:"count"`
	// Examples are the 0-based indices of the group's first records.
	Examples []int64 `json:"examples"`
}

// BatchError is one failed record of a batch.
type BatchError struct {
	BatchIndex int64
	Line       int
	Field      string
	Message    string
	Value      string
}

// errorGroupRow is one chunk's part of a group.
type errorGroupRow struct {
	BatchID  uuid.UUID
	Field    string
	Message  string
	Count    int64
	Examples string // a JSON array
}

// BatchErrorGroups returns the groups of the failures of each of the
// account's batches named, largest first (then by field and message), at
// most limit per batch. Batches without failures are absent from the map.
func BatchErrorGroups(ctx context.Context, db *gorm.DB, accountID uuid.UUID, batchIDs []uuid.UUID, limit int) (map[uuid.UUID][]ErrorGroup, error) {
	out := map[uuid.UUID][]ErrorGroup{}
	if len(batchIDs) == 0 {
		return out, nil
	}
	var rows []errorGroupRow
	err := db.WithContext(ctx).Raw(`SELECT g.batch_id, g.field, g.message, g.count, array_to_json(g.examples)::text AS examples
		FROM batch_error_groups g JOIN batches b ON b.id = g.batch_id
		WHERE b.account_id = ? AND g.batch_id IN ? ORDER BY g.batch_id, g.chunk_start`, accountID, batchIDs).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("loading error groups: %w", err)
	}
	type key struct {
		batch          uuid.UUID
		field, message string
	}
	index := map[key]int{}
	for _, r := range rows {
		k := key{r.BatchID, r.Field, r.Message}
		i, ok := index[k]
		if !ok {
			i = len(out[r.BatchID])
			index[k] = i
			out[r.BatchID] = append(out[r.BatchID], ErrorGroup{Field: r.Field, Message: r.Message, Examples: []int64{}})
		}
		g := &out[r.BatchID][i]
		g.Count += r.Count
		var examples []int64
		if err := json.Unmarshal([]byte(r.Examples), &examples); err != nil {
			return nil, fmt.Errorf("loading error groups: %w", err)
		}
		for _, e := range examples {
			if len(g.Examples) < groupExamples {
				g.Examples = append(g.Examples, e)
			}
		}
	}
	for id, groups := range out {
		slices.SortFunc(groups, func(a, b ErrorGroup) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Field, b.Field), cmp.Compare(a.Message, b.Message))
		})
		if len(groups) > limit {
			out[id] = groups[:limit]
		}
	}
	return out, nil
}

// ErrorFilter pages and narrows a batch's failed records.
type ErrorFilter struct {
	// Field keeps the failures of this field only ("" for all; a failure of
	// the whole record has no field and is listed under all only).
	Field string
	// After continues after this batch index; -1 starts at the first.
	After int64
	// Limit is the page size (default 50, at most 500).
	Limit int
}

// ErrorPage is one page of a batch's failed records.
type ErrorPage struct {
	Errors []BatchError
	// Next is After of the next page, -1 on the last.
	Next int64
}

// ListBatchErrors returns a page of the stored failures of one of the
// account's batches in index order, by keyset on the index.
func ListBatchErrors(ctx context.Context, db *gorm.DB, accountID, batchID uuid.UUID, f ErrorFilter) (*ErrorPage, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q := db.WithContext(ctx).Table("batch_errors").Select("batch_index, line, field, message, value").
		Where("batch_id = (SELECT id FROM batches WHERE account_id = ? AND id = ?)", accountID, batchID).
		Where("batch_index > ?", f.After)
	if f.Field != "" {
		q = q.Where("field = ?", f.Field)
	}
	page := &ErrorPage{Next: -1}
	if err := q.Order("batch_index").Limit(f.Limit + 1).Scan(&page.Errors).Error; err != nil {
		return nil, fmt.Errorf("listing errors of batch %s: %w", batchID, err)
	}
	if len(page.Errors) > f.Limit {
		page.Errors = page.Errors[:f.Limit]
		page.Next = page.Errors[f.Limit-1].BatchIndex
	}
	return page, nil
}

// BatchReruns lists the account's batches that re-run the failed records of
// batch id, oldest first.
func BatchReruns(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) ([]Batch, error) {
	var bs []Batch
	err := db.WithContext(ctx).Where("account_id = ? AND parent_batch_id = ?", accountID, id).
		Order("created_at, id").Limit(100).Find(&bs).Error
	if err != nil {
		return nil, fmt.Errorf("listing re-runs of batch %s: %w", id, err)
	}
	return bs, nil
}
