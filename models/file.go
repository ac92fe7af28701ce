package models

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// FileKind names the role of a batch's file.
type FileKind string

// The four files of a batch.
const (
	KindInput   FileKind = "input"
	KindOutput  FileKind = "output"
	KindProcess FileKind = "process"
	KindError   FileKind = "error"
)

// BatchFolder is the file-manager folder holding the files of batches.
const BatchFolder = "batch"

// File is an entry of an account's file manager. Its content lives in blob
// storage under StorageKey, a generated key that never derives from Name.
type File struct {
	ID          uuid.UUID `gorm:"type:uuid;primaryKey;default:gen_random_uuid()"`
	AccountID   uuid.UUID `gorm:"type:uuid"`
	Folder      string
	Name        string
	Size        int64
	ContentType string
	SHA256      string `gorm:"column:sha256"`
	StorageKey  string
	BatchID     *uuid.UUID `gorm:"type:uuid"`
	Kind        *FileKind
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CreateFile registers a stored object as a file; f.AccountID must be set.
func CreateFile(ctx context.Context, db *gorm.DB, f *File) error {
	if err := db.WithContext(ctx).Create(f).Error; err != nil {
		return notFound("creating file", err)
	}
	return nil
}

// FileByID loads a file of an account.
func FileByID(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) (*File, error) {
	var f File
	if err := db.WithContext(ctx).Where("account_id = ? AND id = ?", accountID, id).Take(&f).Error; err != nil {
		return nil, notFound("loading file", err)
	}
	return &f, nil
}
