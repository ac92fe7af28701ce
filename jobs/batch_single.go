package jobs

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
)

// A batch whose records fit in one chunk is processed in one transaction:
// its records, its counts and total, its result files' rows and its final
// status commit together, and its result files are
// written straight from memory, without a segment. Compared with the general
// path (save the total, commit the chunk with its segment, list and read the
// segment back, finish, delete the segment), this saves three transactions,
// five storage operations and the segment's registration per batch. A READY
// batch with a small input is also taken over by that transaction (workWhole):
// it goes from READY to FINISHED with no PROCESSING between, which saves the
// start's transaction.
// docs/engine.md ("One-chunk batches") explains why the crash guarantees hold.

// workWhole processes a READY batch whose small input holds at most a chunk
// of records in one transaction that also takes the batch over. It reports
// done false, having changed nothing, when the batch is not such a batch
// (not READY, a designer batch, a big input, a cancel request, a payload
// fault) or was taken by someone else since it was read: the general path
// takes it then, and does what the batch needs.
func (r *batchRun) workWhole(ctx context.Context) (done bool, err error) {
	began := time.Now()
	if ok, err := r.peek(ctx); err != nil || !ok {
		return false, nil
	}
	if err := r.load(ctx); err != nil || r.input == nil {
		return false, nil
	}
	c, perr, ok, err := r.readWhole(ctx)
	if err != nil || perr != nil || !ok {
		return false, nil
	}
	defer releaseWhole(c)
	r.Log.Debug("validated batch input", "records", c.n, "duration", time.Since(began), "one_pass", true)
	err = r.commitWhole(ctx, c, began)
	if errors.Is(err, errNotClaimed) {
		return false, nil
	}
	return true, err
}

// errNotClaimed stops workWhole when the batch is no longer READY at its
// commit, or has a cancel request.
var errNotClaimed = errors.New("the batch is no longer READY")

// peek reads the batch and what load needs without taking it over, and
// reports whether workWhole may process it. r.startedAt becomes the
// database's time, the batch's started_at once taken over.
func (r *batchRun) peek(ctx context.Context) (bool, error) {
	var l loaded
	var startedAt time.Time
	var cancelRequested bool
	b, err := scanBatch(r.Pool.QueryRow(ctx, "SELECT "+batchColumns+", "+loadedColumns+", now(), EXISTS "+cancelRequestSQL+
		" FROM batches WHERE id = $1", r.job.Args.BatchID), append(l.dest(), &startedAt, &cancelRequested)...)
	if err != nil {
		return false, err
	}
	if b.Status != models.StatusReady || b.Designer || b.CancelRequestedAt != nil || cancelRequested ||
		l.inputSize == nil || *l.inputSize > smallInputBytes {
		return false, nil
	}
	r.batch, r.loaded, r.startedAt = b, l, &startedAt
	return true, nil
}

// fitsOneChunk reports whether a batch whose validation pass counted total
// records is processed in one transaction.
func (r *batchRun) fitsOneChunk(total int64) bool {
	n := r.limit(total)
	return n > 0 && n <= int64(cmp.Or(r.ChunkSize, DefaultChunkSize)) && r.batch.ProcessedCount == 0
}

// ownResultKey is the storage key of a result file written by a one-chunk
// batch's slice: generated from the batch, the kind and the slice's token, so
// that a slice that lost the batch (it stalled and another attempt took over)
// can never write over the files of the attempt that ended it.
func ownResultKey(batchID, owner uuid.UUID, kind models.FileKind) string {
	return "f/" + uuid.NewSHA1(batchID, []byte(string(kind)+"/"+owner.String())).String()
}

// stagingTableSQL creates the connection's staging table of keyed records.
const stagingTableSQL = `CREATE TEMP TABLE IF NOT EXISTS records_staging
	(id uuid, batch_index bigint, key text, data jsonb) ON COMMIT DELETE ROWS`

