package jobs

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
)

// ProcessBatchArgs asks for a READY batch to be processed: its input read,
// mapped and inserted as records, and its result files written.
type ProcessBatchArgs struct {
	BatchID uuid.UUID `json:"batch_id" river:"unique"`
}

// Kind names the job.
func (ProcessBatchArgs) Kind() string { return "process_batch" }

// InsertOpts makes the job unique per batch in every state but cancelled and
// discarded, and bounds its attempts.
func (ProcessBatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: processMaxAttempts,
		UniqueOpts: river.UniqueOpts{
			ByArgs: true,
			ByState: []rivertype.JobState{
				rivertype.JobStateAvailable, rivertype.JobStateCompleted, rivertype.JobStatePending,
				rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled,
			},
		},
	}
}

// Processing limits. A slice of work stops starting chunks after its budget
// and snoozes (the next slice resumes at once from the saved progress), so a
// batch of any size never runs longer than processTimeout in one attempt, and
// a worker killed mid-batch is rescued RescueStuckJobsAfter (see NewClient)
// after its attempt started. docs/engine.md explains the numbers.
const (
	processMaxAttempts = 5
	// DefaultSliceBudget is the slice budget unless Deps.SliceBudget says otherwise.
	DefaultSliceBudget = 25 * time.Second
	processTimeout     = 45 * time.Second
	// DesignerLimit is how many records a designer batch processes.
	DesignerLimit = 20
	// notifyInterval spaces progress notifications of one batch.
	notifyInterval = 250 * time.Millisecond
)

// DefaultChunkSize is the number of records inserted per transaction unless
// Deps.ChunkSize says otherwise.
const DefaultChunkSize = 10000

// ProcessBatchWorker processes batches.
type ProcessBatchWorker struct {
	river.WorkerDefaults[ProcessBatchArgs]
	Deps
}

// Timeout bounds one slice of work on a batch.
func (w *ProcessBatchWorker) Timeout(*river.Job[ProcessBatchArgs]) time.Duration {
	return processTimeout
}

// errPermanent marks a fault that retrying cannot fix; its message is the
// batch's error message.
type errPermanent struct{ msg string }

func (e *errPermanent) Error() string { return e.msg }

func permanent(format string, args ...any) error {
	return &errPermanent{msg: fmt.Sprintf(format, args...)}
}

// Work processes one slice of the batch: all of it, or as many chunks as fit
// in its slice budget (or until the process stops) before it snoozes to go
// on in a new attempt. Permanent faults end the batch ERROR and cancel the
// job; when the last attempt fails, the batch ends ERROR too. A slice that
// lost its batch to another attempt (it stalled and was rescued) touches
// neither the batch nor the job.
func (w *ProcessBatchWorker) Work(ctx context.Context, job *river.Job[ProcessBatchArgs]) error {
	// Every line this attempt logs names its batch, job and attempt, so that
	// one batch's story can be followed across processes.
	worker := *w
	worker.Log = w.Log.With("batch_id", job.Args.BatchID, "job_id", job.ID, "attempt", job.Attempt)
	run := &batchRun{ProcessBatchWorker: &worker, job: job, owner: uuid.New()}
	err := run.work(ctx)
	var perm *errPermanent
	var snooze *rivertype.JobSnoozeError
	switch {
	case err == nil:
		return nil
	case run.claimed && !run.stillOwner(ctx):
		run.Log.Warn("another attempt took over the batch; leaving it", "error", err)
		return w.yieldJob(ctx, job)
	case run.claimed && errors.Is(context.Cause(ctx), river.ErrJobCancelledRemotely):
		// An operator cancelled the job (the job dashboard): the batch ends
		// as the report's Cancel ends it, with the files of what was done,
		// also when the slice had stopped at the cancel to snooze.
		if ferr := run.fail(ctx, models.CancelledMessage); ferr != nil {
			run.Log.Error("ending a batch whose job was cancelled", "error", ferr)
		}
		return err
	case errors.As(err, &snooze):
		return err
	case w.stopping() && ctx.Err() != nil:
		// The process is stopping and its grace ran out mid-chunk: the
		// chunk rolled back, and the batch goes on elsewhere from its
		// saved progress, without spending an attempt.
		return river.JobSnooze(0)
	case errors.As(err, &perm):
		if ferr := run.fail(ctx, perm.msg); ferr != nil {
			return ferr
		}
		return river.JobCancel(err)
	case job.Attempt >= job.MaxAttempts:
		msg := fmt.Sprintf("processing failed after %d attempts", job.Attempt)
		if ferr := run.fail(ctx, msg); ferr != nil {
			run.Log.Error("marking batch failed", "error", ferr)
		}
	}
	return err
}

