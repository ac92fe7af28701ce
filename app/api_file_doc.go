package app

import (
	"time"

	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
)

// apiFileDoc is a file as the JSON API shows it.
type apiFileDoc struct {
	ID          uuid.UUID        `json:"id"`
	Folder      string           `json:"folder"`
	Name        string           `json:"name"`
	Size        int64            `json:"size"`
	ContentType string           `json:"content_type"`
	SHA256      string           `json:"sha256"`
	BatchID     *uuid.UUID       `json:"batch_id"`
	Kind        *models.FileKind `json:"kind"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	ContentURL  string           `json:"content_url"`
}

func newAPIFileDoc(f *models.File) apiFileDoc {
	return apiFileDoc{
		ID: f.ID, Folder: f.Folder, Name: f.Name, Size: f.Size, ContentType: f.ContentType, SHA256: f.SHA256,
		BatchID: f.BatchID, Kind: f.Kind, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt,
		ContentURL: "/api/v1/files/" + f.ID.String() + "/content",
	}
}

// apiFolderDoc is a sub-folder in an API folder listing.
type apiFolderDoc struct {
	Name    string     `json:"name"`
	Path    string     `json:"path"`
	Files   int64      `json:"files"`
	Size    int64      `json:"size"`
	BatchID *uuid.UUID `json:"batch_id,omitempty"`
}