// insertAndFinish processes a batch of total records that fits one chunk,
// in one transaction that also ends it. A cancel request seen at its commit
// rolls it back and ends the batch cancelled with no record processed.
func (r *batchRun) insertAndFinish(ctx context.Context, total int64) (err error) {
	began := time.Now()
	r.batch.TotalCount = r.limit(total)
	m, err := r.mapper()
	if err != nil {
		return err
	}
	rd, in, err := r.openInput(ctx)
	if err != nil {
		return err
	}
	defer in.Close()
	free, full := make(chan *chunk, 1), make(chan *chunk, 1)
	free <- new(chunk)
	if err := r.readChunks(ctx, rd, m, free, full); err != nil {
		return err
	}
	return r.commitWhole(ctx, <-full, began)
}

// smallInputBytes bounds the inputs held in memory by an attempt, so that
// column detection and the records are read without going back to storage,
// and in one pass (readWhole).
const smallInputBytes = 1 << 20

// holdInput reads the batch's input, of up to smallInputBytes and stored
// as size bytes, into memory.
func (r *batchRun) holdInput(ctx context.Context, size int64) error {
	in, err := r.Store.Open(ctx, r.inputKey)
	if err != nil {
		return fmt.Errorf("opening input of batch %s: %w", r.batch.ID, err)
	}
	defer in.Close()
	// Read into a buffer of the stored size (and the room bytes.Buffer
	// wants for its last read), not one grown by doubling.
	data := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	if _, err := data.ReadFrom(io.LimitReader(in, smallInputBytes+1)); err != nil {
		return fmt.Errorf("reading input of batch %s: %w", r.batch.ID, err)
	}
	if data.Len() <= smallInputBytes {
		r.input = data.Bytes()
	}
	return nil
}

// readWhole reads and maps a small input in one pass, for a batch that
// fits one chunk, instead of a validation pass and then a second one: what
// the validation pass guards (no record of an input invalid for its format
// is inserted) holds, since commitWhole inserts nothing before the whole
// input has been read. A payload fault is returned as the validation pass
// returns it. ok is false when the input has more records than a chunk, or
// none: the general path processes it then.
func (r *batchRun) readWhole(ctx context.Context) (c *chunk, perr *ingest.PayloadError, ok bool, err error) {
	m, err := r.mapper()
	if err != nil {
		return nil, nil, false, err
	}
	size := cmp.Or(r.ChunkSize, DefaultChunkSize)
	for {
		c, perr, err = r.readWholePass(ctx, m, size)
		if errors.Is(err, ingest.ErrNotUTF8) && r.opts.Encoding == ingest.EncodingAuto {
			// Read again as Windows-1252, as the validation pass does.
			r.opts.Encoding = ingest.AutoFallback
			continue
		}
		switch {
		case err != nil:
			return nil, nil, false, err
		case perr != nil && perr.NoRecords(), perr == nil && (c == nil || c.n == 0):
			releaseWhole(c)
			return nil, nil, false, nil
		}
		return c, perr, true, nil
	}
}

// wholeChunks keeps the chunks of inputs read whole between batches, so
// that a small batch does not grow its buffers from nothing. Such inputs
// are at most smallInputBytes, which bounds what a kept chunk holds.
var wholeChunks = sync.Pool{New: func() any { return new(chunk) }}

// releaseWhole gives a chunk of readWholePass back once nothing uses it.
func releaseWhole(c *chunk) {
	if c != nil {
		wholeChunks.Put(c)
	}
}

