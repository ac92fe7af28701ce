package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Status is where a batch is in its lifecycle.
type Status string

// Batch statuses, in lifecycle order.
const (
	StatusDraft      Status = "DRAFT"
	StatusReady      Status = "READY"
	StatusProcessing Status = "PROCESSING"
	StatusFinished   Status = "FINISHED"
	StatusError      Status = "ERROR"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusDraft, StatusReady, StatusProcessing, StatusFinished, StatusError}

// Action is something a person or a machine may do with a batch.
type Action string

// Batch actions. Edit is offered for drafts, View for every other status.
const (
	ActionEdit   Action = "edit"
	ActionView   Action = "view"
	ActionClone  Action = "clone"
	ActionRun    Action = "run"
	ActionDelete Action = "delete"
	ActionCancel Action = "cancel"
)

// Allows reports whether a batch in status s permits action a.
func (s Status) Allows(a Action) bool {
	switch a {
	case ActionEdit, ActionRun:
		return s == StatusDraft
	case ActionView:
		return s != StatusDraft
	case ActionClone:
		return true
	case ActionDelete:
		return s == StatusDraft || s == StatusFinished || s == StatusError
	case ActionCancel:
		return s == StatusReady || s == StatusProcessing
	}
	return false
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Source says how a batch arrived.
type Source string

// Batch sources.
const (
	SourceUI    Source = "ui"
	SourceAPIv1 Source = "api_v1"
	SourceAPIv2 Source = "api_v2"
)

// Batch is a collection of records read through an interface into a flow.
type Batch struct {
	ID             uuid.UUID `gorm:"type:uuid;primaryKey;default:gen_random_uuid()"`
	AccountID      uuid.UUID `gorm:"type:uuid"`
	Name           string
	Description    string
	Format         Format
	InterfaceID    *uuid.UUID `gorm:"type:uuid"`
	FlowID         *uuid.UUID `gorm:"type:uuid"`
	Status         Status     `gorm:"default:DRAFT"`
	Source         Source
	Designer       bool
	InputName      string
	OutputName     string
	TotalCount     int64
	ProcessedCount int64
	InsertedCount  int64
	UpdatedCount   int64
	FailedCount    int64
	ErrorMessage   string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ReadyAt        *time.Time
	StartedAt      *time.Time
	FinishedAt     *time.Time
	// CancelRequestedAt is set by Cancel; the worker stops at its next chunk boundary.
	CancelRequestedAt *time.Time
	// ParentBatchID is the batch whose failed records this batch re-runs.
	ParentBatchID *uuid.UUID `gorm:"type:uuid"`
	// ColumnMap is the batch's own column per field, nil when never chosen.
	ColumnMap ColumnMap `gorm:"type:jsonb"`
	// ReadOptions override the interface's reading settings for this batch.
	ReadOptions ReadOptions `gorm:"type:jsonb"`
	// ReadEncoding is the encoding the engine decided to read the input in,
	// over the whole input, before inserting anything ("" until then).
	ReadEncoding string
	// RunSnapshot is what a batch created READY (jobs.ReadyOnCreate) stores
	// as its run snapshot, built by its INSERT; the engine reads the column
	// itself, so it is never loaded into the model.
	RunSnapshot InsertExpr `gorm:"type:jsonb;<-:create;->:false"`
}

// ShortID is the first eight hex digits of the batch's ID, used in its folder name.
func (b *Batch) ShortID() string { return b.ID.String()[:8] }

// Folder is the file-manager folder of the batch's files: batch/<name>-<short-id>,
// with the name reduced to letters, digits, '-' and '_' so it is safe anywhere.
func (b *Batch) Folder() string {
	var sb strings.Builder
	for _, r := range strings.ToLower(b.Name) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			sb.WriteRune(r)
		case sb.Len() > 0 && !strings.HasSuffix(sb.String(), "-"):
			sb.WriteByte('-')
		}
		if sb.Len() >= 60 {
			break
		}
	}
	name := strings.Trim(sb.String(), "-")
	if name == "" {
		name = "batch"
	}
	return BatchFolder + "/" + name + "-" + b.ShortID()
}

// DefaultInputName is the input file's name when none was chosen: input.<format>.
func (b *Batch) DefaultInputName() string { return "input." + string(b.Format) }