// batchRun is the state of one slice of work on a batch.
type batchRun struct {
	*ProcessBatchWorker
	job   *river.Job[ProcessBatchArgs]
	batch *models.Batch
	// owner is the slice's token, stored on the batch when it takes the
	// batch over (claimed); chunk commits and the final status require it.
	owner     uuid.UUID
	claimed   bool
	assembled []string // storage keys of the segments assembled into the result files
	iface     *models.Interface
	columnMap models.ColumnMap
	flow      *models.Flow
	inputKey  string
	// input is the payload itself when it is small (holdInput).
	input []byte
	// unsavedSnapshot is the resolved snapshot of a batch whose input is
	// held in memory, saved by the statement that ends the batch or, when
	// it takes the general path, by saveSnapshot before its first chunk.
	unsavedSnapshot []byte
	loaded          loaded
	opts            ingest.Options
	lastNotify      time.Time
	// streamed: the batch is validated while its records are inserted
	// (validatesWhileInserting); its total is known only at its end.
	streamed bool
	// startedAt is the database's time when workWhole read a batch it
	// takes over at its commit; nil on the general path.
	startedAt *time.Time
	// end is a streamed batch's number of records once the insert's reader
	// saw the payload's end, -1 before (read after the reader returned).
	end int64
}

// errNotOwner stops a slice whose batch was taken over by another attempt.
var errNotOwner = errors.New("another attempt took over the batch")

// errStopping ends the validation pass of a process that is stopping.
var errStopping = errors.New("the process is stopping")

func (r *batchRun) work(ctx context.Context) error {
	sliceStart := time.Now()
	if r.stopping() {
		return river.JobSnooze(0)
	}
	if done, err := r.workWhole(ctx); done {
		return err
	}
	// The general path starts from nothing that workWhole read.
	*r = batchRun{ProcessBatchWorker: r.ProcessBatchWorker, job: r.job, owner: r.owner}
	b, err := r.start(ctx)
	if err != nil {
		return err
	}
	switch b.Status {
	case models.StatusFinished, models.StatusError:
		return nil // finished by an earlier attempt
	case models.StatusProcessing:
	default:
		return permanent("the batch is %s, not READY", b.Status)
	}
	r.batch = b
	if err := r.load(ctx); err != nil {
		return err
	}
	if b.CancelRequestedAt != nil {
		return r.finish(ctx, outcome{cancelled: true}) // without reading the input
	}
	if err := r.saveSnapshot(ctx); err != nil {
		return err
	}
	// A batch validated while inserting that already committed chunks
	// resumes without a validation pass.
	r.streamed = r.validatesWhileInserting() && b.TotalCount == 0 && b.ProcessedCount > 0
	if b.TotalCount == 0 && !r.streamed {
		validateStart := time.Now()
		var bound int64
		if r.validatesWhileInserting() {
			bound = int64(cmp.Or(r.ChunkSize, DefaultChunkSize)) + 1
		}
		setting := r.opts.Encoding
		total, perr, err := r.validate(ctx, bound)
		switch {
		case errors.Is(err, errCancelRequested):
			return r.finish(ctx, outcome{cancelled: true})
		case errors.Is(err, errStopping):
			return river.JobSnooze(0)
		case err != nil:
			return err
		}
		r.Log.Debug("validated batch input", "records", total, "duration", time.Since(validateStart))
		if perr != nil && !perr.NoRecords() {
			return r.finish(ctx, outcome{payload: perr})
		}
		switch {
		case r.fitsOneChunk(total):
			return r.insertAndFinish(ctx, total)
		case bound > 0 && total == bound:
			// More than one chunk: the rest is validated while inserting.
			if err := r.settleEncoding(ctx, setting); err != nil {
				return err
			}
			r.streamed, total = true, 0
		}
		if err := r.saveTotal(ctx, total); err != nil {
			return err
		}
	}
	if b.CancelRequestedAt != nil {
		return r.finish(ctx, outcome{cancelled: true})
	}
	insertStart := time.Now()
	done, cancelled, err := r.insert(ctx, sliceStart)
	var fault *payloadFault
	if errors.As(err, &fault) {
		return r.finish(ctx, outcome{payload: fault.perr, discard: true})
	}
	if err != nil {
		return err
	}
	r.Log.Debug("inserted batch records", "processed", r.batch.ProcessedCount, "duration", time.Since(insertStart))
	switch {
	case cancelled:
		return r.finish(ctx, outcome{cancelled: true})
	case !done:
		return river.JobSnooze(0)
	}
	return r.finish(ctx, outcome{})
}

