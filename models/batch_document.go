package models

import (
	"math"
	"time"

	"github.com/google/uuid"
)

// BatchDocument is a batch as the JSON API (and every webhook) shows it: the
// batch report.
type BatchDocument struct {
	ID           uuid.UUID           `json:"id"`
	URL          string              `json:"url"`
	Name         string              `json:"name"`
	Description  string              `json:"description"`
	Status       Status              `json:"status"`
	Format       Format              `json:"format"`
	Source       Source              `json:"source"`
	Designer     bool                `json:"designer"`
	InterfaceID  *uuid.UUID          `json:"interface_id"`
	FlowID       *uuid.UUID          `json:"flow_id"`
	Counts       BatchCounts         `json:"counts"`
	ErrorMessage string              `json:"error_message,omitempty"`
	CreatedAt    time.Time           `json:"created_at"`
	ReadyAt      *time.Time          `json:"ready_at"`
	StartedAt    *time.Time          `json:"started_at"`
	FinishedAt   *time.Time          `json:"finished_at"`
	Durations    BatchDurations      `json:"durations"`
	Files        []BatchFileDocument `json:"files"`
	// Outcome is how the batch ended (Batch.Outcome), null while it has not.
	Outcome *Outcome `json:"outcome"`
	// ErrorSummary is the largest groups of failed records (at most
	// ErrorSummaryGroups), set by WithErrorSummary; empty without failures.
	ErrorSummary []ErrorGroup `json:"error_summary"`
	// ParentBatchID is the batch whose failed records this batch re-runs.
	ParentBatchID *uuid.UUID `json:"parent_batch_id"`
}

// BatchCounts are the record counts of a batch document.
type BatchCounts struct {
	Total     int64 `json:"total"`
	Processed int64 `json:"processed"`
	Inserted  int64 `json:"inserted"`
	Updated   int64 `json:"updated"`
	Failed    int64 `json:"failed"`
}

// BatchDurations are in seconds; null until the span has started. A span
// still running counts up to now.
type BatchDurations struct {
	// Queue is the wait from ready_at to started_at.
	Queue *float64 `json:"queue_seconds"`
	// Processing is the work from started_at to finished_at.
	Processing *float64 `json:"processing_seconds"`
	// Total is from ready_at to finished_at: what a client waits after queueing.
	Total *float64 `json:"total_seconds"`
}

// BatchFileDocument is one of a batch's files, with the URL that downloads it.
type BatchFileDocument struct {
	Kind        FileKind  `json:"kind"`
	Name        string    `json:"name"`
	Folder      string    `json:"folder"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	SHA256      string    `json:"sha256"`
	URL         string    `json:"url"`
	CreatedAt   time.Time `json:"created_at"`
}

// BatchURL is the absolute API URL of a batch's report, under baseURL.
func BatchURL(baseURL string, id uuid.UUID) string {
	return baseURL + "/api/v1/batches/" + id.String()
}

// NewBatchDocument builds the report of b with its files, its URLs under
// baseURL and its running spans counted up to now.
func NewBatchDocument(b *Batch, files []File, baseURL string, now time.Time) BatchDocument {
	doc := BatchDocument{
		ID: b.ID, URL: BatchURL(baseURL, b.ID), Name: b.Name, Description: b.Description, Status: b.Status, Format: b.Format,
		Source: b.Source, Designer: b.Designer, InterfaceID: b.InterfaceID, FlowID: b.FlowID,
		Counts: BatchCounts{
			Total: b.TotalCount, Processed: b.ProcessedCount, Inserted: b.InsertedCount,
			Updated: b.UpdatedCount, Failed: b.FailedCount,
		},
		ErrorMessage: b.ErrorMessage,
		CreatedAt:    b.CreatedAt, ReadyAt: b.ReadyAt, StartedAt: b.StartedAt, FinishedAt: b.FinishedAt,
		Files:        make([]BatchFileDocument, 0, len(files)),
		ErrorSummary: []ErrorGroup{}, ParentBatchID: b.ParentBatchID,
	}
	if o := b.Outcome(); o != "" {
		doc.Outcome = &o
	}
	var running *time.Time
	if b.Status == StatusReady || b.Status == StatusProcessing {
		running = &now
	}
	doc.Durations.Queue = span(b.ReadyAt, first(b.StartedAt, b.FinishedAt, readyOnly(b, now)))
	doc.Durations.Processing = span(b.StartedAt, first(b.FinishedAt, running))
	doc.Durations.Total = span(b.ReadyAt, first(b.FinishedAt, running))
	for _, f := range files {
		doc.Files = append(doc.Files, BatchFileDocument{
			Kind: *f.Kind, Name: f.Name, Folder: f.Folder, Size: f.Size, ContentType: f.ContentType,
			SHA256: f.SHA256, URL: BatchURL(baseURL, b.ID) + "/files/" + string(*f.Kind), CreatedAt: f.CreatedAt,
		})
	}
	return doc
}

// WithErrorSummary sets the document's error summary to groups, as
// BatchErrorGroups returns them for its batch.
func (d BatchDocument) WithErrorSummary(groups []ErrorGroup) BatchDocument {
	if groups != nil {
		d.ErrorSummary = groups
	}
	return d
}

// readyOnly is now while b waits in the queue.
func readyOnly(b *Batch, now time.Time) *time.Time {
	if b.Status == StatusReady {
		return &now
	}
	return nil
}

func first(ts ...*time.Time) *time.Time {
	for _, t := range ts {
		if t != nil {
			return t
		}
	}
	return nil
}

// span is the seconds from start to end, to the millisecond, or nil.
func span(start, end *time.Time) *float64 {
	if start == nil || end == nil {
		return nil
	}
	d := math.Round(max(end.Sub(*start), 0).Seconds()*1000) / 1000
	return &d
}
