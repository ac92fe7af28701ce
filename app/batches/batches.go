// Package batches is the one place where batches are created, edited, given
// their input, cloned and deleted, for the wizard and the API alike. Running
// and cancelling belong to package jobs, which owns the processing.
package batches

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/models"
)

// Service changes batches and their files.
type Service struct {
	DB    *gorm.DB
	Store *storage.Store
	Log   *slog.Logger
	// Created counts the batches created, by source; nil counts nothing.
	Created *prometheus.CounterVec
}

// created counts a batch once its transaction has committed.
func (s *Service) created(b *models.Batch) *models.Batch {
	if s.Created != nil {
		s.Created.WithLabelValues(string(b.Source)).Inc()
	}
	return b
}

// Draft is everything a person or a machine chooses about a batch.
type Draft struct {
	Name        string
	Description string
	Format      models.Format
	InterfaceID *uuid.UUID
	FlowID      *uuid.UUID
	Source      models.Source
	Designer    bool
	InputName   string
	OutputName  string
	// ParentBatchID is the batch whose failed records the draft re-runs.
	ParentBatchID *uuid.UUID
	// ColumnMap is the batch's own column per field (nil: none chosen).
	ColumnMap models.ColumnMap
	// Interface, when not nil, is the account's interface InterfaceID names
	// as the caller has just loaded it, which saves loading it again; it is
	// set when the draft is checked.
	Interface *models.Interface
	// Flow is the flow FlowID names as the creating transaction loaded it
	// (set when the draft is checked).
	Flow *models.Flow
	// Ready creates the batch READY (jobs.ReadyOnCreate) rather than a
	// DRAFT: the then of CreateWithInput must queue it
	// (jobs.QueueCreatedTx) or fail.
	Ready bool
}

