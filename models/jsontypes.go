package models

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/flowbatch/flowbatch/models/fieldtype"
)

// Scopes is the set of an interface's scopes, stored as a JSON array.
type Scopes []string

// Scope names an interface may carry.
const (
	ScopeBatch    = "batch"
	ScopeAPI      = "api"
	ScopeDesigner = "designer"
)

// Has reports whether the set holds scope.
func (s Scopes) Has(scope string) bool { return slices.Contains(s, scope) }

// Value implements driver.Valuer.
func (s Scopes) Value() (driver.Value, error) { return jsonValue(s) }

// Scan implements sql.Scanner.
func (s *Scopes) Scan(src any) error { return jsonScan(src, s) }

// FieldType is the type a mapped field's value is checked against and stored
// as (package fieldtype, shared with the ingest engine).
type FieldType = fieldtype.Type

// Field types.
const (
	TypeString   = fieldtype.String
	TypeInteger  = fieldtype.Integer
	TypeNumber   = fieldtype.Number
	TypeBoolean  = fieldtype.Boolean
	TypeDate     = fieldtype.Date
	TypeDateTime = fieldtype.Datetime
)

// FieldTypes lists every field type, in the order pickers show them.
var FieldTypes = fieldtype.All

// Field maps one source value of a payload record to one stored field.
type Field struct {
	Name     string    `json:"name"`
	Source   string    `json:"source"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required"`
}

// Fields is an interface's field mapping, stored as a JSON array.
type Fields []Field

// Maps reports whether a record's key field key ("" for none) is one of
// the fields, so that records can have a key.
func (f Fields) Maps(key string) bool {
	if key == "" {
		return true
	}
	for _, fl := range f {
		if fl.Name == key {
			return true
		}
	}
	return false
}

// Value implements driver.Valuer.
func (f Fields) Value() (driver.Value, error) { return jsonValue(f) }

// Scan implements sql.Scanner.
func (f *Fields) Scan(src any) error { return jsonScan(src, f) }

func jsonValue[T any](v []T) (driver.Value, error) {
	if v == nil {
		return "[]", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func jsonScan(src, dst any) error {
	switch v := src.(type) {
	case []byte:
		return json.Unmarshal(v, dst)
	case string:
		return json.Unmarshal([]byte(v), dst)
	case nil:
		return nil
	}
	return fmt.Errorf("cannot scan %T into %T", src, dst)
}
