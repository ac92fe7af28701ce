package models

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// BatchListItem is a batch with the names of its interface and flow, as the
// overview and the report show it.
type BatchListItem struct {
	Batch         `gorm:"embedded"`
	InterfaceName string
	FlowName      string
	HasInput      bool
}

// Overview sort orders. Only these reach SQL.
const (
	OverviewNewest = "newest"
	OverviewOldest = "oldest"
	OverviewName   = "name"
)

var overviewOrders = map[string]struct{ page, rows string }{
	OverviewNewest: {"created_at DESC, id DESC", "b.created_at DESC, b.id DESC"},
	OverviewOldest: {"created_at ASC, id ASC", "b.created_at ASC, b.id ASC"},
	OverviewName:   {"lower(name) ASC, id ASC", "lower(b.name) ASC, b.id ASC"},
}

// OverviewPageSize is how many batches one overview page lists.
const OverviewPageSize = 25

// OverviewQuery selects a page of the batch overview.
type OverviewQuery struct {
	Status Status // "" for every status
	Search string // part of the name, case-insensitive
	Sort   string // one of the Sort* constants; newest when unknown
	Page   int    // 1-based
}

// Normalize drops unknown values, so that any query string gives a valid query.
func (q *OverviewQuery) Normalize() {
	if !q.Status.Valid() {
		q.Status = ""
	}
	q.Search = strings.TrimSpace(q.Search)
	if r := []rune(q.Search); len(r) > 120 {
		q.Search = string(r[:120])
	}
	if _, ok := overviewOrders[q.Sort]; !ok {
		q.Sort = OverviewNewest
	}
	q.Page = min(max(q.Page, 1), MaxPage)
}

// Overview is one page of an account's batches with the counts per status
// of every batch matching the search.
type Overview struct {
	Items  []BatchListItem
	Counts map[Status]int64
	// All is the number of batches matching the search, in every status.
	All int64
	// Matching is the number of batches matching the search and status.
	Matching int64
	Pages    int
}

// likePattern escapes s for LIKE against lower(name) and wraps it in
// wildcards; the trigram index on lower(name) serves it.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

// nameMatches is the search condition of the overview.
const nameMatches = "lower(name) LIKE ?"

// batchListQuery selects batches with their interface and flow names; db
// names the batches as b (the table, or a page of it).
func batchListQuery(db *gorm.DB, accountID uuid.UUID) *gorm.DB {
	return db.
		Select("b.*, coalesce(i.name, '') AS interface_name, coalesce(f.name, '') AS flow_name, "+
			"EXISTS (SELECT 1 FROM files fi WHERE fi.batch_id = b.id AND fi.kind = 'input') AS has_input").
		Joins("LEFT JOIN interfaces i ON i.account_id = b.account_id AND i.id = b.interface_id").
		Joins("LEFT JOIN flows f ON f.account_id = b.account_id AND f.id = b.flow_id").
		Where("b.account_id = ?", accountID)
}

// ListOverview returns the page of an account's batches that q selects.
func ListOverview(ctx context.Context, db *gorm.DB, accountID uuid.UUID, q OverviewQuery) (*Overview, error) {
	q.Normalize()
	db = db.WithContext(ctx)
	var rows []struct {
		Status Status
		N      int64
	}
	if err := OverviewCountsQuery(db, accountID, q).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("counting batches: %w", err)
	}
	ov := &Overview{Counts: make(map[Status]int64, len(Statuses))}
	for _, r := range rows {
		ov.Counts[r.Status] = r.N
		ov.All += r.N
	}
	ov.Matching = ov.All
	if q.Status != "" {
		ov.Matching = ov.Counts[q.Status]
	}
	ov.Pages = int((ov.Matching + OverviewPageSize - 1) / OverviewPageSize)
	if err := OverviewPageQuery(db, accountID, q).Scan(&ov.Items).Error; err != nil {
		return nil, fmt.Errorf("listing batches: %w", err)
	}
	return ov, nil
}

// OverviewCountsQuery counts the batches matching q's search per status, in
// one pass. q must be normalized.
func OverviewCountsQuery(db *gorm.DB, accountID uuid.UUID, q OverviewQuery) *gorm.DB {
	counts := db.Session(&gorm.Session{}).Table("batches").Select("status, count(*) AS n").Where("account_id = ?", accountID).Group("status")
	if q.Search != "" {
		counts = counts.Where(nameMatches, likePattern(q.Search))
	}
	return counts
}

// OverviewPageQuery selects the page of BatchListItems that q names. The
// page's IDs are chosen from the indexes alone; only its rows are read and
// joined. q must be normalized.
func OverviewPageQuery(db *gorm.DB, accountID uuid.UUID, q OverviewQuery) *gorm.DB {
	db = db.Session(&gorm.Session{}) // each statement below starts afresh
	page := db.Table("batches").Select("id").Where("account_id = ?", accountID)
	if q.Status != "" {
		page = page.Where("status = ?", q.Status)
	}
	if q.Search != "" {
		page = page.Where(nameMatches, likePattern(q.Search))
	}
	page = page.Order(overviewOrders[q.Sort].page).Limit(OverviewPageSize).Offset((q.Page - 1) * OverviewPageSize)
	return batchListQuery(db.Table("batches AS b").Joins("JOIN (?) AS p ON p.id = b.id", page), accountID).
		Order(overviewOrders[q.Sort].rows)
}

// BatchListItemByID loads one batch of an account with its interface and flow names.
func BatchListItemByID(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) (*BatchListItem, error) {
	var items []BatchListItem
	if err := batchListQuery(db.WithContext(ctx).Table("batches AS b"), accountID).Where("b.id = ?", id).Limit(1).Scan(&items).Error; err != nil {
		return nil, fmt.Errorf("loading batch %s: %w", id, err)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("loading batch %s: %w", id, ErrNotFound)
	}
	return &items[0], nil
}

// ListFilesOfFormat lists an account's own files (not those of batches) whose
// name ends in the format's extension, for picking a batch input.
func ListFilesOfFormat(ctx context.Context, db *gorm.DB, accountID uuid.UUID, f Format) ([]File, error) {
	var files []File
	err := db.WithContext(ctx).Where("account_id = ? AND batch_id IS NULL AND lower(name) LIKE ?", accountID, "%."+string(f)).
		Order("folder, lower(name)").Limit(500).Find(&files).Error
	if err != nil {
		return nil, fmt.Errorf("listing files: %w", err)
	}
	return files, nil
}

// BatchFiles lists the files of a batch in the order input, output, process, error.
func BatchFiles(ctx context.Context, db *gorm.DB, accountID, batchID uuid.UUID) ([]File, error) {
	var files []File
	err := db.WithContext(ctx).Where("account_id = ? AND batch_id = ?", accountID, batchID).
		Order("CASE kind WHEN 'input' THEN 0 WHEN 'output' THEN 1 WHEN 'process' THEN 2 ELSE 3 END").Find(&files).Error
	if err != nil {
		return nil, fmt.Errorf("listing files of batch %s: %w", batchID, err)
	}
	return files, nil
}
