package app

import (
	"time"

	"github.com/flowbatch/flowbatch/models"
)

// flowDoc is a flow as the API shows it.
type flowDoc struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	KeyField    string     `json:"key_field"`
	ArchivedAt  *time.Time `json:"archived_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

func newFlowDoc(f *models.Flow) flowDoc {
	return flowDoc{ID: f.ID.String(), Name: f.Name, Description: f.Description, KeyField: f.KeyField,
		ArchivedAt: f.ArchivedAt, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
}

// flowInput is the body of POST and PATCH /api/v1/flows: absent members keep their value.
type flowInput struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	KeyField    *string `json:"key_field"`
}

func (in *flowInput) apply(f *models.Flow) {
	if in.Name != nil {
		f.Name = *in.Name
	}
	if in.Description != nil {
		f.Description = *in.Description
	}
	if in.KeyField != nil {
		f.KeyField = *in.KeyField
	}
}
