package jobs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
)

// A segment holds one chunk's part of the result files. It is written to
// storage under a key of the batch, the chunk's first index and the slice
// that owns the batch, and registered in batch_segments, both in the
// transaction that commits the chunk (after its ownership check), so the
// results of committed chunks survive a crash and a slice that lost the batch
// cannot write over them; the files are assembled from the registered
// segments when the batch ends. Layout: a header line
// "<records> <output bytes> <process bytes> <error bytes>\n", then the three
// parts: output.json entries joined by commas, process.log lines, error.log lines.

func segmentKey(batchID uuid.UUID, start int64, owner uuid.UUID) string {
	return fmt.Sprintf("tmp/batch/%s/%012d-%s", batchID, start, owner)
}

// resultKey is the storage key of a result file: generated from the batch,
// so that an attempt that crashed while writing it is overwritten by the next.
func resultKey(batchID uuid.UUID, kind models.FileKind) string {
	return "f/" + uuid.NewSHA1(batchID, []byte(kind)).String()
}

// errorLine is one line of error.log.
type errorLine struct {
	Index   int64  `json:"index"`
	Line    int    `json:"line"`
	Offset  int64  `json:"offset"`
	Field   string `json:"field"`
	Value   string `json:"value"`
	Message string `json:"message"`
}

// appendJSON appends v as one line of JSON. HTML characters stay as they are
// (encoding/json would write < as \u003c, six bytes for one).
func appendJSON(dst []byte, v any) []byte {
	buf := bytes.NewBuffer(dst)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // strings and numbers only
	}
	return buf.Bytes()
}

// Bounds of error.log: a payload whose every record fails would otherwise
// write a line for each, many times the payload's size. After the first
// errorLogMaxLines lines (or errorLogMaxBytes), a last line says how many
// more failed; process.log still has every record, and failed_count counts them.
const (
	errorLogMaxLines = 10000
	errorLogMaxBytes = 4 << 20
)

// buildSegment lays out the chunk's results: for a failed record, process.log
// says briefly why (the field and the message, without the value, which
// error.log has) and error.log has the full line, for at most
// errorLogMaxLines records of the chunk.
func (c *chunk) buildSegment() {
	out, proc, errs := c.out[:0], c.proc[:0], c.errs[:0]
	fi := 0
	for p := range c.n {
		index := c.start + int64(p)
		if p > 0 {
			out = append(out, ',')
		}
		proc = append(proc, `{"index":`...)
		proc = strconv.AppendInt(proc, index, 10)
		proc = append(proc, `,"status":"`...)
		proc = append(proc, c.status[p]...)
		proc = append(proc, `","uuid":`...)
		if c.status[p] == statusFailed {
			out = append(out, "null"...)
			f := c.failures[fi]
			fi++
			proc = append(proc, `null,"error":`...)
			proc = bytes.TrimSuffix(appendJSON(proc, briefError(f.err)), []byte("\n"))
			if fi <= errorLogMaxLines {
				errs = appendJSON(errs, errorLine{Index: index, Line: f.line, Offset: f.offset, Field: f.err.Field, Value: f.err.Value, Message: f.err.Msg})
			}
		} else {
			out = appendUUID(out, c.ids[p])
			proc = appendUUID(proc, c.ids[p])
			proc = append(proc, `,"error":null`...)
		}
		proc = append(proc, "}\n"...)
	}
	c.out, c.proc, c.errs = out, proc, errs
}

// briefError is a failed record's message in process.log: the field and what
// is wrong, without the value.
func briefError(e *ingest.FieldError) string {
	if e.Field == "" {
		return e.Msg
	}
	return "field " + e.Field + ": " + e.Msg
}

// segmentParts are the parts of the chunk's segment, in order: its header
// line, then its output.json, process.log and error.log parts.
func (c *chunk) segmentParts() [][]byte {
	head := fmt.Sprintf("%d %d %d %d\n", c.n, len(c.out), len(c.proc), len(c.errs))
	return [][]byte{[]byte(head), c.out, c.proc, c.errs}
}