// Validate checks the draft's own fields and returns a message per invalid field, or nil.
func (d *Draft) Validate() map[string]string {
	errs := map[string]string{}
	d.Name = strings.TrimSpace(d.Name)
	d.Description = strings.TrimSpace(d.Description)
	if d.Name == "" {
		errs["name"] = "Enter a name for the batch."
	} else if msg := models.CheckName(d.Name); msg != "" {
		errs["name"] = msg
	}
	if msg := models.CheckDescription(d.Description); msg != "" {
		errs["description"] = msg
	}
	if !d.Format.Valid() {
		errs["format"] = "Choose JSON, XML, CSV or XLSX."
	}
	for field, name := range map[string]string{"input_name": d.InputName, "output_name": d.OutputName} {
		if name != "" {
			if msg := models.ValidateFileName(name); msg != "" {
				errs[field] = msg
			}
		}
	}
	if _, bad := errs["format"]; !bad {
		b := models.Batch{Format: d.Format, InputName: d.InputName, OutputName: d.OutputName}
		if field, msg := b.FileNameClash(); field != "" && errs[field] == "" {
			errs[field] = msg
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// resolve checks the draft's interface and flow against the account, filling
// the flow from the interface when none was chosen.
func (s *Service) resolve(ctx context.Context, tx *gorm.DB, accountID uuid.UUID, d *Draft) error {
	errs := d.Validate()
	if errs == nil {
		errs = map[string]string{}
	}
	if d.InterfaceID != nil {
		in := d.Interface
		var err error
		if in == nil || in.ID != *d.InterfaceID || in.AccountID != accountID {
			in, err = models.InterfaceByID(ctx, tx, accountID, *d.InterfaceID)
		}
		switch {
		case errors.Is(err, models.ErrNotFound):
			errs["interface_id"] = "Choose one of your interfaces."
		case err != nil:
			return err
		case in.ArchivedAt != nil:
			errs["interface_id"] = "This interface is archived; choose another."
		case !in.Scopes.Has(models.ScopeBatch):
			errs["interface_id"] = "This interface does not have the scope batch."
		case d.Format != "" && in.Format != d.Format:
			errs["interface_id"] = fmt.Sprintf("This interface reads %s, not %s.", strings.ToUpper(string(in.Format)), strings.ToUpper(string(d.Format)))
		default:
			d.Interface = in
			if d.FlowID == nil {
				d.FlowID = in.FlowID
			}
		}
	}
	if d.FlowID != nil {
		flow, err := models.FlowByID(ctx, tx, accountID, *d.FlowID)
		switch {
		case errors.Is(err, models.ErrNotFound):
			errs["flow_id"] = "Choose one of your flows."
		case err != nil:
			return err
		case flow.ArchivedAt != nil:
			errs["flow_id"] = "This flow is archived; choose another."
		default:
			d.Flow = flow
		}
	}
	if len(errs) > 0 {
		return &models.ValidationError{Fields: errs}
	}
	return nil
}

// Create saves a new DRAFT batch.
func (s *Service) Create(ctx context.Context, accountID uuid.UUID, d Draft) (*models.Batch, error) {
	if d.Ready {
		return nil, errReadyUnqueued
	}
	var b *models.Batch
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if b, err = s.createTx(ctx, tx, accountID, &d); err != nil {
			return err
		}
		return notify(tx, b, false)
	})
	if err != nil {
		return nil, err
	}
	return s.created(b), nil
}

// createTx checks d and inserts the batch in tx, a DRAFT unless d.Ready;
// the caller announces it once it knows the status the batch commits with.
func (s *Service) createTx(ctx context.Context, tx *gorm.DB, accountID uuid.UUID, d *Draft) (*models.Batch, error) {
	if err := s.resolve(ctx, tx, accountID, d); err != nil {
		return nil, err
	}
	if d.Source == "" {
		d.Source = models.SourceUI
	}
	b := &models.Batch{
		AccountID: accountID, Name: d.Name, Description: d.Description, Format: d.Format,
		InterfaceID: d.InterfaceID, FlowID: d.FlowID, Status: models.StatusDraft, Source: d.Source,
		Designer: d.Designer, InputName: d.InputName, OutputName: d.OutputName, ColumnMap: d.ColumnMap,
		ParentBatchID: d.ParentBatchID,
	}
	if d.Ready {
		if err := jobs.ReadyOnCreate(b); err != nil {
			return nil, err
		}
	}
	if err := models.CreateBatch(ctx, tx, b); err != nil {
		return nil, err
	}
	return b, nil
}

// Update replaces a DRAFT batch's settings with d.
func (s *Service) Update(ctx context.Context, accountID, batchID uuid.UUID, d Draft) (*models.Batch, error) {
	var b *models.Batch
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if b, err = lockDraft(ctx, tx, accountID, batchID, models.ActionEdit); err != nil {
			return err
		}
		if err := s.resolve(ctx, tx, accountID, &d); err != nil {
			return err
		}
		if d.Format != b.Format {
			if err := tx.Where("batch_id = ? AND kind = ?", b.ID, models.KindInput).Take(&models.File{}).Error; err == nil {
				return &models.ValidationError{Fields: map[string]string{"format": "The uploaded input is " + strings.ToUpper(string(b.Format)) + "; upload a new input after changing the format."}}
			}
		}
		if !sameID(d.InterfaceID, b.InterfaceID) && b.ColumnMap != nil {
			// A column map names the fields of one interface.
			if err := tx.Model(b).Update("column_map", nil).Error; err != nil {
				return fmt.Errorf("clearing column map of batch %s: %w", batchID, err)
			}
		}
		b.Name, b.Description, b.Format = d.Name, d.Description, d.Format
		b.InterfaceID, b.FlowID, b.Designer = d.InterfaceID, d.FlowID, d.Designer
		b.InputName, b.OutputName = d.InputName, d.OutputName
		err = tx.Model(b).Updates(map[string]any{
			"name": d.Name, "description": d.Description, "format": d.Format,
			"interface_id": d.InterfaceID, "flow_id": d.FlowID, "designer": d.Designer,
			"input_name": d.InputName, "output_name": d.OutputName, "updated_at": gorm.Expr("now()"),
		}).Error
		if err != nil {
			return fmt.Errorf("updating batch %s: %w", batchID, err)
		}
		if err := renameInput(tx, b); err != nil {
			return err
		}
		return notify(tx, b, false)
	})
	if err != nil {
		return nil, err
	}
	return models.BatchByID(ctx, s.DB, accountID, batchID)
}

