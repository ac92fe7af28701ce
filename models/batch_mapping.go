package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/flowbatch/flowbatch/models/colmatch"
)

// ColumnMap is a batch's choice of column per field: field name → column
// name, "" for a field that reads no column. Fields it leaves out read the
// exact or normalised match of their source, else their source.
type ColumnMap map[string]string

// Value implements driver.Valuer; a nil map is NULL.
func (m ColumnMap) Value() (driver.Value, error) {
	if m == nil {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// Scan implements sql.Scanner.
func (m *ColumnMap) Scan(src any) error { return jsonScan(src, m) }

// MatchFields are the fields as the column matcher sees them.
func (f Fields) MatchFields() []colmatch.Field {
	out := make([]colmatch.Field, len(f))
	for i, fd := range f {
		out[i] = colmatch.Field{Name: fd.Name, Source: fd.Source}
	}
	return out
}

// CheckColumnMap checks a column map against the interface's fields, the
// flow's key field and the input's columns (nil when not known): one message
// per wrong entry, keyed "mapping.<field>", or nil.
func CheckColumnMap(m ColumnMap, fields Fields, keyField string, columns []string) map[string]string {
	errs := map[string]string{}
	byName := make(map[string]Field, len(fields))
	for _, f := range fields {
		byName[f.Name] = f
	}
	known := make(map[string]bool, len(columns))
	for _, c := range columns {
		known[c] = true
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		col := m[name]
		f, ok := byName[name]
		switch {
		case !ok:
			errs["mapping."+name] = fmt.Sprintf("The interface has no field %q.", name)
		case col == "" && f.Required:
			errs["mapping."+name] = fmt.Sprintf("Required field %s needs a column.", name)
		case col == "" && name == keyField:
			errs["mapping."+name] = fmt.Sprintf("Field %s is the flow's key and needs a column.", name)
		case col != "" && columns != nil && !known[col]:
			errs["mapping."+name] = fmt.Sprintf("The input has no column %q.", col)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// BatchSnapshot is what a batch is processed from, fixed when it runs: its
// interface (fields, format options), the flow's key field and the
// effective column map. Edits of the interface or flow after Run do not
// reach the batch.
type BatchSnapshot struct {
	Interface Interface `json:"interface"`
	KeyField  string    `json:"key_field"`
	// ColumnMap is the batch's own map at Run until Resolved, then the
	// effective column of every field, found once from the input's columns.
	ColumnMap ColumnMap `json:"column_map"`
	Resolved  bool      `json:"resolved"`
}

// BatchSnapshotByID loads the snapshot taken when the batch ran, or nil for
// a batch that has not run.
func BatchSnapshotByID(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) (*BatchSnapshot, error) {
	var raw []byte
	err := db.WithContext(ctx).Raw("SELECT run_snapshot FROM batches WHERE account_id = ? AND id = ?", accountID, id).Row().Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("loading snapshot of batch %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("loading snapshot of batch %s: %w", id, err)
	}
	if raw == nil {
		return nil, nil //nolint:nilnil // a batch that has not run has no snapshot
	}
	var s BatchSnapshot
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("decoding snapshot of batch %s: %w", id, err)
	}
	return &s, nil
}

var interfaceJSON struct {
	once sync.Once
	sql  string
	err  error
}

// InterfaceJSONSQL is an SQL expression building the interfaces row aliased
// "i" as the JSON of an Interface value (Go field names as keys), so that a
// statement can copy a whole interface, every column of it, into a batch's
// snapshot without a round trip.
func InterfaceJSONSQL() (string, error) {
	interfaceJSON.once.Do(func() {
		s, err := schema.Parse(&Interface{}, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			interfaceJSON.err = fmt.Errorf("reading the interface model: %w", err)
			return
		}
		parts := make([]string, 0, len(s.Fields))
		for _, f := range s.Fields {
			if f.DBName == "" {
				continue
			}
			parts = append(parts, "'"+f.Name+"', i."+f.DBName)
		}
		interfaceJSON.sql = "jsonb_build_object(" + strings.Join(parts, ", ") + ")"
	})
	return interfaceJSON.sql, interfaceJSON.err
}