// storeSegment writes the chunk's segment under key.
func (r *batchRun) storeSegment(ctx context.Context, key string, c *chunk) error {
	w, err := r.Store.Create(ctx, key, "application/octet-stream")
	if err != nil {
		return err
	}
	for _, part := range c.segmentParts() {
		if _, err := w.Write(part); err != nil {
			w.Abort()
			return fmt.Errorf("writing results of chunk at %d: %w", c.start, err)
		}
	}
	if _, err := w.Commit(); err != nil {
		return fmt.Errorf("writing results of chunk at %d: %w", c.start, err)
	}
	return nil
}

// appendUUID appends id as a quoted JSON string.
func appendUUID(dst []byte, id uuid.UUID) []byte {
	var buf [38]byte
	buf[0], buf[37] = '"', '"'
	hex.Encode(buf[1:9], id[:4])
	buf[9] = '-'
	hex.Encode(buf[10:14], id[4:6])
	buf[14] = '-'
	hex.Encode(buf[15:19], id[6:8])
	buf[19] = '-'
	hex.Encode(buf[20:24], id[8:10])
	buf[24] = '-'
	hex.Encode(buf[25:37], id[10:])
	return append(dst, buf[:]...)
}

// outcome is how a batch ends: finished, cancelled, or unreadable.
type outcome struct {
	cancelled bool
	payload   *ingest.PayloadError
	// discard: the payload fault was found while inserting (a batch
	// validated while inserting); the records, failures and counts of the
	// chunks committed before it are removed with the status change.
	discard bool
}

// resultFile is a result file being written; buf is its storage writer's
// buffer, which the result formats write to in small pieces.
type resultFile struct {
	kind        models.FileKind
	contentType string
	w           *storage.Writer
	buf         *bufio.Writer
	obj         storage.Object
}

// createResult starts a result file under key. Every result file is
// registered by endTx, which stores the content of a small one (kept in the
// database, see storage.Store.CreateSmall) in the transaction that ends the
// batch: no object to create and flush on its own.
func (r *batchRun) createResult(ctx context.Context, key string, kind models.FileKind, contentType string) *resultFile {
	w := r.Store.CreateSmall(ctx, key, contentType)
	return &resultFile{kind: kind, contentType: contentType, w: w, buf: w.Buffer()}
}

// commit keeps the file; its buffer goes back to the storage's pool.
func (f *resultFile) commit() error {
	obj, err := f.w.Commit()
	f.buf = nil
	if err != nil {
		return fmt.Errorf("writing %s file: %w", f.kind, err)
	}
	f.obj = obj
	return nil
}

