package models

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Format is a payload format.
type Format string

// Payload formats.
const (
	FormatJSON Format = "json"
	FormatXML  Format = "xml"
	FormatCSV  Format = "csv"
	FormatXLSX Format = "xlsx"
)

// Formats lists every payload format, in the order pickers show them.
var Formats = []Format{FormatJSON, FormatXML, FormatCSV, FormatXLSX}

// Interface says how a payload is read (format and options) and mapped (fields).
type Interface struct {
	ID            uuid.UUID `gorm:"type:uuid;primaryKey;default:gen_random_uuid()"`
	AccountID     uuid.UUID `gorm:"type:uuid"`
	Name          string
	Description   string
	Format        Format
	Scopes        Scopes     `gorm:"type:jsonb"`
	FlowID        *uuid.UUID `gorm:"type:uuid"`
	RecordsPath   string
	CSVDelimiter  string `gorm:"column:csv_delimiter"`
	CSVHeader     bool   `gorm:"column:csv_header"`
	RecordElement string
	// Encoding is the character encoding setting of text payloads (Encodings).
	Encoding string
	// CSVQuote is the CSV quote character (Quotes).
	CSVQuote string `gorm:"column:csv_quote"`
	// XLSXSheet names the sheet read from an XLSX payload; "" is the first.
	XLSXSheet  string `gorm:"column:xlsx_sheet"`
	Fields     Fields `gorm:"type:jsonb"`
	ArchivedAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// InterfaceByID loads an interface of an account, archived or not.
func InterfaceByID(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) (*Interface, error) {
	var i Interface
	if err := db.WithContext(ctx).Where("account_id = ? AND id = ?", accountID, id).Take(&i).Error; err != nil {
		return nil, notFound("loading interface", err)
	}
	return &i, nil
}

// ListInterfaces lists an account's interfaces by name; archived ones only when asked.
func ListInterfaces(ctx context.Context, db *gorm.DB, accountID uuid.UUID, withArchived bool) ([]Interface, error) {
	q := db.WithContext(ctx).Where("account_id = ?", accountID)
	if !withArchived {
		q = q.Where("archived_at IS NULL")
	}
	var list []Interface
	if err := q.Order("lower(name), id").Find(&list).Error; err != nil {
		return nil, notFound("listing interfaces", err)
	}
	return list, nil
}

// CreateInterface inserts an interface; i.AccountID must be set.
func CreateInterface(ctx context.Context, db *gorm.DB, i *Interface) error {
	if err := db.WithContext(ctx).Create(i).Error; err != nil {
		return notFound("creating interface", err)
	}
	return nil
}