// DefaultOutputName is the output file's name when none was chosen.
const DefaultOutputName = "output.json"

// FileName returns the name of the batch's file of kind k, honouring custom names.
func (b *Batch) FileName(k FileKind) string {
	switch k {
	case KindInput:
		if b.InputName != "" {
			return b.InputName
		}
		return b.DefaultInputName()
	case KindOutput:
		if b.OutputName != "" {
			return b.OutputName
		}
		return DefaultOutputName
	case KindProcess:
		return "process.log"
	case KindError:
		return "error.log"
	case KindFailed:
		return "failed." + string(b.Format)
	}
	return string(k)
}

// FileNameClash tells when two of the batch's files would share a name in
// its folder, which holds them side by side: it returns the custom name's
// field ("input_name" or "output_name") and a message, or "" and "".
func (b *Batch) FileNameClash() (field, msg string) {
	in, out := b.FileName(KindInput), b.FileName(KindOutput)
	for _, n := range []struct {
		field, name string
	}{{"input_name", in}, {"output_name", out}} {
		switch n.name {
		case b.FileName(KindProcess):
			return n.field, n.name + " is the name of the batch's process log; choose another."
		case b.FileName(KindError):
			return n.field, n.name + " is the name of the batch's error log; choose another."
		case b.FileName(KindFailed):
			return n.field, n.name + " is the name of the batch's failed records file; choose another."
		}
	}
	if in == out {
		if b.OutputName == "" {
			return "input_name", out + " is the name of the batch's output file; choose another."
		}
		return "output_name", "The input and output files need different names."
	}
	return "", ""
}

// BatchByID loads a batch of an account.
func BatchByID(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) (*Batch, error) {
	var b Batch
	if err := db.WithContext(ctx).Where("account_id = ? AND id = ?", accountID, id).Take(&b).Error; err != nil {
		return nil, notFound("loading batch", err)
	}
	return &b, nil
}

// CreateBatch inserts a batch; b.AccountID must be set.
func CreateBatch(ctx context.Context, db *gorm.DB, b *Batch) error {
	if err := db.WithContext(ctx).Create(b).Error; err != nil {
		return notFound("creating batch", err)
	}
	return runBatchCreatedHook(ctx, db, b)
}

// BatchEventsChannel is the PostgreSQL NOTIFY channel on which every change
// of a batch (status, progress, deletion) is announced, so that every web
// process can push it to its live pages.
const BatchEventsChannel = "flowbatch_batch_events"

// BatchEvent is the payload of a BatchEventsChannel notification. It names the
// batch only; listeners load what they show from the database.
type BatchEvent struct {
	AccountID uuid.UUID `json:"account_id"`
	BatchID   uuid.UUID `json:"batch_id"`
	Status    Status    `json:"status"`
	Deleted   bool      `json:"deleted,omitempty"`
}

// NotifySQL is the statement that announces a BatchEvent; pass the channel and
// the event's JSON as arguments (pgx: $1, $2), inside the transaction that made the change.
const NotifySQL = "SELECT pg_notify($1, $2)"

// BatchEventJSONSQL is the SQL expression of the BatchEvent of a row of
// batches, named table in the statement, as Payload encodes it.
func BatchEventJSONSQL(table string) string {
	return "json_build_object('account_id', " + table + ".account_id, 'batch_id', " + table + ".id, 'status', " + table + ".status)::text"
}

// Payload encodes the event for NotifySQL.
func (e BatchEvent) Payload() string {
	b, _ := json.Marshal(e)
	return string(b)
}

// ParseBatchEvent decodes a notification payload.
func ParseBatchEvent(payload string) (BatchEvent, error) {
	var e BatchEvent
	if err := json.Unmarshal([]byte(payload), &e); err != nil {
		return e, fmt.Errorf("decoding batch event: %w", err)
	}
	return e, nil
}

// ExpiresAt is when an ended batch will be deleted under a retention period
// (FLOWBATCH_RETENTION), or nil when it will not: no retention, or the batch
// has not ended.
func (b *Batch) ExpiresAt(retention time.Duration) *time.Time {
	if retention <= 0 || b.FinishedAt == nil || (b.Status != StatusFinished && b.Status != StatusError) {
		return nil
	}
	t := b.FinishedAt.Add(retention)
	return &t
}
