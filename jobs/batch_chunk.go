package jobs

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

// Record outcomes, as written to process.log.
const (
	statusFailed   = "failed"
	statusInserted = "inserted"
	statusUpdated  = "updated"
)

// recordFailure is why one record of a chunk was skipped.
type recordFailure struct {
	pos    int // position in the chunk
	line   int
	offset int64
	err    *ingest.FieldError
}

// chunk holds up to Deps.ChunkSize consecutive records of a batch, mapped. Its
// buffers are reused from one chunk to the next, so memory is bounded by the
// chunk, not by the payload.
type chunk struct {
	start int64 // batch index of the first record
	n     int   // records in the chunk, failed ones included

	// One entry per mapped record, in order.
	pos  []int    // position in the chunk
	ends []int    // end of the record's document in data
	keys []string // the record's key ("" without a key field)
	data []byte

	failures []recordFailure
	// failedBefore is how many records of the batch failed before this chunk.
	failedBefore int64

	// Results, one per position.
	ids    []uuid.UUID
	status []string

	// The chunk's segment of the result files (see buildSegment).
	out, proc, errs []byte
	// copyBuf holds the chunk's rows as a binary COPY stream (appendCopyRows).
	copyBuf []byte
}

func (c *chunk) reset(start int64) {
	c.start, c.n = start, 0
	c.pos, c.ends, c.keys, c.data = c.pos[:0], c.ends[:0], c.keys[:0], c.data[:0]
	c.failures, c.failedBefore = c.failures[:0], 0
}

// add maps rec into the chunk, or records why it failed.
func (c *chunk) add(m *ingest.Mapper, rec *ingest.Record) {
	before := len(c.data)
	out, key, err := m.Map(c.data, rec)
	if err == nil { // first, without errors.As, whose target would be allocated for every record
		c.data = out
		c.pos = append(c.pos, c.n)
		c.ends = append(c.ends, len(out))
		c.keys = append(c.keys, key)
		c.n++
		return
	}
	var ferr *ingest.FieldError
	switch {
	case errors.As(err, &ferr):
		c.data = c.data[:before]
		c.failures = append(c.failures, recordFailure{pos: c.n, line: rec.Line, offset: rec.Offset, err: ferr})
	default:
		c.data = c.data[:before]
		c.failures = append(c.failures, recordFailure{pos: c.n, line: rec.Line, offset: rec.Offset, err: &ingest.FieldError{Msg: err.Error()}})
	}
	c.n++
}

func (c *chunk) doc(i int) []byte {
	start := 0
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.data[start:c.ends[i]]
}

// insert maps and inserts the batch's records from its processed count on,
// one chunk per transaction, until all are done (done), a cancel request is
// seen at a chunk boundary (cancelled), or the slice's time is up.
func (r *batchRun) insert(ctx context.Context, sliceStart time.Time) (done, cancelled bool, err error) {
	m, err := r.mapper()
	if err != nil {
		return false, false, err
	}
	rd, in, err := r.openInput(ctx)
	if err != nil {
		return false, false, err
	}
	defer in.Close()
	// Plain inserts run in insertStreams transactions at once, each with its
	// own connection, so that PostgreSQL's COPY work uses more than one core;
	// their commits stay in chunk order (see commitChunk), so processed_count
	// remains the exact resume point. Upserts stay on one stream: two
	// transactions upserting the same keys could deadlock.
	streams := 1
	if r.flow.KeyField == "" {
		streams = cmp.Or(r.InsertStreams, DefaultInsertStreams)
	}
	conns := make([]*pgxpool.Conn, streams)
	for i := range conns {
		if conns[i], err = r.Pool.Acquire(ctx); err != nil {
			for _, c := range conns[:i] {
				c.Release()
			}
			return false, false, fmt.Errorf("acquiring a connection: %w", err)
		}
		defer conns[i].Release()
	}
	if r.flow.KeyField != "" {
		// The staging table lives as long as the connection and is emptied by every commit.
		if _, err := conns[0].Exec(ctx, stagingTableSQL); err != nil {
			return false, false, fmt.Errorf("creating staging table: %w", err)
		}
	}

	// One goroutine reads and maps the next chunk while the others insert:
	// the chunks' buffers take turns.
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	free, full := make(chan *chunk, streams+1), make(chan *chunk, 1)
	for range streams + 1 {
		free <- new(chunk)
	}
	readErr := make(chan error, 1)
	r.end = -1
	go func() {
		defer close(full)
		readErr <- r.readChunks(readCtx, rd, m, free, full)
	}()

	limit := r.batch.TotalCount
	if r.streamed {
		limit = math.MaxInt64
	}
	committed := r.batch.ProcessedCount
	var inFlight []*flight // in chunk order
	// settle waits for the oldest chunk in flight and takes its outcome.
	settle := func() {
		f := inFlight[0]
		inFlight = inFlight[1:]
		<-f.done
		if err == nil && !cancelled {
			err, cancelled = f.err, f.cancelled
		}
		if f.err == nil {
			committed = f.c.start + int64(f.c.n)
		}
		free <- f.c
	}
	var before *flight
	for n := 0; ; n++ {
		c, ok := <-full
		if !ok {
			break
		}
		f := &flight{c: c, done: make(chan struct{})}
		go func(conn *pgx.Conn, before *flight) {
			defer close(f.done)
			f.cancelled, f.err = r.commitChunk(ctx, conn, c, before)
		}(conns[n%streams].Conn(), before)
		inFlight, before = append(inFlight, f), f
		if len(inFlight) == streams {
			settle()
		}
		if err != nil || cancelled {
			break
		}
		if committed < limit && (time.Since(sliceStart) > cmp.Or(r.SliceBudget, DefaultSliceBudget) || r.stopping()) {
			break
		}
	}
	for len(inFlight) > 0 {
		settle()
	}
	stopReading()
	for range full { // let the reader see the stop
	}
	if rerr := <-readErr; err == nil && !errors.Is(rerr, context.Canceled) {
		err = rerr
	}
	if err != nil || cancelled {
		return false, cancelled, err
	}
	if r.streamed {
		return r.end >= 0 && r.batch.ProcessedCount == r.end, false, nil
	}
	return r.batch.ProcessedCount >= limit, false, nil
}

