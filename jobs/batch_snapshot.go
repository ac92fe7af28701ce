package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/models/colmatch"
)

// snapshot returns what the batch is processed from: the snapshot RunBatch
// took, its column map resolved against the input's columns once and saved,
// so that every attempt maps the same way. A batch queued before snapshots
// existed gets one from its interface and flow as they are now.
func (r *batchRun) snapshot(ctx context.Context, flow *models.Flow) (*models.BatchSnapshot, error) {
	b := r.batch
	raw := r.loaded.snapshot // read by start
	snap := &models.BatchSnapshot{}
	if raw != nil {
		if err := json.Unmarshal(raw, snap); err != nil {
			return nil, permanent("the batch's snapshot cannot be read")
		}
	} else {
		iface, err := models.InterfaceByID(ctx, r.DB, b.AccountID, *b.InterfaceID)
		if errors.Is(err, models.ErrNotFound) {
			return nil, permanent("the batch's interface no longer exists")
		} else if err != nil {
			return nil, err
		}
		snap = &models.BatchSnapshot{Interface: *iface, KeyField: flow.KeyField, ColumnMap: b.ColumnMap}
	}
	if snap.Resolved {
		return snap, nil
	}
	in, err := r.openRaw(ctx)
	if err != nil {
		return nil, err
	}
	cols, err := DetectColumns(in, BatchIngestOptions(&snap.Interface, b))
	_ = in.Close()
	var perr *ingest.PayloadError
	switch {
	case err == nil, errors.As(err, &perr):
		// A payload fault is the validation pass's to report; the
		// columns read before it are matched all the same.
	case errors.As(err, new(*ReaderOptionsError)):
		return nil, permanent("the interface's format options cannot be used: %v", err)
	default:
		// Resolved once for good: never from a read that failed midway.
		return nil, fmt.Errorf("reading columns of batch %s: %w", b.ID, err)
	}
	snap.ColumnMap = colmatch.Resolve(snap.Interface.Fields.MatchFields(), colmatch.Names(cols), snap.ColumnMap)
	snap.Resolved = true
	enc, err := json.Marshal(snap)
	if err != nil {
		return nil, fmt.Errorf("encoding snapshot of batch %s: %w", b.ID, err)
	}
	r.unsavedSnapshot = enc
	if r.input == nil {
		return snap, r.saveSnapshot(ctx)
	}
	// A small input's batch most often ends in one transaction, whose
	// statement saves the snapshot: one round trip and commit less.
	return snap, nil
}

// saveSnapshot saves a resolved snapshot that is not saved yet. A crash
// before it is saved costs nothing but resolving again: the input and the
// snapshot taken at Run resolve the same way every time.
func (r *batchRun) saveSnapshot(ctx context.Context) error {
	if r.unsavedSnapshot == nil {
		return nil
	}
	if _, err := r.Pool.Exec(ctx, "UPDATE batches SET run_snapshot = $2 WHERE id = $1 AND status = 'PROCESSING'", r.batch.ID, r.unsavedSnapshot); err != nil {
		return fmt.Errorf("saving snapshot of batch %s: %w", r.batch.ID, err)
	}
	r.unsavedSnapshot = nil
	return nil
}
