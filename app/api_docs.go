package app

import (
	"time"

	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
)

// batchDoc is a batch as the JSON API shows it.
type batchDoc struct {
	ID           uuid.UUID     `json:"id"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Status       models.Status `json:"status"`
	Format       models.Format `json:"format"`
	Source       models.Source `json:"source"`
	Designer     bool          `json:"designer"`
	InterfaceID  *uuid.UUID    `json:"interface_id"`
	FlowID       *uuid.UUID    `json:"flow_id"`
	Counts       batchCounts   `json:"counts"`
	ErrorMessage string        `json:"error_message,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	ReadyAt      *time.Time    `json:"ready_at"`
	StartedAt    *time.Time    `json:"started_at"`
	FinishedAt   *time.Time    `json:"finished_at"`
}

type batchCounts struct {
	Total     int64 `json:"total"`
	Processed int64 `json:"processed"`
	Inserted  int64 `json:"inserted"`
	Updated   int64 `json:"updated"`
	Failed    int64 `json:"failed"`
}

func newBatchDoc(b *models.Batch) batchDoc {
	return batchDoc{
		ID: b.ID, Name: b.Name, Description: b.Description, Status: b.Status, Format: b.Format,
		Source: b.Source, Designer: b.Designer, InterfaceID: b.InterfaceID, FlowID: b.FlowID,
		Counts: batchCounts{
			Total: b.TotalCount, Processed: b.ProcessedCount, Inserted: b.InsertedCount,
			Updated: b.UpdatedCount, Failed: b.FailedCount,
		},
		ErrorMessage: b.ErrorMessage,
		CreatedAt:    b.CreatedAt, ReadyAt: b.ReadyAt, StartedAt: b.StartedAt, FinishedAt: b.FinishedAt,
	}
}