// readWholePass maps the input's records into one chunk and settles the
// encoding read in; c is nil when there are more than size records. Give
// the chunk back with releaseWhole.
func (r *batchRun) readWholePass(ctx context.Context, m *ingest.Mapper, size int) (*chunk, *ingest.PayloadError, error) {
	rd, in, err := r.openInput(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer in.Close()
	c := wholeChunks.Get().(*chunk)
	c.reset(0)
	kept := false // the chunk goes back to the pool on every return but the one that gives it
	defer func() {
		if !kept {
			releaseWhole(c)
		}
	}()
	for {
		rec, err := rd.Next()
		var perr *ingest.PayloadError
		switch {
		case errors.Is(err, io.EOF):
			r.opts.Encoding = rd.Encoding()
			kept = true
			return c, nil, nil
		case errors.As(err, &perr):
			r.opts.Encoding = rd.Encoding()
			return nil, perr, nil
		case errors.Is(err, ingest.ErrNotUTF8):
			return nil, nil, err
		case err != nil:
			return nil, nil, fmt.Errorf("reading input of batch %s: %w", r.batch.ID, err)
		}
		if c.n == size {
			return nil, nil, nil
		}
		c.add(m, rec)
	}
}

// commitWhole inserts the records of c, the whole batch, and ends the batch
// in one transaction (see insertAndFinish).
func (r *batchRun) commitWhole(ctx context.Context, c *chunk, began time.Time) (err error) {
	r.batch.TotalCount = int64(c.n)
	// A batch not yet taken over is taken over by this transaction, from
	// READY: its lock waits are the start's.
	guard, extra := "status = 'PROCESSING' AND owner = $7", ""
	if !r.claimed {
		guard, extra = "status = 'READY'", startLockTimeoutSQL
	}
	tx, err := beginTxWith(ctx, r.Pool, extra)
	if err != nil {
		return fmt.Errorf("beginning batch %s: %w", r.batch.ID, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	// A pool connection: its staging table may not exist yet.
	if r.flow.KeyField != "" {
		if _, err := tx.Exec(ctx, stagingTableSQL); err != nil {
			return fmt.Errorf("creating the staging table of batch %s: %w", r.batch.ID, err)
		}
	}
	inserted, updated, err := r.writeChunkTx(ctx, tx, c)
	if err != nil {
		return err
	}
	b, err := scanBatch(tx.QueryRow(ctx, `UPDATE batches SET total_count = $2, processed_count = $3,
		inserted_count = $4, updated_count = $5, failed_count = $6, status = 'FINISHED', finished_at = now(),
		read_encoding = $8, cancel_requested_at = coalesce(cancel_requested_at, `+cancelRequestSQL+`), updated_at = now(),
		run_snapshot = coalesce($9::jsonb, run_snapshot), owner = $7, started_at = coalesce(started_at, $10)
		WHERE id = $1 AND `+guard+` AND processed_count = 0
		RETURNING `+batchColumns,
		r.batch.ID, r.batch.TotalCount, c.n, inserted, updated, len(c.failures), r.owner, string(r.opts.Encoding), r.unsavedSnapshot,
		r.startedAt))
	switch {
	case errors.Is(err, models.ErrNotFound) && !r.claimed:
		return errNotClaimed
	case errors.Is(err, models.ErrNotFound):
		return errNotOwner
	case err != nil:
		return fmt.Errorf("saving batch %s: %w", r.batch.ID, err)
	case b.CancelRequestedAt != nil && !r.claimed:
		return errNotClaimed // the general path ends it cancelled
	}
	if b.CancelRequestedAt != nil {
		if err := tx.Rollback(ctx); err != nil {
			return fmt.Errorf("rolling back batch %s: %w", r.batch.ID, err)
		}
		return r.finish(ctx, outcome{cancelled: true})
	}

	// The files are written after the ownership check, under keys of the
	// slice's own, and registered by this transaction; when it does not
	// commit they are removed (a crash leaves them unreferenced).
	r.Log.Debug("inserted batch records", "processed", c.n, "duration", time.Since(began), "one_transaction", true)
	r.batch = b
	filesStart := time.Now()
	segs := []segmentRef{{start: 0, records: int64(c.n), data: bytes.Join(c.segmentParts(), nil)}}
	ownKey := func(kind models.FileKind) string { return ownResultKey(b.ID, r.owner, kind) }
	files, err := r.writeResults(ctx, segs, nil, ownKey)
	if err != nil {
		return err
	}
	if files, err = r.addFailedRecords(ctx, files, ownKey); err != nil {
		return err
	}
	r.Log.Debug("wrote batch files", "duration", time.Since(filesStart))
	committed := false
	defer func() {
		if committed {
			return
		}
		for _, f := range files {
			if derr := r.Store.Delete(context.WithoutCancel(ctx), f.obj.Key); derr != nil {
				r.Log.Warn("deleting result file of a rolled back batch", "error", derr)
			}
		}
	}()
	if err := endTx(ctx, tx, b, files); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("finishing batch %s: %w", b.ID, err)
	}
	committed = true
	r.Metrics.chunkCommitted(inserted, updated, int64(len(c.failures)), time.Since(began))
	r.Metrics.batchEnded(b)
	return nil
}
