package jobs

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
)

// A segment holds one chunk's part of the result files. It is written to
// storage under a key derived from the batch and the chunk's first index
// before the chunk commits (a retried chunk overwrites it), so the results of
// committed chunks survive a crash; the files are assembled from the
// segments when the batch ends. Layout: a header line
// "<records> <output bytes> <process bytes> <error bytes>\n", then the three
// parts: output.json entries joined by commas, process.log lines, error.log lines.

func segmentKey(batchID uuid.UUID, start int64) string {
	return fmt.Sprintf("tmp/batch/%s/%012d", batchID, start)
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

// writeSegment stores the chunk's results.
func (r *batchRun) writeSegment(ctx context.Context, c *chunk) error {
	out := make([]byte, 0, c.n*39)
	proc := make([]byte, 0, c.n*90)
	var errs []byte
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
			msg, _ := json.Marshal(f.err.Error())
			proc = append(proc, `null,"error":`...)
			proc = append(proc, msg...)
			line, _ := json.Marshal(errorLine{Index: index, Line: f.line, Offset: f.offset, Field: f.err.Field, Value: f.err.Value, Message: f.err.Msg})
			errs = append(append(errs, line...), '\n')
		} else {
			out = appendUUID(out, c.ids[p])
			proc = appendUUID(proc, c.ids[p])
			proc = append(proc, `,"error":null`...)
		}
		proc = append(proc, "}\n"...)
	}
	w, err := r.Store.Create(ctx, segmentKey(r.batch.ID, c.start), "application/octet-stream")
	if err != nil {
		return err
	}
	head := fmt.Sprintf("%d %d %d %d\n", c.n, len(out), len(proc), len(errs))
	for _, part := range [][]byte{[]byte(head), out, proc, errs} {
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
}

// resultFile is a result file being written.
type resultFile struct {
	kind        models.FileKind
	contentType string
	w           *storage.Writer
	buf         *bufio.Writer
	obj         storage.Object
}

func (r *batchRun) createResult(ctx context.Context, kind models.FileKind, contentType string) (*resultFile, error) {
	w, err := r.Store.Create(ctx, resultKey(r.batch.ID, kind), contentType)
	if err != nil {
		return nil, err
	}
	return &resultFile{kind: kind, contentType: contentType, w: w, buf: bufio.NewWriterSize(w, 256<<10)}, nil
}

func (f *resultFile) commit() error {
	if err := f.buf.Flush(); err != nil {
		f.w.Abort()
		return fmt.Errorf("writing %s file: %w", f.kind, err)
	}
	obj, err := f.w.Commit()
	if err != nil {
		return fmt.Errorf("writing %s file: %w", f.kind, err)
	}
	f.obj = obj
	return nil
}

// finish writes the batch's result files and, in one transaction, registers
// them, sets the final status and completes the job.
func (r *batchRun) finish(ctx context.Context, o outcome) error {
	b, err := scanBatch(r.Pool.QueryRow(ctx, "SELECT "+batchColumns+" FROM batches WHERE id = $1", r.batch.ID))
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
		status, msg = models.StatusError, "cancelled"
		batchLine = &errorLine{Index: b.ProcessedCount, Message: msg}
	}

	var files []*resultFile
	filesStart := time.Now()
	defer func() { r.Log.Debug("wrote batch files", "batch_id", b.ID, "duration", time.Since(filesStart)) }()
	if o.payload == nil {
		files, err = r.assemble(ctx, batchLine)
	} else {
		files, err = r.writeErrorOnly(ctx, batchLine)
	}
	if err != nil {
		return err
	}

	tx, err := r.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("finishing batch %s: %w", b.ID, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	for _, f := range files {
		_, err := tx.Exec(ctx, `INSERT INTO files (account_id, folder, name, size, content_type, sha256, storage_key, batch_id, kind)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (batch_id, kind) WHERE batch_id IS NOT NULL DO UPDATE
			SET size = EXCLUDED.size, sha256 = EXCLUDED.sha256, storage_key = EXCLUDED.storage_key, updated_at = now()`,
			b.AccountID, b.Folder(), b.FileName(f.kind), f.obj.Size, f.contentType, f.obj.SHA256, f.obj.Key, b.ID, string(f.kind))
		if err != nil {
			return fmt.Errorf("registering %s file of batch %s: %w", f.kind, b.ID, err)
		}
	}
	b, err = scanBatch(tx.QueryRow(ctx, `UPDATE batches SET status = $2, error_message = $3, finished_at = now(), updated_at = now()
		WHERE id = $1 AND status = 'PROCESSING' RETURNING `+batchColumns, b.ID, string(status), msg))
	if err != nil {
		return fmt.Errorf("finishing batch %s: %w", r.batch.ID, err)
	}
	if err := notifyTx(ctx, tx, b); err != nil {
		return err
	}
	if err := enqueueBatchWebhooksTx(ctx, tx, b); err != nil {
		return err
	}
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, r.job); err != nil {
		return fmt.Errorf("completing job of batch %s: %w", b.ID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("finishing batch %s: %w", b.ID, err)
	}
	r.batch = b
	r.Metrics.batchEnded(b)
	r.deleteSegments(context.WithoutCancel(ctx))
	return nil
}

