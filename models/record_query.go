package models

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// RecordSearchWindow is how many records one search page examines at most
// when it filters on a field value. Record data has no index (a GIN index
// would double the ingest engine's COPY time), so a search walks the flow's
// records newest first and stops after this many, keeping every page fast;
// the person continues with the older ones from where it stopped.
const RecordSearchWindow = 25_000

// RecordFilter narrows and pages a flow's records.
type RecordFilter struct {
	// Before continues after this record ID (records are listed newest first).
	Before uuid.UUID
	// Key finds the record with this key.
	Key string
	// Field and Value find records whose mapped field Field has the text Value.
	Field string
	Value string
	// Limit is the page size (default 50, at most 500).
	Limit int
	// Window is how many records a field search examines (default RecordSearchWindow).
	Window int
	// Batch keeps the records last written by this batch (uuid.Nil: all).
	// Like a field search it walks at most Window records: an index on
	// batch_id would cost the ingest engine's COPY (docs/benchmarks.md).
	Batch uuid.UUID
}

// batchScope is the condition and argument that keep f's batch's records.
func (f RecordFilter) batchScope() (string, []any) {
	if f.Batch == uuid.Nil {
		return "", nil
	}
	return " AND batch_id = ?", []any{f.Batch}
}

// RecordIDsBefore is a record ID greater than that of every record created
// before t (record IDs are UUIDv7, whose first 48 bits are the Unix time in
// milliseconds), with a minute's margin for the clocks of the processes
// that make them: where a listing of one batch's records can start.
func RecordIDsBefore(t time.Time) uuid.UUID {
	var id uuid.UUID
	ms := uint64(t.Add(time.Minute).UnixMilli())
	for i := range 6 {
		id[i] = byte(ms >> (8 * (5 - i)))
	}
	return id
}

// RecordPage is one page of records.
type RecordPage struct {
	Records []Record
	// Next continues the listing (Before of the next page); zero at the end.
	Next uuid.UUID
	// Window is true when a field search stopped after Window
	// records: Next then names where to continue, and older records may match.
	Window bool
}

// recordColumns are what a listing shows; data is included for the preview.
const recordColumns = "id, account_id, flow_id, batch_id, batch_index, key, data, created_at, updated_at"

// ListRecords returns a page of a flow's records, newest first (record IDs
// are UUIDv7, so ID order is insertion order). The flow must belong to the
// account; records of other accounts are never returned.
func ListRecords(ctx context.Context, db *gorm.DB, accountID, flowID uuid.UUID, f RecordFilter) (*RecordPage, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	if f.Window <= 0 {
		f.Window = RecordSearchWindow
	}
	db = db.WithContext(ctx)
	page := &RecordPage{}
	scope, scopeArgs := f.batchScope()
	var err error
	switch {
	case f.Key != "":
		// records_flow_key_key finds it directly.
		err = db.Raw("SELECT "+recordColumns+" FROM records WHERE flow_id = ? AND account_id = ? AND key = ?"+scope,
			append([]any{flowID, accountID, f.Key}, scopeArgs...)...).Scan(&page.Records).Error
	case f.Field != "" || f.Batch != uuid.Nil:
		return searchRecords(db, accountID, flowID, f)
	default:
		err = db.Raw("SELECT "+recordColumns+" FROM records WHERE flow_id = ? AND account_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
			flowID, accountID, before(f.Before), f.Limit+1).Scan(&page.Records).Error
	}
	if err != nil {
		return nil, fmt.Errorf("listing records of flow %s: %w", flowID, err)
	}
	if len(page.Records) > f.Limit {
		page.Records = page.Records[:f.Limit]
		page.Next = page.Records[f.Limit-1].ID
		return page, nil
	}
	return page, nil
}

// searchRecords walks at most f.Window records, newest first, for those
// whose field f.Field has the text f.Value and (or only) that f.Batch wrote
// last. When fewer than a page match, a second, index-only query tells
// whether older records remain beyond the walk and where it stopped.
func searchRecords(db *gorm.DB, accountID, flowID uuid.UUID, f RecordFilter) (*RecordPage, error) {
	page := &RecordPage{}
	match, args := "true", []any{flowID, accountID, before(f.Before), f.Window}
	if f.Field != "" {
		match, args = "data ->> ? = ?", append(args, f.Field, f.Value)
	}
	scope, scopeArgs := f.batchScope()
	args = append(append(args, scopeArgs...), f.Limit+1)
	err := db.Raw(`SELECT `+recordColumns+` FROM (
			SELECT `+recordColumns+` FROM records
			WHERE flow_id = ? AND account_id = ? AND id < ?
			ORDER BY id DESC LIMIT ?
		) AS recent
		WHERE `+match+scope+`
		ORDER BY id DESC LIMIT ?`, args...).Scan(&page.Records).Error
	if err != nil {
		return nil, fmt.Errorf("searching records of flow %s: %w", flowID, err)
	}
	if len(page.Records) > f.Limit {
		page.Records = page.Records[:f.Limit]
		page.Next = page.Records[f.Limit-1].ID
		return page, nil
	}
	// The flow's ID alone suffices here (records_flow_id_idx, index only):
	// flow IDs are unique, and the walk above was limited to the account.
	var edge []uuid.UUID
	err = db.Raw("SELECT id FROM records WHERE flow_id = ? AND id < ? ORDER BY id DESC OFFSET ? LIMIT 2",
		flowID, before(f.Before), f.Window-1).Scan(&edge).Error
	if err != nil {
		return nil, fmt.Errorf("finding the end of a record search: %w", err)
	}
	if len(edge) == 2 {
		// edge[0] was the last record examined; edge[1] shows that more remain.
		page.Next, page.Window = edge[0], true
	}
	return page, nil
}

// maxUUID sorts after every UUID: the start of a newest-first listing.
var maxUUID = uuid.UUID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

func before(id uuid.UUID) uuid.UUID {
	if id == uuid.Nil {
		return maxUUID
	}
	return id
}

// RecordByID loads a record of an account.
func RecordByID(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) (*Record, error) {
	var r Record
	if err := db.WithContext(ctx).Where("account_id = ? AND id = ?", accountID, id).Take(&r).Error; err != nil {
		return nil, notFound("loading record", err)
	}
	return &r, nil
}

// CountFlowRecords counts a flow's records, stopping at limit+1 so that a
// huge flow costs no more than limit index entries ("more than 10,000").
func CountFlowRecords(ctx context.Context, db *gorm.DB, accountID, flowID uuid.UUID, limit int) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Raw("SELECT count(*) FROM (SELECT 1 FROM records WHERE flow_id = ? AND account_id = ? LIMIT ?) AS r",
		flowID, accountID, limit+1).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("counting records of flow %s: %w", flowID, err)
	}
	return n, nil
}
