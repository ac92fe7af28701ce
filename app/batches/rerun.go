package batches

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/models"
)

// RerunFailed creates a DRAFT batch that re-runs the failed records of an
// ended batch: same interface, flow, format, column map and output name, linked to it by
// ParentBatchID, named "Re-run of …". Its input is fixed when given (a
// stored object: the person's corrected file, which is deleted when the
// batch cannot be created), else the batch's failed records file, with the
// cells that file made spreadsheet-safe given back as they were. then, when
// not nil, runs in the transaction that creates it (see CreateWithInput).
func (s *Service) RerunFailed(ctx context.Context, accountID, batchID uuid.UUID, source models.Source, fixed *storage.Object, then Then) (*models.Batch, error) {
	parent, err := models.BatchByID(ctx, s.DB, accountID, batchID)
	if err == nil && (parent.FailedCount == 0 || parent.Outcome() == "") {
		err = &models.NoFailedRecordsError{Status: parent.Status}
	}
	if err != nil {
		if fixed != nil {
			s.deleteObjects(ctx, fixed.Key)
		}
		return nil, err
	}
	var obj storage.Object
	if fixed != nil {
		obj = *fixed
	} else if obj, err = s.failedRecordsInput(ctx, parent); err != nil {
		return nil, err
	}
	name := "Re-run of " + parent.Name
	if r := []rune(name); len(r) > 120 {
		name = string(r[:120])
	}
	d := Draft{
		Name: name, Description: parent.Description, Format: parent.Format,
		InterfaceID: parent.InterfaceID, FlowID: parent.FlowID, Source: source,
		OutputName: parent.OutputName, ColumnMap: parent.ColumnMap, ParentBatchID: &parent.ID,
	}
	b, _, err := s.CreateWithInput(ctx, accountID, d, obj, then)
	return b, err
}

// failedRecordsInput stores a copy of the batch's failed records file as a
// re-run's input.
func (s *Service) failedRecordsInput(ctx context.Context, b *models.Batch) (storage.Object, error) {
	f, err := models.FileOfBatch(ctx, s.DB, b.AccountID, b.ID, models.KindFailed)
	if errors.Is(err, models.ErrNotFound) {
		return storage.Object{}, &models.NoFailedRecordsError{Status: b.Status, NoFile: true}
	}
	if err != nil {
		return storage.Object{}, err
	}
	var delimiter rune
	if b.InterfaceID != nil {
		in, err := models.InterfaceByID(ctx, s.DB, b.AccountID, *b.InterfaceID)
		if err != nil {
			return storage.Object{}, err
		}
		delimiter = jobs.IngestOptions(in, b.Format).CSVDelimiter
	}
	src, err := s.Store.Open(ctx, f.StorageKey)
	if err != nil {
		return storage.Object{}, fmt.Errorf("opening failed records of batch %s: %w", b.ID, err)
	}
	defer src.Close()
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(jobs.WriteRerunInput(pw, src, b.Format, delimiter))
	}()
	obj, err := s.Store.Put(ctx, pr, contentTypes[b.Format])
	pr.CloseWithError(io.ErrClosedPipe) // ends the writer when Put stopped early
	<-done
	return obj, err
}
