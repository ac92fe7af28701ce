package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

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
// in its slice budget before it snoozes to go on in a new attempt. Permanent
// faults end the batch ERROR and cancel the job; when the last attempt fails,
// the batch ends ERROR too.
func (w *ProcessBatchWorker) Work(ctx context.Context, job *river.Job[ProcessBatchArgs]) error {
	err := w.work(ctx, job)
	var perm *errPermanent
	var snooze *rivertype.JobSnoozeError
	switch {
	case err == nil, errors.As(err, &snooze):
		return err
	case errors.As(err, &perm):
		if ferr := w.fail(context.WithoutCancel(ctx), job.Args.BatchID, perm.msg); ferr != nil {
			return ferr
		}
		return river.JobCancel(err)
	case job.Attempt >= job.MaxAttempts:
		msg := fmt.Sprintf("processing failed after %d attempts", job.Attempt)
		if ferr := w.fail(context.WithoutCancel(ctx), job.Args.BatchID, msg); ferr != nil {
			w.Log.Error("marking batch failed", "batch_id", job.Args.BatchID, "error", ferr)
		}
	}
	return err
}

// batchRun is the state of one slice of work on a batch.
type batchRun struct {
	*ProcessBatchWorker
	job        *river.Job[ProcessBatchArgs]
	batch      *models.Batch
	iface      *models.Interface
	flow       *models.Flow
	inputKey   string
	opts       ingest.Options
	lastNotify time.Time
}

func (w *ProcessBatchWorker) work(ctx context.Context, job *river.Job[ProcessBatchArgs]) error {
	sliceStart := time.Now()
	b, err := w.start(ctx, job.Args.BatchID)
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
	run := &batchRun{ProcessBatchWorker: w, job: job, batch: b}
	if err := run.load(ctx); err != nil {
		return err
	}
	if b.TotalCount == 0 {
		validateStart := time.Now()
		total, perr, err := run.validate(ctx)
		if errors.Is(err, errCancelRequested) {
			return run.finish(ctx, outcome{cancelled: true})
		}
		if err != nil {
			return err
		}
		w.Log.Debug("validated batch input", "batch_id", b.ID, "records", total, "duration", time.Since(validateStart))
		if perr != nil {
			return run.finish(ctx, outcome{payload: perr})
		}
		if err := run.saveTotal(ctx, total); err != nil {
			return err
		}
	}
	if b.CancelRequestedAt != nil {
		return run.finish(ctx, outcome{cancelled: true})
	}
	insertStart := time.Now()
	done, cancelled, err := run.insert(ctx, sliceStart)
	if err != nil {
		return err
	}
	w.Log.Debug("inserted batch records", "batch_id", b.ID, "processed", run.batch.ProcessedCount, "duration", time.Since(insertStart))
	switch {
	case cancelled:
		return run.finish(ctx, outcome{cancelled: true})
	case !done:
		return river.JobSnooze(0)
	}
	return run.finish(ctx, outcome{})
}

// start moves a READY batch to PROCESSING and returns it as it is now.
func (w *ProcessBatchWorker) start(ctx context.Context, batchID uuid.UUID) (*models.Batch, error) {
	tx, err := w.Pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("starting batch %s: %w", batchID, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	b, err := scanBatch(tx.QueryRow(ctx, "SELECT "+batchColumns+" FROM batches WHERE id = $1 FOR UPDATE", batchID))
	if errors.Is(err, models.ErrNotFound) {
		return nil, river.JobCancel(fmt.Errorf("batch %s was deleted", batchID))
	}
	if err != nil {
		return nil, fmt.Errorf("loading batch %s: %w", batchID, err)
	}
	if b.Status != models.StatusReady {
		return b, nil
	}
	b, err = scanBatch(tx.QueryRow(ctx, `UPDATE batches SET status = 'PROCESSING', started_at = now(), updated_at = now()
		WHERE id = $1 RETURNING `+batchColumns, batchID))
	if err != nil {
		return nil, fmt.Errorf("starting batch %s: %w", batchID, err)
	}
	if err := notifyTx(ctx, tx, b); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("starting batch %s: %w", batchID, err)
	}
	return b, nil
}

// load reads the batch's interface, flow and input key.
func (r *batchRun) load(ctx context.Context) error {
	b := r.batch
	if b.InterfaceID == nil {
		return permanent("the batch has no interface")
	}
	if b.FlowID == nil {
		return permanent("the batch has no flow")
	}
	var err error
	if r.iface, err = models.InterfaceByID(ctx, r.DB, b.AccountID, *b.InterfaceID); errors.Is(err, models.ErrNotFound) {
		return permanent("the batch's interface no longer exists")
	} else if err != nil {
		return err
	}
	if r.flow, err = models.FlowByID(ctx, r.DB, b.AccountID, *b.FlowID); errors.Is(err, models.ErrNotFound) {
		return permanent("the batch's flow no longer exists")
	} else if err != nil {
		return err
	}
	err = r.Pool.QueryRow(ctx, "SELECT storage_key FROM files WHERE account_id = $1 AND batch_id = $2 AND kind = 'input'",
		b.AccountID, b.ID).Scan(&r.inputKey)
	if errors.Is(err, pgx.ErrNoRows) {
		return permanent("the batch's input file no longer exists")
	}
	if err != nil {
		return fmt.Errorf("loading input of batch %s: %w", b.ID, err)
	}
	var readOptions []byte
	err = r.Pool.QueryRow(ctx, "SELECT read_options, read_encoding FROM batches WHERE id = $1", b.ID).Scan(&readOptions, &b.ReadEncoding)
	if err != nil {
		return fmt.Errorf("loading read options of batch %s: %w", b.ID, err)
	}
	if err := b.ReadOptions.Scan(readOptions); err != nil {
		return permanent("the batch's read options cannot be used: %v", err)
	}
	r.opts = BatchIngestOptions(r.iface, b)
	return nil
}