// cancelRequestSQL is the time of the batch's cancel request ($1: the batch),
// NULL without one; chunk commits copy it onto the batch.
const cancelRequestSQL = `(SELECT requested_at FROM batch_cancel_requests WHERE batch_id = $1)`

// start takes the batch over for this slice (a READY batch moves to
// PROCESSING + started_at) and returns it as it is now. Taking over waits
// for a stalled holder of the row lock to be ended by the server
// (startLockTimeout) rather than failing the attempt. The statement that
// takes the batch over also reads what load needs (r.loaded) and, when the
// batch was READY, announces it, so that starting an attempt costs one
// statement between BEGIN and COMMIT.
func (r *batchRun) start(ctx context.Context) (*models.Batch, error) {
	batchID := r.job.Args.BatchID
	tx, err := beginTxWith(ctx, r.Pool, startLockTimeoutSQL)
	if err != nil {
		return nil, fmt.Errorf("starting batch %s: %w", batchID, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	var l loaded
	b, err := scanBatch(tx.QueryRow(ctx, `UPDATE batches SET status = 'PROCESSING', started_at = coalesce(started_at, now()),
		owner = $2, cancel_requested_at = coalesce(cancel_requested_at, `+cancelRequestSQL+`), updated_at = now()
		FROM (SELECT status AS was FROM batches WHERE id = $1 FOR NO KEY UPDATE) old
		WHERE id = $1 AND old.was IN ('READY', 'PROCESSING')
		RETURNING `+batchColumns+`, `+loadedColumns+`,
			CASE WHEN old.was = 'READY' THEN (SELECT true FROM pg_notify($3, `+models.BatchEventJSONSQL("batches")+`)) END`,
		batchID, r.owner, models.BatchEventsChannel), append(l.dest(), nil)...) // the notification's column carries nothing
	if errors.Is(err, models.ErrNotFound) {
		// Not READY or PROCESSING (it ended), or gone.
		b, err = scanBatch(tx.QueryRow(ctx, "SELECT "+batchColumns+" FROM batches WHERE id = $1", batchID))
		if errors.Is(err, models.ErrNotFound) {
			return nil, river.JobCancel(fmt.Errorf("batch %s was deleted", batchID))
		}
		if err != nil {
			return nil, fmt.Errorf("loading batch %s: %w", batchID, err)
		}
		return b, nil
	}
	if err != nil {
		return nil, fmt.Errorf("starting batch %s: %w", batchID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("starting batch %s: %w", batchID, err)
	}
	r.claimed = true
	r.loaded = l
	return b, nil
}

// startLockTimeoutSQL bounds the lock waits of a transaction that takes a
// batch over by startLockTimeout.
var startLockTimeoutSQL = fmt.Sprintf("SET LOCAL lock_timeout = %d", startLockTimeout.Milliseconds())

// loadedColumns are what load reads besides the batch's own columns, as
// columns of a statement on batches; scan them into loaded.dest.
var loadedColumns = `read_options, read_encoding, run_snapshot, ` +
	inputFileSQL("storage_key") + `, ` + inputFileSQL("size") + `, ` + storage.ContentSQL(inputFileSQL("storage_key")) + `,
	(SELECT key_field FROM flows WHERE account_id = batches.account_id AND id = batches.flow_id)`

// inputFileSQL selects a column of the batch's input file row, in a
// statement on batches.
func inputFileSQL(column string) string {
	return "(SELECT " + column + " FROM files WHERE account_id = batches.account_id AND batch_id = batches.id AND kind = 'input')"
}

// loaded is what start or peek read besides the batch, for load.
type loaded struct {
	readOptions  []byte
	readEncoding string
	snapshot     []byte
	inputKey     *string // nil: the batch has no input file
	inputSize    *int64
	inputContent []byte  // the input when it is kept in the database
	keyField     *string // nil: the batch's flow does not exist
}

// dest are the scan destinations of loadedColumns.
func (l *loaded) dest() []any {
	return []any{&l.readOptions, &l.readEncoding, &l.snapshot, &l.inputKey, &l.inputSize, &l.inputContent, &l.keyField}
}

// stillOwner reports whether the slice still owns its batch; when that
// cannot be told, it answers yes, so that the error is handled as the
// slice's own.
func (r *batchRun) stillOwner(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var owner *uuid.UUID
	err := r.Pool.QueryRow(ctx, "SELECT owner FROM batches WHERE id = $1", r.job.Args.BatchID).Scan(&owner)
	if err != nil {
		return true
	}
	return owner != nil && *owner == r.owner
}

// yieldWait bounds how long a slice that lost its batch waits for the
// attempt that took over to let go of the job.
const yieldWait = 10 * time.Minute

// yieldJob returns once no other attempt of job is running (or after
// yieldWait). River applies a worker's result to its job only while the job
// is running, whichever attempt runs it; waiting until the attempt that took
// over has snoozed or completed the job makes this slice's result a no-op
// instead of ending that attempt's job under it.
func (w *ProcessBatchWorker) yieldJob(ctx context.Context, job *river.Job[ProcessBatchArgs]) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), yieldWait)
	defer cancel()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		var other bool
		err := w.Pool.QueryRow(ctx, `SELECT state = 'running' AND attempted_at IS DISTINCT FROM $2 FROM river_job WHERE id = $1`,
			job.ID, job.AttemptedAt).Scan(&other)
		if err != nil || !other {
			return river.JobSnooze(0)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return river.JobSnooze(0)
		case <-w.Stopping:
			return river.JobSnooze(0)
		}
	}
}