// finish writes the batch's result files and, in one transaction, registers
// them, sets the final status and completes the job.
func (r *batchRun) finish(ctx context.Context, o outcome) error {
	b, err := scanBatch(r.Pool.QueryRow(ctx, "SELECT "+batchColumns+" FROM batches WHERE id = $1 AND owner = $2", r.batch.ID, r.owner))
	if errors.Is(err, models.ErrNotFound) {
		return errNotOwner
	}
	if err != nil {
		return fmt.Errorf("loading batch %s: %w", r.batch.ID, err)
	}
	r.batch = b
	status, msg := models.StatusFinished, ""
	var batchLine *errorLine
	switch {
	case o.payload != nil:
		status, msg = models.StatusError, o.payload.Error()
		batchLine = &errorLine{Index: int64(o.payload.Index), Line: o.payload.Line, Offset: o.payload.Offset, Message: msg}
	case o.cancelled:
		status, msg = models.StatusError, models.CancelledMessage
		batchLine = &errorLine{Index: b.ProcessedCount, Message: msg}
	}

	var files []*resultFile
	filesStart := time.Now()
	if o.payload == nil {
		files, err = r.assemble(ctx, batchLine)
	} else {
		files, err = r.writeErrorOnly(ctx, batchLine)
	}
	if err != nil {
		return err
	}
	if !o.discard { // a discarded batch keeps no failures, hence no failed records file
		if files, err = r.addFailedRecords(ctx, files, func(kind models.FileKind) string { return resultKey(r.batch.ID, kind) }); err != nil {
			return err
		}
	}
	r.Log.Debug("wrote batch files", "duration", time.Since(filesStart))

	discarded := b.InsertedCount
	tx, err := beginTx(ctx, r.Pool)
	if err != nil {
		return fmt.Errorf("finishing batch %s: %w", b.ID, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	if o.discard {
		if err := r.discardRecordsTx(ctx, tx); err != nil {
			return err
		}
	}
	// A batch validated while inserting learns its total at its end.
	b, err = scanBatch(tx.QueryRow(ctx, `UPDATE batches SET status = $2, error_message = $3, finished_at = now(), updated_at = now(),
		total_count = CASE WHEN $5 THEN 0 WHEN $2 = 'FINISHED' THEN greatest(total_count, processed_count) ELSE total_count END,
		processed_count = CASE WHEN $5 THEN 0 ELSE processed_count END,
		inserted_count = CASE WHEN $5 THEN 0 ELSE inserted_count END,
		updated_count = CASE WHEN $5 THEN 0 ELSE updated_count END,
		failed_count = CASE WHEN $5 THEN 0 ELSE failed_count END,
		run_snapshot = coalesce($6::jsonb, run_snapshot)
		WHERE id = $1 AND status = 'PROCESSING' AND owner = $4 RETURNING `+batchColumns, b.ID, string(status), msg, r.owner, o.discard, r.unsavedSnapshot))
	if errors.Is(err, models.ErrNotFound) {
		return errNotOwner
	}
	if err != nil {
		return fmt.Errorf("finishing batch %s: %w", r.batch.ID, err)
	}
	if err := endTx(ctx, tx, b, files); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("finishing batch %s: %w", b.ID, err)
	}
	r.batch = b
	r.Log.Debug("ended batch", "status", b.Status, "duration", time.Since(filesStart))
	r.Metrics.batchEnded(b)
	if o.discard {
		r.Metrics.recordsDiscarded(discarded)
	}
	r.deleteSegments(context.WithoutCancel(ctx))
	return nil
}

// discardRecordsTx deletes what the committed chunks of the batch stored:
// its records and its failures. The batch's row lock, taken by the ending
// UPDATE after it, is not needed: no other attempt commits chunks of a
// batch this slice owns, and the ending UPDATE checks that it still does.
func (r *batchRun) discardRecordsTx(ctx context.Context, tx pgx.Tx) error {
	b := r.batch
	if _, err := tx.Exec(ctx, `DELETE FROM records WHERE flow_id = $1 AND batch_id = $2`, *b.FlowID, b.ID); err != nil {
		return fmt.Errorf("removing the records of batch %s: %w", b.ID, err)
	}
	for _, table := range []string{"batch_errors", "batch_error_groups"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE batch_id = $1`, b.ID); err != nil {
			return fmt.Errorf("removing the failures of batch %s: %w", b.ID, err)
		}
	}
	return nil
}

// endTx registers the result files of batch b, which tx has just ended
// (b as tx leaves it), announces b and queues its webhooks (see
// queueWebhooksTx): in one round trip, and a second when b has webhooks.
func endTx(ctx context.Context, tx pgx.Tx, b *models.Batch, files []*resultFile) error {
	batch := &pgx.Batch{}
	if len(files) > 0 {
		names := make([]string, len(files))
		sizes := make([]int64, len(files))
		types := make([]string, len(files))
		sums := make([]string, len(files))
		keys := make([]string, len(files))
		kinds := make([]string, len(files))
		for i, f := range files {
			names[i], sizes[i], types[i] = b.FileName(f.kind), f.obj.Size, f.contentType
			sums[i], keys[i], kinds[i] = f.obj.SHA256, f.obj.Key, string(f.kind)
		}
		batch.Queue(`INSERT INTO files (account_id, folder, batch_id, name, size, content_type, sha256, storage_key, kind)
			SELECT $1, $2, $3, f.* FROM unnest($4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[]) AS f
			ON CONFLICT (batch_id, kind) WHERE batch_id IS NOT NULL DO UPDATE
			SET size = EXCLUDED.size, sha256 = EXCLUDED.sha256, storage_key = EXCLUDED.storage_key, updated_at = now()`,
			b.AccountID, b.Folder(), b.ID, names, sizes, types, sums, keys, kinds)
	}
	var inlineKeys []string
	var inline [][]byte
	for _, f := range files {
		if f.obj.Inline != nil {
			inlineKeys, inline = append(inlineKeys, f.obj.Key), append(inline, f.obj.Inline)
		}
	}
	if len(inline) > 0 {
		batch.Queue(storage.InsertContentSQL, inlineKeys, inline)
	}
	batch.Queue(models.NotifySQL, notifyArgs(b)...)
	event := models.BatchEndEvent(b)
	if event != "" {
		batch.Queue(webhooksSQL, b.AccountID, event)
	}
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	if len(files) > 0 {
		if _, err := res.Exec(); err != nil {
			return fmt.Errorf("registering result files of batch %s: %w", b.ID, err)
		}
	}
	if len(inline) > 0 {
		if _, err := res.Exec(); err != nil {
			return fmt.Errorf("storing result files of batch %s: %w", b.ID, err)
		}
	}
	if _, err := res.Exec(); err != nil {
		return fmt.Errorf("notifying batch %s: %w", b.ID, err)
	}
	if event == "" {
		if err := res.Close(); err != nil {
			return fmt.Errorf("ending batch %s: %w", b.ID, err)
		}
		return nil
	}
	rows, err := res.Query()
	if err != nil {
		return fmt.Errorf("finding webhooks of batch %s: %w", b.ID, err)
	}
	hooks, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return fmt.Errorf("finding webhooks of batch %s: %w", b.ID, err)
	}
	if err := res.Close(); err != nil {
		return fmt.Errorf("ending batch %s: %w", b.ID, err)
	}
	return queueWebhooksTx(ctx, tx, b, event, hooks)
}

// failTimeout bounds ending a batch ERROR, files included.
const failTimeout = 2 * time.Minute

// fail ends the batch ERROR with msg, unless it already ended or another
// slice took it over. So that an ERROR batch always has its error file, it
// first writes error.log, ending with a line carrying msg, with output.json
// and process.log of the records done so far; when those cannot be
// assembled (storage failing), error.log alone, and when not even that, the
// status alone.
func (r *batchRun) fail(ctx context.Context, msg string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), failTimeout)
	defer cancel()
	batchID := r.job.Args.BatchID
	b, err := scanBatch(r.Pool.QueryRow(ctx, "SELECT "+batchColumns+" FROM batches WHERE id = $1", batchID))
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("failing batch %s: %w", batchID, err)
	}
	r.batch = b
	return r.endWithError(ctx, msg, `($3::uuid IS NULL OR owner = $3)`, r.ownerIfClaimed())
}

// ownerIfClaimed is the slice's token once it has taken the batch over, nil before.
func (r *batchRun) ownerIfClaimed() *uuid.UUID {
	if r.claimed {
		return &r.owner
	}
	return nil
}

// endWithError writes the files of r.batch ending ERROR with msg and, in one
// transaction, registers them and sets the status, if the batch is still
// READY or PROCESSING and guard (an SQL condition on the batch row, with
// guardArg as $3) holds. A chunk still in flight when the batch is failed
// (a cancelled job's other insert streams) may commit after the files were
// written: the status is set only while processed_count is the count the
// files were written for, and otherwise the files are written again from the
// new count.
func (r *batchRun) endWithError(ctx context.Context, msg, guard string, guardArg any) error {
	for try := 1; ; try++ {
		ended, err := r.endWithErrorAt(ctx, msg, guard, guardArg)
		if err != nil || ended {
			return err
		}
		b, err := scanBatch(r.Pool.QueryRow(ctx, "SELECT "+batchColumns+" FROM batches WHERE id = $1", r.batch.ID))
		switch {
		case errors.Is(err, models.ErrNotFound):
			return nil
		case err != nil:
			return fmt.Errorf("failing batch %s: %w", r.batch.ID, err)
		case b.Status != models.StatusReady && b.Status != models.StatusProcessing, b.ProcessedCount == r.batch.ProcessedCount:
			return nil // ended already, or another slice holds it
		case try == endWithErrorTries:
			r.Log.Warn("a failed batch's count kept moving while its files were written; the watchdog ends it", "tries", try)
			return nil
		}
		r.batch = b
	}
}

// endWithErrorTries bounds how often endWithError writes the files again for
// a count that moved on: chunks in flight are at most the insert streams'.
const endWithErrorTries = 8

// endWithErrorAt is one try of endWithError: it reports false when the batch
// was not ended, because it ended already, another slice holds it, or its
// processed_count moved on from r.batch's.
func (r *batchRun) endWithErrorAt(ctx context.Context, msg, guard string, guardArg any) (bool, error) {
	b := r.batch
	line := &errorLine{Index: b.ProcessedCount, Message: msg}
	files, err := r.assemble(ctx, line)
	if err != nil {
		r.Log.Warn("writing the files of a failed batch; writing error.log alone", "error", err)
		if files, err = r.writeErrorOnly(ctx, line); err != nil {
			r.Log.Error("writing error.log of a failed batch", "error", err)
		}
	}
	tx, err := beginTx(ctx, r.Pool)
	if err != nil {
		return false, fmt.Errorf("failing batch %s: %w", b.ID, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	ended, err := scanBatch(tx.QueryRow(ctx, `UPDATE batches SET status = 'ERROR', error_message = $2, finished_at = now(),
		updated_at = now(), run_snapshot = coalesce($5::jsonb, run_snapshot)
		WHERE id = $1 AND status IN ('READY', 'PROCESSING') AND processed_count = $4 AND `+guard+` RETURNING `+batchColumns,
		b.ID, msg, guardArg, b.ProcessedCount, r.unsavedSnapshot))
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("failing batch %s: %w", b.ID, err)
	}
	if err := endTx(ctx, tx, ended, files); err != nil {
		return false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("failing batch %s: %w", b.ID, err)
	}
	r.batch = ended
	r.Metrics.batchEnded(ended)
	r.deleteSegments(ctx)
	return true, nil
}

// writeErrorOnly writes error.log with the one line of a batch-level fault.
func (r *batchRun) writeErrorOnly(ctx context.Context, line *errorLine) ([]*resultFile, error) {
	f := r.createResult(ctx, resultKey(r.batch.ID, models.KindError), models.KindError, "application/x-ndjson")
	if _, err := f.buf.Write(appendJSON(nil, line)); err != nil {
		f.w.Abort()
		return nil, fmt.Errorf("writing error file: %w", err)
	}
	if err := f.commit(); err != nil {
		return nil, err
	}
	return []*resultFile{f}, nil
}

// segmentRef is a registered segment.
type segmentRef struct {
	start   int64
	records int64
	key     string
	// data, when set, is the segment itself, held in memory (a batch
	// written in one transaction, see batch_single.go); key is then empty.
	data []byte
}

// segments lists the registered segments of the processed records, in order,
// and checks that they cover them without gap. A gap is filled from a
// segment of the previous version, which named segments by their first index
// alone and did not register them: a batch that was being processed when its
// process was replaced by this version keeps the results of its chunks.
func (r *batchRun) segments(ctx context.Context) ([]segmentRef, error) {
	b := r.batch
	rows, err := r.Pool.Query(ctx, `SELECT start, records, storage_key FROM batch_segments
		WHERE batch_id = $1 AND start < $2 ORDER BY start`, b.ID, b.ProcessedCount)
	if err != nil {
		return nil, fmt.Errorf("listing results of batch %s: %w", b.ID, err)
	}
	var registered []segmentRef
	var s segmentRef
	_, err = pgx.ForEachRow(rows, []any{&s.start, &s.records, &s.key}, func() error {
		registered = append(registered, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing results of batch %s: %w", b.ID, err)
	}
	var segs []segmentRef
	for next := int64(0); next < b.ProcessedCount; {
		if len(registered) > 0 && registered[0].start == next {
			segs = append(segs, registered[0])
			next += registered[0].records
			registered = registered[1:]
			continue
		}
		legacy, err := r.legacySegment(ctx, next)
		if err != nil {
			return nil, fmt.Errorf("results of batch %s: no segment at %d: %w", b.ID, next, err)
		}
		segs = append(segs, legacy)
		next += legacy.records
	}
	return segs, nil
}

// legacySegment finds the previous version's segment starting at start.
func (r *batchRun) legacySegment(ctx context.Context, start int64) (segmentRef, error) {
	key := fmt.Sprintf("tmp/batch/%s/%012d", r.batch.ID, start)
	rd, err := r.Store.OpenRange(ctx, key, 0, 64)
	if err != nil {
		return segmentRef{}, err
	}
	defer rd.Close()
	var n int64
	if _, err := fmt.Fscanf(rd, "%d", &n); err != nil || n <= 0 {
		return segmentRef{}, fmt.Errorf("bad header in %s", key)
	}
	return segmentRef{start: start, records: n, key: key}, nil
}

// errorLog writes error.log lines up to its bounds.
type errorLog struct {
	w     io.Writer
	lines int
	bytes int
}

// copyLines copies the error.log lines of one segment (n bytes of r).
func (e *errorLog) copyLines(r *bufio.Reader, n int64) error {
	if e.lines >= errorLogMaxLines {
		_, err := io.CopyN(io.Discard, r, n)
		return err
	}
	lr := bufio.NewReader(io.LimitReader(r, n))
	for {
		line, err := lr.ReadBytes('\n')
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return nil
		}
		if err != nil {
			return err
		}
		if e.lines >= errorLogMaxLines || e.bytes+len(line) > errorLogMaxBytes {
			continue
		}
		if _, err := e.w.Write(line); err != nil {
			return err
		}
		e.lines++
		e.bytes += len(line)
	}
}

// assemble concatenates the segments of the processed records into
// output.json, process.log and (when a record or the batch failed) error.log,
// ending error.log with the count of errors beyond its bounds and batchLine.
func (r *batchRun) assemble(ctx context.Context, batchLine *errorLine) ([]*resultFile, error) {
	segs, err := r.segments(ctx)
	if err != nil {
		return nil, err
	}
	return r.writeResults(ctx, segs, batchLine, func(kind models.FileKind) string { return resultKey(r.batch.ID, kind) })
}

// writeResults writes the result files of the batch from segs, which cover
// its processed records in order, under the keys key gives.
func (r *batchRun) writeResults(ctx context.Context, segs []segmentRef, batchLine *errorLine, key func(models.FileKind) string) ([]*resultFile, error) {
	b := r.batch
	kinds := []struct {
		kind models.FileKind
		ct   string
	}{{models.KindOutput, "application/json"}, {models.KindProcess, "application/x-ndjson"}}
	if b.FailedCount > 0 || batchLine != nil {
		kinds = append(kinds, struct {
			kind models.FileKind
			ct   string
		}{models.KindError, "application/x-ndjson"})
	}
	var files []*resultFile
	for _, k := range kinds {
		files = append(files, r.createResult(ctx, key(k.kind), k.kind, k.ct))
	}
	if err := r.fillResults(ctx, segs, batchLine, files); err != nil {
		abortResults(files)
		return nil, err
	}
	for _, s := range segs {
		if s.key != "" {
			r.assembled = append(r.assembled, s.key)
		}
	}
	return files, nil
}

// fillResults writes and commits files, the result files that writeResults
// created: output.json, process.log and, when there is one, error.log. They
// are committed in that order once all are written: a failure while
// writing leaves none committed, a failed commit those before it.
func (r *batchRun) fillResults(ctx context.Context, segs []segmentRef, batchLine *errorLine, files []*resultFile) error {
	b := r.batch
	out, proc := files[0].buf, files[1].buf
	errs := &errorLog{w: io.Discard}
	if len(files) > 2 {
		errs.w = files[2].buf
	}
	// output.json (with error.log's lines) and process.log, the largest
	// part, are written at once, each segment's layout passed from the one
	// to the other as it is read; error.log ends after them.
	g, gctx := errgroup.WithContext(ctx)
	layouts := make(chan segmentLayout, len(segs))
	g.Go(func() error {
		for _, s := range segs {
			l, ok := <-layouts
			if !ok {
				return nil // the output side failed, and says why
			}
			if err := r.copyPart(gctx, s, l.head+l.out, l.proc, proc); err != nil {
				return err
			}
		}
		return nil
	})
	g.Go(func() error {
		defer close(layouts)
		out.WriteByte('[')
		for _, s := range segs {
			if err := r.copyOutput(gctx, s, out, errs, layouts); err != nil {
				return err
			}
		}
		out.WriteString("]\n")
		return nil
	})
	if err := g.Wait(); err != nil {
		return err
	}
	// The failed records without a line: beyond the bounds, or beyond the
	// errorLogMaxLines of their chunk, which the bounds would leave out too.
	if more := b.FailedCount - int64(errs.lines); more > 0 {
		line := errorLine{Index: b.ProcessedCount, Message: fmt.Sprintf(
			"… %d more errors not listed (error.log lists the first %d; process.log has every record)", more, errs.lines)}
		if _, err := errs.w.Write(appendJSON(nil, line)); err != nil {
			return fmt.Errorf("writing error file: %w", err)
		}
	}
	if batchLine != nil {
		if _, err := errs.w.Write(appendJSON(nil, batchLine)); err != nil {
			return fmt.Errorf("writing error file: %w", err)
		}
	}
	for _, f := range files {
		if err := f.commit(); err != nil {
			return err
		}
	}
	return nil
}

// abortResults drops the result files that are still being written. A file
// committed already stays under its key, which the batch's next attempt
// writes over: another slice may have registered the file under that key.
func abortResults(files []*resultFile) {
	for _, f := range files {
		f.w.Abort()
	}
}

// segmentLayout is where the parts of a segment lie: the length of its
// header line and the sizes of its output.json, process.log and error.log parts.
type segmentLayout struct{ head, out, proc, errs int64 }

// openSegment reads n bytes of segment s from offset (n -1: to its end).
func (r *batchRun) openSegment(ctx context.Context, s segmentRef, offset, n int64) (io.ReadCloser, error) {
	if s.data != nil {
		end := int64(len(s.data))
		if n >= 0 {
			end = min(end, offset+n)
		}
		return io.NopCloser(bytes.NewReader(s.data[offset:end])), nil
	}
	rd, err := r.Store.OpenRange(ctx, s.key, offset, n)
	if err != nil {
		return nil, fmt.Errorf("reading results of chunk at %d: %w", s.start, err)
	}
	return rd, nil
}

// copyOutput appends the output.json and error.log parts of segment s,
// passing its layout on to layouts once its header is read.
func (r *batchRun) copyOutput(ctx context.Context, s segmentRef, out io.Writer, errs *errorLog, layouts chan<- segmentLayout) error {
	rd, err := r.openSegment(ctx, s, 0, -1)
	if err != nil {
		return err
	}
	defer rd.Close()
	size := 64 << 10
	if s.data != nil {
		size = min(size, len(s.data)+16) // a segment in memory needs no larger buffer
	}
	br := bufio.NewReaderSize(rd, size)
	head, err := br.ReadString('\n')
	if err != nil {
		return fmt.Errorf("reading results of chunk at %d: %w", s.start, err)
	}
	l := segmentLayout{head: int64(len(head))}
	var n int64
	if _, err := fmt.Sscanf(head, "%d %d %d %d\n", &n, &l.out, &l.proc, &l.errs); err != nil || n != s.records {
		return fmt.Errorf("reading results of chunk at %d: bad header %q", s.start, head)
	}
	layouts <- l
	if s.start > 0 {
		if _, err := io.WriteString(out, ","); err != nil {
			return err
		}
	}
	if _, err := io.CopyN(out, br, l.out); err != nil {
		return fmt.Errorf("copying results of chunk at %d: %w", s.start, err)
	}
	if l.errs == 0 {
		return nil
	}
	er, err := r.openSegment(ctx, s, l.head+l.out+l.proc, l.errs)
	if err != nil {
		return err
	}
	defer er.Close()
	if err := errs.copyLines(bufio.NewReader(er), l.errs); err != nil {
		return fmt.Errorf("copying results of chunk at %d: %w", s.start, err)
	}
	return nil
}

// copyPart appends n bytes of segment s from offset to w.
func (r *batchRun) copyPart(ctx context.Context, s segmentRef, offset, n int64, w io.Writer) error {
	rd, err := r.openSegment(ctx, s, offset, n)
	if err != nil {
		return err
	}
	defer rd.Close()
	if _, err := io.CopyN(w, rd, n); err != nil {
		return fmt.Errorf("copying results of chunk at %d: %w", s.start, err)
	}
	return nil
}

// deleteSegments removes the segments once the result files are registered.
// A failure leaves unreferenced objects under tmp/batch/<id>/, nothing more.
func (r *batchRun) deleteSegments(ctx context.Context) {
	keys := r.assembled
	rows, err := r.Pool.Query(ctx, "DELETE FROM batch_segments WHERE batch_id = $1 RETURNING storage_key", r.batch.ID)
	if err == nil {
		var registered []string
		registered, err = pgx.CollectRows(rows, pgx.RowTo[string])
		keys = append(keys, registered...)
	}
	if err != nil {
		r.Log.Warn("deleting result segments", "error", err)
	}
	for _, key := range slices.Compact(slices.Sorted(slices.Values(keys))) {
		if err := r.Store.Delete(ctx, key); err != nil {
			r.Log.Warn("deleting result segments", "error", err)
			return
		}
	}
}