// lockDraft loads a batch FOR UPDATE and checks that its status allows action.
func lockDraft(ctx context.Context, tx *gorm.DB, accountID, batchID uuid.UUID, action models.Action) (*models.Batch, error) {
	var b models.Batch
	err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("account_id = ? AND id = ?", accountID, batchID).Take(&b).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("loading batch %s: %w", batchID, models.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("loading batch %s: %w", batchID, err)
	}
	if !b.Status.Allows(action) {
		return nil, &models.NotAllowedError{Action: action, Status: b.Status}
	}
	return &b, nil
}

// renameInput keeps the input file's name in step with the batch's chosen input name.
func renameInput(tx *gorm.DB, b *models.Batch) error {
	err := tx.Model(&models.File{}).Where("batch_id = ? AND kind = ?", b.ID, models.KindInput).
		Updates(map[string]any{"name": b.FileName(models.KindInput), "updated_at": gorm.Expr("now()")}).Error
	if err != nil {
		return fmt.Errorf("renaming input of batch %s: %w", b.ID, err)
	}
	return nil
}

// notify announces a change of b on models.BatchEventsChannel when tx commits.
func notify(tx *gorm.DB, b *models.Batch, deleted bool) error {
	ev := models.BatchEvent{AccountID: b.AccountID, BatchID: b.ID, Status: b.Status, Deleted: deleted}
	if err := tx.Exec("SELECT pg_notify(?, ?)", models.BatchEventsChannel, ev.Payload()).Error; err != nil {
		return fmt.Errorf("announcing batch %s: %w", b.ID, err)
	}
	return nil
}

// contentTypes are the stored content types of inputs per format.
var contentTypes = map[models.Format]string{
	models.FormatJSON: "application/json",
	models.FormatXML:  "application/xml",
	models.FormatCSV:  "text/csv",
	models.FormatXLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// SetInput streams r into storage as the DRAFT batch's input, replacing any
// previous input. An input of another format than the batch's is refused
// (*models.FormatMismatchError). On any failure nothing new is left behind.
func (s *Service) SetInput(ctx context.Context, accountID, batchID uuid.UUID, r io.Reader) (*models.File, error) {
	b, err := models.BatchByID(ctx, s.DB, accountID, batchID)
	if err != nil {
		return nil, err
	}
	if !b.Status.Allows(models.ActionEdit) {
		return nil, &models.NotAllowedError{Action: models.ActionEdit, Status: b.Status}
	}
	rec := &HeadRecorder{R: r}
	obj, err := s.Store.Put(ctx, rec, contentTypes[b.Format])
	if err != nil {
		return nil, err
	}
	if err := CheckFormat(rec.Head(), b.Format); err != nil {
		s.deleteObjects(ctx, obj.Key)
		return nil, err
	}
	return s.attachInput(ctx, accountID, batchID, obj)
}

// SetInputFromFile copies a file of the account's file manager into the DRAFT
// batch's input, so that later changes to that file do not change the batch.
func (s *Service) SetInputFromFile(ctx context.Context, accountID, batchID, fileID uuid.UUID) (*models.File, error) {
	b, err := models.BatchByID(ctx, s.DB, accountID, batchID)
	if err != nil {
		return nil, err
	}
	if !b.Status.Allows(models.ActionEdit) {
		return nil, &models.NotAllowedError{Action: models.ActionEdit, Status: b.Status}
	}
	src, err := models.FileByID(ctx, s.DB, accountID, fileID)
	if err != nil {
		return nil, err
	}
	if err := s.checkStoredFormat(ctx, src.StorageKey, b.Format); err != nil {
		return nil, err
	}
	key, err := s.Store.Copy(ctx, src.StorageKey)
	if err != nil {
		return nil, err
	}
	return s.attachInput(ctx, accountID, batchID, storage.Object{Key: key, Size: src.Size, SHA256: src.SHA256})
}

// attachInput registers obj as the batch's input in one transaction, then
// deletes the previous input's content. On failure obj is deleted.
func (s *Service) attachInput(ctx context.Context, accountID, batchID uuid.UUID, obj storage.Object) (*models.File, error) {
	var file *models.File
	var oldKey string
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		b, err := lockDraft(ctx, tx, accountID, batchID, models.ActionEdit)
		if err != nil {
			return err
		}
		var old models.File
		err = tx.Where("batch_id = ? AND kind = ?", b.ID, models.KindInput).Take(&old).Error
		switch {
		case err == nil:
			oldKey = old.StorageKey
			if err := tx.Delete(&old).Error; err != nil {
				return fmt.Errorf("replacing input of batch %s: %w", b.ID, err)
			}
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return fmt.Errorf("loading input of batch %s: %w", b.ID, err)
		}
		file, err = registerFile(ctx, tx, b, models.KindInput, obj)
		if err != nil {
			return err
		}
		return notify(tx, b, false)
	})
	if err != nil {
		s.deleteObjects(ctx, obj.Key)
		return nil, err
	}
	s.deleteObjects(ctx, oldKey)
	return file, nil
}