// DefaultInsertStreams is how many chunks of a batch without key field are
// inserted at once unless Deps.InsertStreams says otherwise.
const DefaultInsertStreams = 2

// InsertStreams is the number of insert streams of a process: setting when
// positive (FLOWBATCH_INSERT_STREAMS), else one per CPU core, since
// PostgreSQL copies one stream on one core, between DefaultInsertStreams and
// 8. The process sizes its connection pool for its workers' streams.
func InsertStreams(setting, cores int) int {
	if setting > 0 {
		return setting
	}
	return min(max(cores, DefaultInsertStreams), 8)
}

// flight is a chunk being committed by its own goroutine.
type flight struct {
	c         *chunk
	done      chan struct{} // closed when the chunk's transaction has ended
	cancelled bool
	err       error
}

// errEarlierChunkFailed ends the transaction of a chunk whose predecessor did not commit.
var errEarlierChunkFailed = errors.New("an earlier chunk did not commit")

// readChunks fills chunks taken from free with the records from the batch's
// processed count on and passes them to full, until the batch's total. A
// streamed batch's total is not known: it reads to the payload's end, then
// sets r.end to the number of records, and a payload fault is a
// *payloadFault (the chunks before it are passed on as usual).
func (r *batchRun) readChunks(ctx context.Context, rd ingest.Reader, m *ingest.Mapper, free <-chan *chunk, full chan<- *chunk) error {
	limit := r.batch.TotalCount
	if r.streamed {
		limit = math.MaxInt64
	}
	size := cmp.Or(r.ChunkSize, DefaultChunkSize)
	failed := r.batch.FailedCount
	// A fault before resumeAt is in records an earlier slice read without
	// one: the input changed, which is not the payload's fault.
	resumeAt := r.batch.ProcessedCount
	eof, seen := false, int64(0)
	for next := resumeAt; next < limit && !eof; {
		var c *chunk
		select {
		case c = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		c.reset(next)
		for c.start+int64(c.n) < limit && c.n < size {
			rec, err := rd.Next()
			if err != nil { // apart, so that errors.As's target is not allocated for every record
				var perr *ingest.PayloadError
				switch {
				case r.streamed && errors.Is(err, io.EOF):
					eof = true
				case r.streamed && errors.As(err, &perr) && int64(perr.Index) >= resumeAt:
					return &payloadFault{perr: perr}
				case errors.Is(err, io.EOF), errors.As(err, &perr):
					return permanent("the input changed after it was validated")
				default:
					return fmt.Errorf("reading input of batch %s: %w", r.batch.ID, err)
				}
				break
			}
			seen++
			if int64(rec.Index) < c.start {
				continue // done by an earlier attempt
			}
			c.add(m, rec)
		}
		next += int64(c.n)
		if eof && seen != next {
			return permanent("the input changed after it was validated") // it ends before the saved progress
		}
		if eof && c.n == 0 {
			r.end = next
			return nil
		}
		c.failedBefore, failed = failed, failed+int64(len(c.failures))
		select {
		case full <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		if eof {
			r.end = next
		}
	}
	return nil
}

// commitChunk inserts the chunk's records, writes its segment of results and
// saves the batch's progress in one transaction. It reports whether a cancel
// was requested. With before set (the chunk ahead of this one, in flight on
// another connection), it inserts at once but saves progress and commits only
// after before has committed, and not at all if before failed or was cancelled.
//
// Progress is saved only while the slice owns the batch and the batch's
// progress is where the chunk starts; only then is the segment stored (under
// a key of the slice's own) and registered in batch_segments, in the same
// transaction. A slice that stalled and was taken over therefore fails
// before writing anything another attempt could read.
func (r *batchRun) commitChunk(ctx context.Context, conn *pgx.Conn, c *chunk, before *flight) (cancelled bool, err error) {
	began := time.Now()
	tx, err := beginTx(ctx, conn)
	if err != nil {
		return false, fmt.Errorf("beginning chunk at %d: %w", c.start, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	inserted, updated, err := r.writeChunkTx(ctx, tx, c)
	if err != nil {
		return false, err
	}
	if before != nil {
		select {
		case <-before.done:
		case <-ctx.Done():
			return false, ctx.Err()
		}
		if before.err != nil || before.cancelled {
			return false, errEarlierChunkFailed
		}
	}
	err = tx.QueryRow(ctx, `UPDATE batches SET processed_count = $3, inserted_count = inserted_count + $4,
		updated_count = updated_count + $5, failed_count = failed_count + $6,
		cancel_requested_at = coalesce(cancel_requested_at, `+cancelRequestSQL+`), updated_at = now()
		WHERE id = $1 AND status = 'PROCESSING' AND owner = $7 AND processed_count = $2
		RETURNING cancel_requested_at IS NOT NULL`,
		r.batch.ID, c.start, c.start+int64(c.n), inserted, updated, len(c.failures), r.owner).Scan(&cancelled)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, errNotOwner
	}
	if err != nil {
		return false, fmt.Errorf("saving progress of batch %s: %w", r.batch.ID, err)
	}
	key := segmentKey(r.batch.ID, c.start, r.owner)
	if err := r.storeSegment(ctx, key, c); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO batch_segments (batch_id, start, records, storage_key) VALUES ($1, $2, $3, $4)`,
		r.batch.ID, c.start, c.n, key); err != nil {
		return false, fmt.Errorf("registering results of chunk at %d: %w", c.start, err)
	}
	if now := time.Now(); cancelled || now.Sub(r.lastNotify) >= notifyInterval {
		if err := notifyTx(ctx, tx, r.batch); err != nil {
			return false, err
		}
		r.lastNotify = now
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("committing chunk at %d: %w", c.start, err)
	}
	r.batch.ProcessedCount = c.start + int64(c.n)
	r.Metrics.chunkCommitted(inserted, updated, int64(len(c.failures)), time.Since(began))
	return cancelled, nil
}

// writeChunkTx inserts the chunk's records (upserts them, by the flow's
// key, from the connection's staging table) and saves its failures in tx,
// then builds its segment of results; it reports how many records were
// inserted and updated.
func (r *batchRun) writeChunkTx(ctx context.Context, tx pgx.Tx, c *chunk) (inserted, updated int64, err error) {
	c.ids = resize(c.ids, c.n)
	c.status = resize(c.status, c.n)
	for _, f := range c.failures {
		c.ids[f.pos], c.status[f.pos] = uuid.Nil, statusFailed
	}
	if r.flow.KeyField == "" {
		err = r.copyRecords(ctx, tx, c)
	} else {
		err = r.upsertRecords(ctx, tx, c)
	}
	if err != nil {
		return 0, 0, err
	}
	inserted, updated = c.counts()
	if err := r.saveFailures(ctx, tx, c); err != nil {
		return 0, 0, err
	}
	c.buildSegment()
	return inserted, updated, nil
}

// counts returns how many of the chunk's records were inserted and updated.
func (c *chunk) counts() (inserted, updated int64) {
	for i := range c.n {
		switch c.status[i] {
		case statusInserted:
			inserted++
		case statusUpdated:
			updated++
		}
	}
	return inserted, updated
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// copyRecords inserts the chunk's mapped records with COPY.
func (r *batchRun) copyRecords(ctx context.Context, tx pgx.Tx, c *chunk) error {
	for _, p := range c.pos {
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("making record id: %w", err)
		}
		c.ids[p], c.status[p] = id, statusInserted
	}
	b := r.batch
	c.copyBuf = c.appendCopyRows(c.copyBuf[:0], nil, b.AccountID, *b.FlowID, b.ID)
	_, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(c.copyBuf),
		"COPY records (id, account_id, flow_id, batch_id, batch_index, key, data) FROM STDIN BINARY")
	if err != nil {
		return fmt.Errorf("copying chunk at %d: %w", c.start, err)
	}
	return nil
}

// pgUUID wraps id for pgx's binary UUID encoding; a uuid.UUID would go
// through its driver.Valuer text form, which costs COPY about a quarter of
// the worker's time.
func pgUUID(id uuid.UUID) pgtype.UUID { return pgtype.UUID{Bytes: id, Valid: true} }

// copyHeader starts a binary COPY stream: its signature, flags and header
// extension length (PostgreSQL's COPY documentation, "Binary Format").
const copyHeader = "PGCOPY\n\xff\r\n\x00" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00"

// appendCopyRows appends the chunk's mapped records (those marked in only,
// when set) as a binary COPY stream: per row its UUID, the constant UUIDs
// consts (the records table's account, flow and batch), its batch index,
// its key (NULL without one) and its document as jsonb (version 1, then the
// text). Written by hand rather than through pgx's CopyFrom, which looks up
// an encoding plan and boxes each value into an interface: 14 % of the
// server's CPU in a 192k batch's profile.
func (c *chunk) appendCopyRows(buf []byte, only []bool, consts ...uuid.UUID) []byte {
	buf = append(buf, copyHeader...)
	fields := uint16(4 + len(consts))
	for i, p := range c.pos {
		if only != nil && !only[i] {
			continue
		}
		buf = binary.BigEndian.AppendUint16(buf, fields)
		buf = binary.BigEndian.AppendUint32(buf, 16)
		buf = append(buf, c.ids[p][:]...)
		for _, id := range consts {
			buf = binary.BigEndian.AppendUint32(buf, 16)
			buf = append(buf, id[:]...)
		}
		buf = binary.BigEndian.AppendUint32(buf, 8)
		buf = binary.BigEndian.AppendUint64(buf, uint64(c.start+int64(p)))
		if k := c.keys[i]; k == "" {
			buf = binary.BigEndian.AppendUint32(buf, math.MaxUint32) // -1: NULL
		} else {
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(k)))
			buf = append(buf, k...)
		}
		doc := c.doc(i)
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(doc)+1))
		buf = append(buf, 1) // jsonb version
		buf = append(buf, doc...)
	}
	return binary.BigEndian.AppendUint16(buf, math.MaxUint16) // trailer: -1
}

// upsertSQL moves the staged records into the flow, updating those whose key
// exists. Rows are taken in key order so that concurrent batches on one flow
// lock keys in the same order.
const upsertSQL = `INSERT INTO records (id, account_id, flow_id, batch_id, batch_index, key, data)
	SELECT id, $1, $2, $3, batch_index, key, data FROM records_staging ORDER BY key
	ON CONFLICT (flow_id, key) WHERE key IS NOT NULL DO UPDATE
	SET batch_id = EXCLUDED.batch_id, batch_index = EXCLUDED.batch_index, data = EXCLUDED.data, updated_at = now()
	RETURNING id, batch_index, xmax = 0`

// upsertRecords inserts or updates the chunk's mapped records by key through
// the staging table. When a key occurs more than once in the chunk, the last
// record's data is stored, as if the records were applied in order: the
// first occurrence counts as inserted (or updated when the key existed
// before), later ones as updated, and all get the record's UUID.
func (r *batchRun) upsertRecords(ctx context.Context, tx pgx.Tx, c *chunk) error {
	last := make(map[string]int, len(c.pos))
	for i, k := range c.keys {
		last[k] = i
	}
	only := make([]bool, len(c.pos))
	for _, i := range last {
		only[i] = true
	}
	for i, p := range c.pos {
		if only[i] {
			id, err := uuid.NewV7()
			if err != nil {
				return fmt.Errorf("making record id: %w", err)
			}
			c.ids[p] = id
		}
	}
	c.copyBuf = c.appendCopyRows(c.copyBuf[:0], only)
	_, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(c.copyBuf), "COPY records_staging (id, batch_index, key, data) FROM STDIN BINARY")
	if err != nil {
		return fmt.Errorf("staging chunk at %d: %w", c.start, err)
	}
	rows, err := tx.Query(ctx, upsertSQL, r.batch.AccountID, *r.batch.FlowID, r.batch.ID)
	if err != nil {
		return fmt.Errorf("upserting chunk at %d: %w", c.start, err)
	}
	var (
		id       pgtype.UUID
		index    int64
		inserted bool
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &index, &inserted}, func() error {
		p := int(index - c.start)
		c.ids[p] = id.Bytes
		if inserted {
			c.status[p] = statusInserted
		} else {
			c.status[p] = statusUpdated
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("upserting chunk at %d: %w", c.start, err)
	}
	// Give earlier occurrences of a key the outcome of the key's first record
	// and the UUID of its last.
	first := make(map[string]bool, len(last))
	for i, p := range c.pos {
		k := c.keys[i]
		lp := c.pos[last[k]]
		c.ids[p] = c.ids[lp]
		if !first[k] {
			first[k] = true
			c.status[p] = c.status[lp]
		} else {
			c.status[p] = statusUpdated
		}
	}
	return nil
}