// load reads the batch's snapshot (interface, key field, column map), its
// flow and its input key. The interface is the snapshot's, never the live
// row: an interface edited while its batch runs does not change the batch.
func (r *batchRun) load(ctx context.Context) error {
	b := r.batch
	if b.InterfaceID == nil {
		return permanent("the batch has no interface")
	}
	if b.FlowID == nil {
		return permanent("the batch has no flow")
	}
	l := r.loaded
	if l.keyField == nil {
		return permanent("the batch's flow no longer exists")
	}
	r.flow = &models.Flow{ID: *b.FlowID, AccountID: b.AccountID, KeyField: *l.keyField}
	if l.inputKey == nil {
		return permanent("the batch's input file no longer exists")
	}
	r.inputKey = *l.inputKey
	switch {
	case l.inputContent != nil:
		r.input = l.inputContent // read with the batch
	case l.inputSize != nil && *l.inputSize <= smallInputBytes:
		if err := r.holdInput(ctx, *l.inputSize); err != nil {
			return err
		}
	}
	b.ReadEncoding = l.readEncoding
	if err := b.ReadOptions.Scan(l.readOptions); err != nil {
		return permanent("the batch's read options cannot be used: %v", err)
	}
	snap, err := r.snapshot(ctx, r.flow)
	if err != nil {
		return err
	}
	r.iface, r.columnMap = &snap.Interface, snap.ColumnMap
	r.flow.KeyField = snap.KeyField
	r.opts = BatchIngestOptions(r.iface, b)
	return nil
}