// registerFile adds the File row of one of b's files.
func registerFile(ctx context.Context, tx *gorm.DB, b *models.Batch, kind models.FileKind, obj storage.Object) (*models.File, error) {
	ct := contentTypes[b.Format]
	if kind != models.KindInput {
		ct = "application/json"
		if kind != models.KindOutput {
			ct = "application/x-ndjson"
		}
	}
	f := &models.File{
		AccountID: b.AccountID, Folder: b.Folder(), Name: b.FileName(kind), Size: obj.Size,
		ContentType: ct, SHA256: obj.SHA256, StorageKey: obj.Key, BatchID: &b.ID, Kind: &kind, Content: obj.Inline,
	}
	if err := models.CreateFile(ctx, tx, f); err != nil {
		return nil, err
	}
	return f, nil
}

// errReadyUnqueued refuses a draft to be created READY with nothing to
// queue it: its batch would wait for a job that never comes.
var errReadyUnqueued = errors.New("a batch created READY must be queued in its transaction")

// Then runs in the transaction that creates batch b from draft d, as
// checked (with its interface and flow loaded): what it returns is the
// batch, and its error undoes everything.
type Then func(tx *gorm.DB, b *models.Batch, d *Draft) (*models.Batch, error)

// CreateWithInput creates a batch (a DRAFT unless d.Ready) whose input is
// the object already stored (the API streams the upload first, then calls
// this), and runs then, when not nil, in the same transaction. It returns
// the batch and its input file. The object is deleted when the batch cannot
// be created.
func (s *Service) CreateWithInput(ctx context.Context, accountID uuid.UUID, d Draft, obj storage.Object, then Then) (*models.Batch, *models.File, error) {
	if d.Ready && then == nil {
		s.deleteObjects(ctx, obj.Key)
		return nil, nil, errReadyUnqueued
	}
	var b *models.Batch
	var input *models.File
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if b, err = s.createTx(ctx, tx, accountID, &d); err != nil {
			return err
		}
		if input, err = registerFile(ctx, tx, b, models.KindInput, obj); err != nil {
			return err
		}
		if then != nil {
			if b, err = then(tx, b, &d); err != nil {
				return err
			}
		}
		if b.Status != models.StatusDraft {
			return nil // then queued it, and announced it
		}
		return notify(tx, b, false)
	})
	if err != nil {
		s.deleteObjects(ctx, obj.Key)
		return nil, nil, err
	}
	return s.created(b), input, nil
}