// writeErrorOnly writes error.log with the one line of a batch-level fault.
func (r *batchRun) writeErrorOnly(ctx context.Context, line *errorLine) ([]*resultFile, error) {
	f, err := r.createResult(ctx, models.KindError, "application/x-ndjson")
	if err != nil {
		return nil, err
	}
	if err := json.NewEncoder(f.buf).Encode(line); err != nil {
		f.w.Abort()
		return nil, fmt.Errorf("writing error file: %w", err)
	}
	if err := f.commit(); err != nil {
		return nil, err
	}
	return []*resultFile{f}, nil
}

// assemble concatenates the segments of the processed records into
// output.json, process.log and (when a record or the batch failed) error.log.
func (r *batchRun) assemble(ctx context.Context, batchLine *errorLine) (files []*resultFile, err error) {
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
	for _, k := range kinds {
		f, err := r.createResult(ctx, k.kind, k.ct)
		if err != nil {
			for _, f := range files {
				f.w.Abort()
			}
			return nil, err
		}
		files = append(files, f)
	}
	defer func() {
		if err != nil {
			for _, f := range files {
				f.w.Abort()
			}
		}
	}()
	out, proc := files[0].buf, files[1].buf
	var errs io.Writer = io.Discard
	if len(files) > 2 {
		errs = files[2].buf
	}
	out.WriteByte('[')
	for start := int64(0); start < b.ProcessedCount; {
		n, err := r.copySegment(ctx, start, out, proc, errs)
		if err != nil {
			return nil, err
		}
		start += n
	}
	out.WriteString("]\n")
	if batchLine != nil {
		if err := json.NewEncoder(errs).Encode(batchLine); err != nil {
			return nil, fmt.Errorf("writing error file: %w", err)
		}
	}
	for _, f := range files {
		if err := f.commit(); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// copySegment appends the segment of the chunk starting at start to the
// result files and returns its number of records.
func (r *batchRun) copySegment(ctx context.Context, start int64, out, proc, errs io.Writer) (int64, error) {
	rd, err := r.Store.Open(ctx, segmentKey(r.batch.ID, start))
	if err != nil {
		return 0, fmt.Errorf("reading results of chunk at %d: %w", start, err)
	}
	defer rd.Close()
	br := bufio.NewReaderSize(rd, 64<<10)
	head, err := br.ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("reading results of chunk at %d: %w", start, err)
	}
	var n, outLen, procLen, errLen int64
	if _, err := fmt.Sscanf(head, "%d %d %d %d\n", &n, &outLen, &procLen, &errLen); err != nil || n <= 0 {
		return 0, fmt.Errorf("reading results of chunk at %d: bad header %q", start, head)
	}
	if start > 0 {
		if _, err := io.WriteString(out, ","); err != nil {
			return 0, err
		}
	}
	for _, part := range []struct {
		w io.Writer
		n int64
	}{{out, outLen}, {proc, procLen}, {errs, errLen}} {
		if _, err := io.CopyN(part.w, br, part.n); err != nil {
			return 0, fmt.Errorf("copying results of chunk at %d: %w", start, err)
		}
	}
	return n, nil
}

// deleteSegments removes the segments once the result files are registered.
// A failure leaves unreferenced objects under tmp/batch/<id>/, nothing more.
func (r *batchRun) deleteSegments(ctx context.Context) {
	for start := int64(0); start < r.batch.ProcessedCount; {
		key := segmentKey(r.batch.ID, start)
		rd, err := r.Store.OpenRange(ctx, key, 0, 64)
		if err != nil {
			r.Log.Warn("deleting result segments", "batch_id", r.batch.ID, "error", err)
			return
		}
		var n int64
		_, err = fmt.Fscanf(rd, "%d", &n)
		_ = rd.Close()
		if err != nil || n <= 0 {
			r.Log.Warn("deleting result segments", "batch_id", r.batch.ID, "key", key)
			return
		}
		if err := r.Store.Delete(ctx, key); err != nil {
			r.Log.Warn("deleting result segments", "batch_id", r.batch.ID, "error", err)
			return
		}
		start += n
	}
}