// mapper builds the mapper of the snapshot's fields under its column map.
func (r *batchRun) mapper() (*ingest.Mapper, error) {
	m, err := ingest.NewMapper(MappedFields(r.iface.Fields, r.columnMap), r.flow.KeyField)
	if err != nil {
		return nil, permanent("the interface's fields cannot be used: %v", err)
	}
	return m, nil
}

// openInput opens the batch's payload as a record reader; the Closer
// closes both.
func (r *batchRun) openInput(ctx context.Context) (ingest.Reader, io.Closer, error) {
	in, err := r.openRaw(ctx)
	if err != nil {
		return nil, nil, err
	}
	rd, err := ingest.NewReader(in, r.opts)
	if err != nil {
		_ = in.Close()
		return nil, nil, permanent("the interface's format options cannot be used: %v", err)
	}
	return rd, inputCloser{rd, in}, nil
}

// openRaw opens the batch's payload: from memory when load held it there.
func (r *batchRun) openRaw(ctx context.Context) (io.ReadCloser, error) {
	if r.input != nil {
		return heldInput{bytes.NewReader(r.input)}, nil
	}
	in, err := r.Store.Open(ctx, r.inputKey)
	if err != nil {
		return nil, fmt.Errorf("opening input of batch %s: %w", r.batch.ID, err)
	}
	return in, nil
}

// heldInput reads an input held in memory; it keeps the bytes.Reader's Len
// and Seek, which the readers use to size their buffers and column
// detection to read it again.
type heldInput struct{ *bytes.Reader }

func (heldInput) Close() error { return nil }

// inputCloser closes a reader (an XLSX reader's temporary files) and its input.
type inputCloser struct {
	rd ingest.Reader
	in io.Closer
}

func (c inputCloser) Close() error { return errors.Join(c.rd.Close(), c.in.Close()) }

// limit is how many records the batch processes.
func (r *batchRun) limit(total int64) int64 {
	if r.batch.Designer {
		return min(total, DesignerLimit)
	}
	return total
}

// errCancelRequested stops the validation pass of a batch being cancelled.
var errCancelRequested = errors.New("cancel requested")

// cancelCheckInterval spaces the validation pass's looks at cancel requests.
const cancelCheckInterval = 500 * time.Millisecond

// validatesWhileInserting reports whether the batch's payload, when it is
// more than one chunk, is validated while its records are inserted instead
// of in a pass of its own: a payload fault then ends the batch ERROR and
// deletes the records of its earlier chunks in the transaction that sets
// the status (finish with outcome.discard), so a broken payload still
// inserts nothing. Only plain inserts qualify: an upsert may have replaced
// records of earlier batches, which deleting cannot restore; a designer
// batch validates its whole payload but processes 20 records.
func (r *batchRun) validatesWhileInserting() bool {
	return r.flow.KeyField == "" && !r.batch.Designer
}

// payloadFault is a payload fault found while inserting a batch validated
// while inserting.
type payloadFault struct{ perr *ingest.PayloadError }

func (f *payloadFault) Error() string { return f.perr.Error() }

// settleEncoding decides the auto encoding setting over the whole payload
// (ingest.SettleEncoding) for a batch validated while inserting, whose
// bounded pass saw only its start; the other settings are decided already.
func (r *batchRun) settleEncoding(ctx context.Context, setting ingest.Encoding) error {
	if setting != ingest.EncodingAuto || r.opts.Format == ingest.FormatXLSX || r.opts.Encoding != ingest.EncodingUTF8 {
		return nil
	}
	in, err := r.Store.Open(ctx, r.inputKey)
	if err != nil {
		return fmt.Errorf("opening input of batch %s: %w", r.batch.ID, err)
	}
	defer in.Close()
	enc, err := ingest.SettleEncoding(in, setting)
	if err != nil {
		return fmt.Errorf("reading input of batch %s: %w", r.batch.ID, err)
	}
	r.opts.Encoding = enc
	return nil
}