// mapper builds the mapper of the interface's fields.
func (r *batchRun) mapper() (*ingest.Mapper, error) {
	m, err := ingest.NewMapper(IngestFields(r.iface.Fields), r.flow.KeyField)
	if err != nil {
		return nil, permanent("the interface's fields cannot be used: %v", err)
	}
	return m, nil
}

// openInput opens the batch's payload as a record reader; the Closer
// closes both.
func (r *batchRun) openInput(ctx context.Context) (ingest.Reader, io.Closer, error) {
	in, err := r.Store.Open(ctx, r.inputKey)
	if err != nil {
		return nil, nil, fmt.Errorf("opening input of batch %s: %w", r.batch.ID, err)
	}
	rd, err := ingest.NewReader(in, r.opts)
	if err != nil {
		_ = in.Close()
		return nil, nil, permanent("the interface's format options cannot be used: %v", err)
	}
	return rd, inputCloser{rd, in}, nil
}

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

// validate reads the whole payload once, without mapping, so that a payload
// invalid for its format inserts nothing and the total is known before the
// first chunk. It returns the number of records, or the payload's fault.
// It also settles the encoding: under auto, a payload that proves not to be
// UTF-8 is read again as Windows-1252, and the encoding read in becomes
// r.opts.Encoding (saved with the total for later slices).
func (r *batchRun) validate(ctx context.Context) (int64, *ingest.PayloadError, error) {
	n, perr, enc, err := r.validatePass(ctx)
	if errors.Is(err, ingest.ErrNotUTF8) && r.opts.Encoding == ingest.EncodingAuto {
		r.opts.Encoding = ingest.AutoFallback
		n, perr, enc, err = r.validatePass(ctx)
	}
	if err == nil {
		r.opts.Encoding = enc
	}
	return n, perr, err
}

func (r *batchRun) validatePass(ctx context.Context) (int64, *ingest.PayloadError, ingest.Encoding, error) {
	rd, in, err := r.openInput(ctx)
	if err != nil {
		return 0, nil, "", err
	}
	defer in.Close()
	n, perr, err := r.countRecords(ctx, rd)
	return n, perr, rd.Encoding(), err
}

// countRecords reads every record of rd, looking for a cancel request now
// and then.
func (r *batchRun) countRecords(ctx context.Context, rd ingest.Reader) (int64, *ingest.PayloadError, error) {
	var n int64
	lastCheck := time.Now()
	for {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return n, nil, nil
		}
		var perr *ingest.PayloadError
		if errors.As(err, &perr) {
			return n, perr, nil
		}
		if err != nil {
			return 0, nil, fmt.Errorf("reading input of batch %s: %w", r.batch.ID, err)
		}
		n++
		if n%4096 == 0 && time.Since(lastCheck) >= cancelCheckInterval {
			lastCheck = time.Now()
			var cancelled bool
			err := r.Pool.QueryRow(ctx, "SELECT cancel_requested_at IS NOT NULL FROM batches WHERE id = $1", r.batch.ID).Scan(&cancelled)
			if err != nil {
				return 0, nil, fmt.Errorf("checking batch %s: %w", r.batch.ID, err)
			}
			if cancelled {
				return 0, nil, errCancelRequested
			}
		}
	}
}

// saveTotal records the number of records the batch will process.
func (r *batchRun) saveTotal(ctx context.Context, total int64) error {
	total = r.limit(total)
	err := r.Pool.QueryRow(ctx, `UPDATE batches SET total_count = $2, read_encoding = $3, updated_at = now()
		WHERE id = $1 AND status = 'PROCESSING' RETURNING cancel_requested_at`, r.batch.ID, total, string(r.opts.Encoding)).Scan(&r.batch.CancelRequestedAt)
	if err != nil {
		return fmt.Errorf("saving total of batch %s: %w", r.batch.ID, err)
	}
	r.batch.TotalCount, r.batch.ReadEncoding = total, string(r.opts.Encoding)
	return nil
}

// fail ends a batch ERROR with msg, unless it already ended.
func (w *ProcessBatchWorker) fail(ctx context.Context, batchID uuid.UUID, msg string) error {
	tx, err := w.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("failing batch %s: %w", batchID, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	b, err := scanBatch(tx.QueryRow(ctx, `UPDATE batches SET status = 'ERROR', error_message = $2, finished_at = now(),
		updated_at = now() WHERE id = $1 AND status IN ('READY', 'PROCESSING') RETURNING `+batchColumns, batchID, msg))
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("failing batch %s: %w", batchID, err)
	}
	if err := notifyTx(ctx, tx, b); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