// Clone copies a batch's settings and input into a new DRAFT named "Copy of …".
func (s *Service) Clone(ctx context.Context, accountID, batchID uuid.UUID) (*models.Batch, error) {
	src, err := models.BatchByID(ctx, s.DB, accountID, batchID)
	if err != nil {
		return nil, err
	}
	var input models.File
	err = s.DB.WithContext(ctx).Where("account_id = ? AND batch_id = ? AND kind = ?", accountID, src.ID, models.KindInput).Take(&input).Error
	hasInput := err == nil
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("loading input of batch %s: %w", src.ID, err)
	}
	var obj storage.Object
	if hasInput {
		key, err := s.Store.Copy(ctx, input.StorageKey)
		if errors.Is(err, storage.ErrNotFound) {
			// Delete removes the objects after the rows: a batch deleted since it was read.
			if _, errGone := models.BatchByID(ctx, s.DB, accountID, src.ID); errors.Is(errGone, models.ErrNotFound) {
				return nil, fmt.Errorf("cloning batch %s, deleted meanwhile: %w", src.ID, models.ErrNotFound)
			}
		}
		if err != nil {
			return nil, err
		}
		obj = storage.Object{Key: key, Size: input.Size, SHA256: input.SHA256}
	}
	name := "Copy of " + src.Name
	if r := []rune(name); len(r) > 120 {
		name = string(r[:120])
	}
	b := &models.Batch{
		AccountID: accountID, Name: name, Description: src.Description, Format: src.Format,
		InterfaceID: src.InterfaceID, FlowID: src.FlowID, Status: models.StatusDraft, Source: src.Source,
		Designer: src.Designer, InputName: src.InputName, OutputName: src.OutputName, ColumnMap: src.ColumnMap,
		ReadOptions: src.ReadOptions,
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The source must still exist when its clone is stored: one deleted
		// since it was read may have had its input taken away before the
		// clone saw it, and a Delete under way waits for this transaction.
		err := tx.Clauses(clause.Locking{Strength: "SHARE"}).
			Where("account_id = ? AND id = ?", accountID, src.ID).Take(&models.Batch{}).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("cloning batch %s, deleted meanwhile: %w", src.ID, models.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("locking batch %s: %w", src.ID, err)
		}
		if err := models.CreateBatch(ctx, tx, b); err != nil {
			return err
		}
		if hasInput {
			if _, err := registerFile(ctx, tx, b, models.KindInput, obj); err != nil {
				return err
			}
		}
		return notify(tx, b, false)
	})
	if err != nil {
		s.deleteObjects(ctx, obj.Key)
		return nil, err
	}
	return s.created(b), nil
}

// Delete removes a DRAFT, FINISHED or ERROR batch and its files. Records it
// inserted stay in their flow.
func (s *Service) Delete(ctx context.Context, accountID, batchID uuid.UUID) error {
	var keys []string
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		b, err := lockDraft(ctx, tx, accountID, batchID, models.ActionDelete)
		if err != nil {
			return err
		}
		if err := tx.Model(&models.File{}).Where("account_id = ? AND batch_id = ?", accountID, b.ID).Pluck("storage_key", &keys).Error; err != nil {
			return fmt.Errorf("listing files of batch %s: %w", b.ID, err)
		}
		if err := tx.Delete(b).Error; err != nil {
			return fmt.Errorf("deleting batch %s: %w", b.ID, err)
		}
		return notify(tx, b, true)
	})
	if err != nil {
		return err
	}
	s.deleteObjects(ctx, keys...)
	return nil
}

// deleteObjects removes stored contents whose rows are gone. A failure leaves
// an unreferenced object behind, which is logged: no user data is lost.
func (s *Service) deleteObjects(ctx context.Context, keys ...string) {
	for _, k := range keys {
		if k == "" {
			continue
		}
		if err := s.Store.Delete(context.WithoutCancel(ctx), k); err != nil && s.Log != nil {
			s.Log.Warn("leaving an unreferenced stored object", "key", k, "error", err)
		}
	}
}