// validate reads the payload once, without mapping, so that a payload
// invalid for its format inserts nothing and the total is known before the
// first chunk. It returns the number of records, or the payload's fault.
// With bound > 0 it stops after bound records (a batch validated while
// inserting reads only as far as it needs to tell whether it fits one chunk).
// It also settles the encoding: under auto, a payload that proves not to be
// UTF-8 is read again as Windows-1252, and the encoding read in becomes
// r.opts.Encoding (saved with the total for later slices).
func (r *batchRun) validate(ctx context.Context, bound int64) (int64, *ingest.PayloadError, error) {
	n, perr, enc, err := r.validatePass(ctx, bound)
	if errors.Is(err, ingest.ErrNotUTF8) && r.opts.Encoding == ingest.EncodingAuto {
		r.opts.Encoding = ingest.AutoFallback
		n, perr, enc, err = r.validatePass(ctx, bound)
	}
	if err == nil {
		r.opts.Encoding = enc
	}
	return n, perr, err
}

func (r *batchRun) validatePass(ctx context.Context, bound int64) (int64, *ingest.PayloadError, ingest.Encoding, error) {
	rd, in, err := r.openInput(ctx)
	if err != nil {
		return 0, nil, "", err
	}
	defer in.Close()
	n, perr, err := r.countRecords(ctx, rd, bound)
	return n, perr, rd.Encoding(), err
}

// countRecords reads every record of rd (at most bound when bound > 0),
// looking for a cancel request now and then.
func (r *batchRun) countRecords(ctx context.Context, rd ingest.Reader, bound int64) (int64, *ingest.PayloadError, error) {
	var n int64
	lastCheck := time.Now()
	for bound <= 0 || n < bound {
		_, err := rd.Next()
		if err != nil {
			var perr *ingest.PayloadError
			switch {
			case errors.Is(err, io.EOF):
				return n, nil, nil
			case errors.As(err, &perr):
				return n, perr, nil
			}
			return 0, nil, fmt.Errorf("reading input of batch %s: %w", r.batch.ID, err)
		}
		n++
		if n%4096 == 0 && r.stopping() {
			return 0, nil, errStopping
		}
		if n%4096 == 0 && time.Since(lastCheck) >= cancelCheckInterval {
			lastCheck = time.Now()
			var cancelled bool
			err := r.Pool.QueryRow(ctx, "SELECT EXISTS "+cancelRequestSQL, r.batch.ID).Scan(&cancelled)
			if err != nil {
				return 0, nil, fmt.Errorf("checking batch %s: %w", r.batch.ID, err)
			}
			if cancelled {
				return 0, nil, errCancelRequested
			}
		}
	}
	return n, nil, nil
}

// saveTotal records the number of records the batch will process.
func (r *batchRun) saveTotal(ctx context.Context, total int64) error {
	total = r.limit(total)
	err := r.Pool.QueryRow(ctx, `UPDATE batches SET total_count = $2, read_encoding = $4,
		cancel_requested_at = coalesce(cancel_requested_at, `+cancelRequestSQL+`), updated_at = now()
		WHERE id = $1 AND status = 'PROCESSING' AND owner = $3 RETURNING cancel_requested_at`,
		r.batch.ID, total, r.owner, string(r.opts.Encoding)).Scan(&r.batch.CancelRequestedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNotOwner
	}
	if err != nil {
		return fmt.Errorf("saving total of batch %s: %w", r.batch.ID, err)
	}
	r.batch.TotalCount, r.batch.ReadEncoding = total, string(r.opts.Encoding)
	return nil
}
