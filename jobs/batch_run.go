package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/models"
)

// What RunBatch names when a batch is not complete, in the order it checks.
const (
	MissingInterface = "an interface with the batch scope matching the batch format"
	MissingFlow      = "a flow"
	MissingInput     = "an input file"
	// MissingDistinctNames is named when a custom input or output name is taken by another file of the batch.
	MissingDistinctNames = "file names that differ from each other (input, output, process.log, error.log)"
)

// MissingKeyField is named when the flow has a key field that is not a field
// of the interface: every record would fail for its empty key.
func MissingKeyField(key string) string {
	return fmt.Sprintf("a field named %q in the interface, the flow's key field (add it to the interface, or choose a flow keyed on one of its fields)", key)
}

// batchColumns are the columns scanned by scanBatch, in its order.
const batchColumns = `id, account_id, name, description, format, interface_id, flow_id, status, source,
	designer, input_name, output_name, total_count, processed_count, inserted_count, updated_count,
	failed_count, error_message, created_at, updated_at, ready_at, started_at, finished_at, cancel_requested_at,
	parent_batch_id`

// scanBatch scans a row of batchColumns, followed by the columns of extra.
func scanBatch(row pgx.Row, extra ...any) (*models.Batch, error) {
	var b models.Batch
	err := row.Scan(append([]any{&b.ID, &b.AccountID, &b.Name, &b.Description, &b.Format, &b.InterfaceID, &b.FlowID,
		&b.Status, &b.Source, &b.Designer, &b.InputName, &b.OutputName, &b.TotalCount, &b.ProcessedCount,
		&b.InsertedCount, &b.UpdatedCount, &b.FailedCount, &b.ErrorMessage, &b.CreatedAt, &b.UpdatedAt,
		&b.ReadyAt, &b.StartedAt, &b.FinishedAt, &b.CancelRequestedAt, &b.ParentBatchID}, extra...)...)
	if errors.Is(err, pgx.ErrNoRows) || errors.Is(err, sql.ErrNoRows) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// notifyTx announces a change of batch b on models.BatchEventsChannel; the
// notification is delivered when tx commits.
func notifyTx(ctx context.Context, tx pgx.Tx, b *models.Batch) error {
	if _, err := tx.Exec(ctx, models.NotifySQL, notifyArgs(b)...); err != nil {
		return fmt.Errorf("notifying batch %s: %w", b.ID, err)
	}
	return nil
}

// notifyArgs are the arguments of models.NotifySQL announcing batch b as it is.
func notifyArgs(b *models.Batch) []any {
	ev := models.BatchEvent{AccountID: b.AccountID, BatchID: b.ID, Status: b.Status}
	return []any{models.BatchEventsChannel, ev.Payload()}
}

// RunBatch queues a DRAFT batch for processing: in one transaction it checks
// that the batch is complete, moves it to READY and inserts its
// process_batch job, so that a double or concurrent Run queues exactly one
// job (the second call finds the batch READY and gets a *models.NotAllowedError).
// A batch that cannot run yet gives a *models.IncompleteError naming what is missing.
func RunBatch(ctx context.Context, db *gorm.DB, ins *Inserter, accountID, batchID uuid.UUID) (*models.Batch, error) {
	var b *models.Batch
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		b, err = RunBatchTx(ctx, tx, ins, accountID, batchID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("running batch %s: %w", batchID, err)
	}
	return b, nil
}

// RunBatchTx is RunBatch in tx, a GORM transaction, which may have created
// the batch: the batch is READY and its job queued when tx commits, and
// neither when it rolls back.
func RunBatchTx(ctx context.Context, tx *gorm.DB, ins *Inserter, accountID, batchID uuid.UUID) (*models.Batch, error) {
	stx, err := sqlTx(tx, batchID)
	if err != nil {
		return nil, err
	}
	snapshot, err := runSnapshotSQL("b.account_id", "b.interface_id", "b.flow_id", "b.column_map")
	if err != nil {
		return nil, err
	}
	// One statement locks the batch, requires DRAFT (the only status Run is
	// allowed in: a concurrent Run waits for the row, then finds it READY),
	// makes it READY with its snapshot and reads what it needs to run; a
	// batch that lacks something is refused, and the caller's rollback
	// undoes the change.
	var f runFacts
	var fields []byte
	b, err := scanBatch(stx.QueryRowContext(ctx, `UPDATE batches b SET status = 'READY', ready_at = now(), updated_at = now(),
		run_snapshot = `+snapshot+`
		WHERE account_id = $1 AND id = $2 AND status = 'DRAFT'
		RETURNING `+batchColumns+`,
			EXISTS (SELECT 1 FROM interfaces i WHERE i.account_id = b.account_id AND i.id = b.interface_id
				AND i.archived_at IS NULL AND i.scopes ? 'batch' AND i.format = b.format),
			EXISTS (SELECT 1 FROM flows f WHERE f.account_id = b.account_id AND f.id = b.flow_id AND f.archived_at IS NULL),
			EXISTS (SELECT 1 FROM files WHERE account_id = b.account_id AND batch_id = b.id AND kind = 'input'),
			(SELECT f.key_field FROM flows f WHERE f.account_id = b.account_id AND f.id = b.flow_id),
			(SELECT i.fields FROM interfaces i WHERE i.account_id = b.account_id AND i.id = b.interface_id)`,
		accountID, batchID), &f.hasInterface, &f.hasFlow, &f.hasInput, &f.keyField, &fields)
	if errors.Is(err, models.ErrNotFound) {
		var status models.Status
		err := stx.QueryRowContext(ctx, "SELECT status FROM batches WHERE account_id = $1 AND id = $2", accountID, batchID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("loading batch %s: %w", batchID, models.ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("loading batch %s: %w", batchID, err)
		}
		return nil, &models.NotAllowedError{Action: models.ActionRun, Status: status}
	}
	if err != nil {
		return nil, fmt.Errorf("marking batch %s ready: %w", batchID, err)
	}
	if fields != nil {
		if err := json.Unmarshal(fields, &f.fields); err != nil {
			return nil, fmt.Errorf("checking key field of batch %s: %w", b.ID, err)
		}
	}
	return queueTx(ctx, stx, ins, b, f)
}

// runSnapshotSQL is the SQL expression of a batch's run snapshot: its
// interface and its flow's key field as the statement reads them, and its
// column map. The worker processes from the snapshot, whatever happens to
// the interface or flow later (the column map is resolved against the input
// by the worker). The arguments are the SQL of the batch's account,
// interface, flow and column map, in the order they appear (the account
// twice).
func runSnapshotSQL(account, iface, flow, columnMap string) (string, error) {
	ifaceJSON, err := models.InterfaceJSONSQL()
	if err != nil {
		return "", err
	}
	return `jsonb_build_object(
		'interface', (SELECT ` + ifaceJSON + ` FROM interfaces i WHERE i.account_id = ` + account + ` AND i.id = ` + iface + `),
		'key_field', (SELECT f.key_field FROM flows f WHERE f.account_id = ` + account + ` AND f.id = ` + flow + `),
		'column_map', ` + columnMap + `, 'resolved', false)`, nil
}

// ReadyOnCreate makes b, a batch about to be created (models.CreateBatch),
// READY as it is inserted, its run snapshot built by its INSERT, instead of
// created a DRAFT and run by a second statement. Queue it with
// QueueCreatedTx in the transaction that creates it.
func ReadyOnCreate(b *models.Batch) error {
	snapshot, err := runSnapshotSQL("?", "?", "?", "?::jsonb")
	if err != nil {
		return err
	}
	now := time.Now()
	b.Status, b.CreatedAt, b.UpdatedAt, b.ReadyAt = models.StatusReady, now, now, &now
	b.RunSnapshot = models.InsertExpr{SQL: snapshot, Vars: []any{b.AccountID, b.InterfaceID, b.AccountID, b.FlowID, b.ColumnMap}}
	return nil
}

// QueueCreatedTx queues batch b, which tx created READY (ReadyOnCreate) and
// gave its input, over interface in and flow, as tx loaded them (flow nil:
// the batch has none), and checked them usable: it refuses a batch that
// lacks something to run, as RunBatchTx does, and otherwise inserts its job
// and announces it.
func QueueCreatedTx(ctx context.Context, tx *gorm.DB, ins *Inserter, b *models.Batch, in *models.Interface, flow *models.Flow) (*models.Batch, error) {
	stx, err := sqlTx(tx, b.ID)
	if err != nil {
		return nil, err
	}
	f := runFacts{hasInterface: in != nil, hasFlow: flow != nil, hasInput: true}
	if in != nil && flow != nil {
		f.keyField, f.fields = &flow.KeyField, in.Fields
	}
	return queueTx(ctx, stx, ins, b, f)
}

// sqlTx is the database/sql transaction under tx, a GORM transaction, in
// which batch batchID is queued.
func sqlTx(tx *gorm.DB, batchID uuid.UUID) (*sql.Tx, error) {
	stx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("queueing batch %s outside a transaction", batchID)
	}
	return stx, nil
}

// queueTx queues READY batch b in stx, given what it has to run: a batch
// that lacks something is refused (the caller's rollback undoes its READY),
// one that does not has its job inserted and is announced.
func queueTx(ctx context.Context, stx *sql.Tx, ins *Inserter, b *models.Batch, f runFacts) (*models.Batch, error) {
	missing := f.missing(b)
	if len(missing) > 0 {
		return nil, &models.IncompleteError{Missing: missing}
	}
	if _, err := ins.InsertTx(ctx, stx, ProcessBatchArgs{BatchID: b.ID}, nil); err != nil {
		return nil, fmt.Errorf("queueing batch %s: %w", b.ID, err)
	}
	if _, err := stx.ExecContext(ctx, models.NotifySQL, notifyArgs(b)...); err != nil {
		return nil, fmt.Errorf("notifying batch %s: %w", b.ID, err)
	}
	return b, nil
}

// runFacts are what a batch's run needs of its interface, flow and input.
type runFacts struct {
	hasInterface, hasFlow, hasInput bool
	keyField                        *string
	fields                          models.Fields
}

// missing names what batch b lacks to run, in the words shown to people.
func (f runFacts) missing(b *models.Batch) []string {
	var missing []string
	if !f.hasInterface {
		missing = append(missing, MissingInterface)
	}
	if !f.hasFlow {
		missing = append(missing, MissingFlow)
	}
	if f.hasInterface && f.hasFlow && f.keyField != nil && !f.fields.Maps(*f.keyField) {
		missing = append(missing, MissingKeyField(*f.keyField))
	}
	if !f.hasInput {
		missing = append(missing, MissingInput)
	}
	if field, _ := b.FileNameClash(); field != "" {
		missing = append(missing, MissingDistinctNames)
	}
	return missing
}

// CancelBatch cancels a READY or PROCESSING batch (otherwise a
// *models.NotAllowedError).
//
// A PROCESSING batch is stopped by its worker, which sees the request at its
// next chunk boundary, within about a second, and ends the batch ERROR
// "cancelled" with the files of what it did. CancelBatch answers at once
// whatever the worker does: the request is a row of batch_cancel_requests,
// and cancel_requested_at is set on the batch here only when its row is not
// locked (a chunk being committed, or a worker that stalled while committing
// one); otherwise the worker copies it over at its next chunk commit. The
// first request's time is kept.
//
// A READY batch has no worker to stop: CancelBatch takes it over as a slice
// would and ends it ERROR "cancelled" itself, with its files, so that a
// batch queued while no worker runs can be ended. A worker that takes the
// batch first (its row is locked) sees the request when it starts and ends
// the batch the same way without reading the input; a job that comes later
// finds the batch ended and does nothing.
func CancelBatch(ctx context.Context, d Deps, accountID, batchID uuid.UUID) (*models.Batch, error) {
	tx, err := beginTx(ctx, d.Pool)
	if err != nil {
		return nil, fmt.Errorf("cancelling batch %s: %w", batchID, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit

	b, err := scanBatch(tx.QueryRow(ctx, "SELECT "+batchColumns+" FROM batches WHERE account_id = $1 AND id = $2", accountID, batchID))
	if err != nil {
		return nil, fmt.Errorf("loading batch %s: %w", batchID, err)
	}
	if !b.Status.Allows(models.ActionCancel) {
		return nil, &models.NotAllowedError{Action: models.ActionCancel, Status: b.Status}
	}
	var requested time.Time
	err = tx.QueryRow(ctx, `INSERT INTO batch_cancel_requests (batch_id) VALUES ($1)
		ON CONFLICT (batch_id) DO UPDATE SET requested_at = batch_cancel_requests.requested_at
		RETURNING requested_at`, batchID).Scan(&requested)
	if err != nil {
		return nil, fmt.Errorf("cancelling batch %s: %w", batchID, err)
	}
	// A READY batch is taken over (a new owner) in the statement that marks it.
	owner := uuid.New()
	marked, err := scanBatch(tx.QueryRow(ctx, `UPDATE batches SET cancel_requested_at = coalesce(cancel_requested_at, $3),
		owner = CASE WHEN status = 'READY' THEN $4 ELSE owner END, updated_at = now()
		WHERE id = (SELECT id FROM batches WHERE account_id = $1 AND id = $2 FOR NO KEY UPDATE SKIP LOCKED)
		RETURNING `+batchColumns, accountID, batchID, requested, owner))
	switch {
	case err == nil:
		b = marked
	case errors.Is(err, models.ErrNotFound): // locked by the worker, which copies the request over
		if b.CancelRequestedAt == nil {
			b.CancelRequestedAt = &requested
		}
	default:
		return nil, fmt.Errorf("cancelling batch %s: %w", batchID, err)
	}
	if err := notifyTx(ctx, tx, b); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("cancelling batch %s: %w", batchID, err)
	}
	if marked == nil || marked.Status != models.StatusReady {
		return b, nil
	}
	r := &batchRun{ProcessBatchWorker: &ProcessBatchWorker{Deps: d}, batch: marked, owner: owner, claimed: true}
	if err := r.endWithError(ctx, models.CancelledMessage, "owner = $3", owner); err != nil {
		return nil, err
	}
	b, err = scanBatch(d.Pool.QueryRow(ctx, "SELECT "+batchColumns+" FROM batches WHERE account_id = $1 AND id = $2", accountID, batchID))
	if err != nil {
		return nil, fmt.Errorf("loading batch %s: %w", batchID, err)
	}
	return b, nil
}
