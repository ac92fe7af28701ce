// Package storage keeps file contents in a blob bucket (a local folder by
// default, or an S3-compatible bucket) under generated keys. User-supplied
// names never become storage paths; the files table maps names to keys.
//
// Small objects written through PutSmall or CreateSmall stay in memory and
// are kept in the database instead, by the transaction that registers them
// (key prefix "db/", table file_contents): see Object.Inline.
package storage

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// buckets
	_ "gocloud.dev/blob/memblob"  // mem:// buckets, for tests
	_ "gocloud.dev/blob/s3blob"   // s3:// buckets
	"gocloud.dev/gcerrors"
)

// ErrNotFound reports that no object exists under a key.
var ErrNotFound = errors.New("stored object not found")

// Store is the blob bucket holding every file's content.
type Store struct {
	bucket *blob.Bucket
	// s3Bucket names the S3 bucket ("" for other backends), for the
	// multipart uploads gocloud.dev does not list.
	s3Bucket string
	// dir is the folder of a file:// bucket ("" for other backends), whose
	// objects are flushed to disk before they are reported written (makeDurable).
	dir string
	// syncPath flushes a file or folder to disk (fsyncPath), writeback
	// starts writing a range of a file to disk (startWriteback); tests
	// watch both.
	syncPath  func(path string) error
	writeback func(f *os.File, offset, length int64)
	// db reads the contents of small objects kept in the database; nil
	// keeps every object in the bucket.
	db Querier
	// Counters set by Instrument; nil counts nothing.
	putBytes prometheus.Counter
	errors   *prometheus.CounterVec
}

// Querier runs a query returning one row: a pgxpool.Pool.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// InlineMaxBytes is the largest object PutSmall and CreateSmall keep in the
// database: a batch of a few hundred records, its output.json and its
// process.log.
const InlineMaxBytes = 64 << 10

// inlinePrefix starts the keys of objects kept in the database.
const inlinePrefix = "db/"

// IsInline reports whether key is that of an object kept in the database.
func IsInline(key string) bool { return strings.HasPrefix(key, inlinePrefix) }

// InlineKey is the key under which a small Writer created for key keeps
// its content in the database: "db/" and key's name.
func InlineKey(key string) string { return inlinePrefix + strings.TrimPrefix(key, "f/") }

// InsertContentSQL stores the contents of small objects, given as arrays of
// keys and data, in the transaction that registers their files (every
// writer of file_contents uses it).
const InsertContentSQL = `INSERT INTO file_contents (key, data)
	SELECT * FROM unnest($1::text[], $2::bytea[])
	ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data`

// ContentSQL is the SQL expression of the content of the object under the
// key that keyExpr, an SQL expression, gives: NULL unless it is kept in
// the database, so that a statement that finds a small file's key reads
// its content with it.
func ContentSQL(keyExpr string) string {
	return "(SELECT data FROM file_contents WHERE key = " + keyExpr + ")"
}

// Instrument registers the store's metrics: bytes of uploads written
// through Put, and failed storage operations by operation.
func (s *Store) Instrument(reg prometheus.Registerer) {
	s.putBytes = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "flowbatch_upload_bytes_total",
		Help: "Bytes of uploaded files and payloads stored by this process.",
	})
	s.errors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flowbatch_storage_errors_total",
		Help: "Storage operations that failed (a missing object is not a failure), by operation.",
	}, []string{"op"})
	reg.MustRegister(s.putBytes, s.errors)
}

// failed counts a failed operation and returns err.
func (s *Store) failed(op string, err error) error {
	if s.errors != nil {
		s.errors.WithLabelValues(op).Inc()
	}
	return err
}

// Object describes content written to the store.
type Object struct {
	Key    string
	Size   int64
	SHA256 string
	// Inline, when not nil, is the content of a small object kept in the
	// database (IsInline(Key)): nothing is stored yet, and the transaction
	// that registers the object's file must store it (InsertContentSQL).
	Inline []byte
}

// Open opens the bucket at rawURL (FLOWBATCH_STORAGE_URL). A local folder is
// created when missing. db, when not nil, is the database holding small
// objects (file_contents).
func Open(ctx context.Context, rawURL string, db Querier) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parsing storage URL: %w", err)
	}
	if u.Scheme == "file" {
		q := u.Query()
		q.Set("create_dir", "true")
		q.Set("no_tmp_dir", "true")
		q.Set("metadata", "skip")
		u.RawQuery = q.Encode()
	}
	bucket, err := blob.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("opening storage %s: %w", u.Scheme+"://"+u.Host+u.Path, err)
	}
	st := &Store{bucket: bucket, db: db, syncPath: fsyncPath, writeback: startWriteback}
	switch u.Scheme {
	case "s3":
		st.s3Bucket = u.Host
	case "file":
		// As fileblob reads it: a host of "." makes the path relative.
		dir := u.Path
		if u.Host == "." {
			dir = strings.TrimPrefix(dir, "/")
		}
		st.dir = filepath.Clean(filepath.FromSlash(dir))
		// The bucket's folder may just have been made, with its parents:
		// flush them all once, as makeDurable flushes what it makes.
		if err := st.syncUp(st.dir, ""); err != nil {
			_ = bucket.Close()
			return nil, fmt.Errorf("flushing storage folder %s to disk: %w", st.dir, err)
		}
	}
	return st, nil
}

// syncUp flushes dir and every folder above it, up to and including stop
// (or the root of the path when stop is not one of them).
func (s *Store) syncUp(dir, stop string) error {
	for ; ; dir = filepath.Dir(dir) {
		if err := s.syncPath(dir); err != nil {
			return err
		}
		if dir == stop || dir == filepath.Dir(dir) {
			return nil
		}
	}
}

// makeDurable makes the object under key durable in a file:// bucket, whose
// writes (a temporary file renamed into place) otherwise reach the disk
// only when the kernel gets to them: an object reported written, and
// registered by a committed transaction, could be missing or empty after a
// power cut. It flushes the file, then every folder from its own up to the
// bucket's, so that the file's name, and the names of folders made for it,
// last too. Other backends have an object durable once written.
func (s *Store) makeDurable(key string) error {
	if s.dir == "" {
		return nil
	}
	path := filepath.Join(s.dir, filepath.FromSlash(key))
	if err := s.syncPath(path); err != nil {
		return err
	}
	return s.syncUp(filepath.Dir(path), s.dir)
}

// fsyncPath flushes the file or folder at path to disk.
func fsyncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// NewKey returns a fresh storage key.
func NewKey() string { return "f/" + uuid.NewString() }

// Put streams r into a new object and returns its key, size and SHA-256. On
// any error nothing is left in the store.
func (s *Store) Put(ctx context.Context, r io.Reader, contentType string) (Object, error) {
	w, err := s.Create(ctx, NewKey(), contentType)
	if err != nil {
		return Object{}, err
	}
	return s.put(w, r)
}

// PutSmall is Put for content that the caller registers in a transaction
// that stores Object.Inline: content of up to InlineMaxBytes is kept in
// memory for the database, larger content goes to the bucket.
func (s *Store) PutSmall(ctx context.Context, r io.Reader, contentType string) (Object, error) {
	return s.put(s.CreateSmall(ctx, NewKey(), contentType), r)
}

func (s *Store) put(w *Writer, r io.Reader) (Object, error) {
	if _, err := io.Copy(w, r); err != nil {
		w.Abort()
		return Object{}, fmt.Errorf("writing object: %w", err)
	}
	obj, err := w.Commit()
	if err == nil && s.putBytes != nil {
		s.putBytes.Add(float64(obj.Size))
	}
	return obj, err
}

// Writer streams one object into the store, hashing what it writes. It
// gathers writes in a buffer and hashes what the buffer passes on to the
// bucket, a piece of up to writeBufferSize at a time.
type Writer struct {
	store *Store
	key   string
	// w is the bucket's writer; a small Writer opens it only once what it
	// was given outgrows mem.
	w      *blob.Writer
	ctx    context.Context
	opts   *blob.WriterOptions
	cancel context.CancelFunc
	out    hashedOut
	buf    *bufio.Writer // over out
	// small: the content is kept in mem while it fits InlineMaxBytes.
	small bool
	mem   []byte
}

// hashedOut writes to the bucket, hashing and counting what it writes. In
// a file:// bucket it also has the kernel start writing every writebackSize
// written to disk, so that the flush that ends a big object (makeDurable)
// finds little left to write: a 40 MB upload's flush took 50–90 ms after
// its last byte otherwise.
type hashedOut struct {
	w    io.Writer
	hash hash.Hash
	size int64
	// file is the file:// bucket's file being written, nil elsewhere.
	file *os.File
	// unsent is what was written since writeback last started on file.
	unsent    int64
	writeback func(f *os.File, offset, length int64)
}

// writebackSize is how much a file:// object is written before the kernel
// is asked to start writing it to disk.
const writebackSize = 8 << 20

func (o *hashedOut) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	o.hash.Write(p[:n])
	o.size += int64(n)
	if o.file != nil {
		if o.unsent += int64(n); o.unsent >= writebackSize {
			o.writeback(o.file, o.size-o.unsent, o.unsent)
			o.unsent = 0
		}
	}
	return n, err
}

// writeBufferSize is what a Writer gathers before it writes to the bucket:
// uploads arrive in pieces of a few KiB (a multipart part is read 4 KiB at
// a time), and a local bucket makes a system call of every write.
const writeBufferSize = 256 << 10

// writeBuffers keeps the Writers' buffers between objects, so that the many
// small objects of small batches do not each allocate one.
var writeBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBufferSize) }}

// Create starts writing an object under key. Call Commit to keep it or Abort to drop it.
func (s *Store) Create(ctx context.Context, key, contentType string) (*Writer, error) {
	sw := s.newWriter(ctx, key, contentType)
	if err := sw.open(); err != nil {
		sw.cancel()
		sw.releaseBuffer()
		return nil, err
	}
	return sw, nil
}

// CreateSmall is Create for an object that the caller registers in a
// transaction that stores Object.Inline: up to InlineMaxBytes, Commit
// returns the content, under the key "db/…" made of key, instead of
// writing it to the bucket. A store without a database writes every object
// to the bucket.
func (s *Store) CreateSmall(ctx context.Context, key, contentType string) *Writer {
	sw := s.newWriter(ctx, key, contentType)
	sw.small = s.db != nil
	return sw
}

// newWriter is a Writer of key whose bucket writer is not opened yet.
func (s *Store) newWriter(ctx context.Context, key, contentType string) *Writer {
	ctx, cancel := context.WithCancel(ctx)
	sw := &Writer{store: s, key: key, ctx: ctx, cancel: cancel, out: hashedOut{hash: sha256.New(), writeback: s.writeback}}
	sw.opts = &blob.WriterOptions{ContentType: contentType, DisableContentTypeDetection: contentType != ""}
	if s.dir != "" {
		// The file the object is written to, to have the kernel start
		// writing it to disk while it is written (hashedOut.Write).
		sw.opts.BeforeWrite = func(as func(any) bool) error {
			as(&sw.out.file)
			return nil
		}
	}
	sw.out.w = (*sink)(sw)
	sw.buf = writeBuffers.Get().(*bufio.Writer)
	sw.buf.Reset(&sw.out)
	return sw
}

// open opens the bucket's writer.
func (w *Writer) open() error {
	bw, err := w.store.bucket.NewWriter(w.ctx, w.key, w.opts)
	if err != nil {
		return w.store.failed("write", fmt.Errorf("creating object: %w", err))
	}
	w.w = bw
	return nil
}

// sink is where a Writer's hashed bytes go: the bucket's writer, or mem
// while a small Writer's content fits InlineMaxBytes.
type sink Writer

func (s *sink) Write(p []byte) (int, error) {
	w := (*Writer)(s)
	if w.w == nil {
		if w.small && len(w.mem)+len(p) <= InlineMaxBytes {
			w.mem = append(w.mem, p...)
			return len(p), nil
		}
		if err := w.open(); err != nil {
			return 0, err
		}
		if len(w.mem) > 0 {
			if _, err := w.w.Write(w.mem); err != nil {
				return 0, err
			}
			w.mem = nil
		}
	}
	return w.w.Write(p)
}

// Write implements io.Writer.
func (w *Writer) Write(p []byte) (int, error) { return w.buf.Write(p) }

// ReadFrom copies r into the object, reading into the Writer's buffer.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) { return w.buf.ReadFrom(r) }

// Buffer is the Writer's buffer, for a caller that writes in small pieces
// (WriteByte, WriteString); it is the Writer's until Commit or Abort.
func (w *Writer) Buffer() *bufio.Writer { return w.buf }

// Commit finishes the object and returns its description.
func (w *Writer) Commit() (Object, error) {
	defer w.cancel()
	err := w.buf.Flush()
	w.releaseBuffer()
	if err != nil {
		w.cancel() // closed after a cancel, the object is dropped
		if w.w != nil {
			_ = w.w.Close()
		}
		return Object{}, w.store.failed("write", fmt.Errorf("writing object: %w", err))
	}
	if w.w == nil && w.small {
		data := w.mem
		if data == nil {
			data = []byte{} // empty, and still kept in the database
		}
		return Object{Key: InlineKey(w.key), Size: w.out.size,
			SHA256: hex.EncodeToString(w.out.hash.Sum(nil)), Inline: data}, nil
	}
	if w.w == nil {
		// Nothing was written: an empty object.
		if err := w.open(); err != nil {
			return Object{}, err
		}
	}
	if err := w.w.Close(); err != nil {
		return Object{}, w.store.failed("write", fmt.Errorf("closing object: %w", err))
	}
	if err := w.store.makeDurable(w.key); err != nil {
		// Unregistered, the object is removed by the storage sweep if
		// this fails too.
		_ = w.store.bucket.Delete(context.Background(), w.key)
		return Object{}, w.store.failed("write", fmt.Errorf("flushing object to disk: %w", err))
	}
	return Object{Key: w.key, Size: w.out.size, SHA256: hex.EncodeToString(w.out.hash.Sum(nil))}, nil
}

// releaseBuffer returns the write buffer to the pool.
func (w *Writer) releaseBuffer() {
	if w.buf != nil {
		w.buf.Reset(nil)
		writeBuffers.Put(w.buf)
		w.buf = nil
	}
}

// Abort drops the object: cancelling the write before Close discards it.
// After Commit it does nothing.
func (w *Writer) Abort() {
	w.cancel()
	w.releaseBuffer()
	if w.w != nil {
		_ = w.w.Close()
	}
}

// Open reads a whole object.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.OpenRange(ctx, key, 0, -1)
}

// OpenRange reads length bytes of an object from offset (length -1: to the end).
func (s *Store) OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if IsInline(key) {
		data, err := s.inline(ctx, key)
		if err != nil {
			return nil, err
		}
		data = data[min(offset, int64(len(data))):]
		if length >= 0 && length < int64(len(data)) {
			data = data[:length]
		}
		return io.NopCloser(bytes.NewReader(data)), nil
	}
	r, err := s.bucket.NewRangeReader(ctx, key, offset, length, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("reading %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, s.failed("read", fmt.Errorf("reading %s: %w", key, err))
	}
	return r, nil
}

// pendingKey is the context key of WithPending.
type pendingKey struct{}

// WithPending returns a context in which reads of obj, a small object kept
// in the database whose registering transaction has not committed yet, see
// its content: a check made inside that transaction reads what it is about
// to store.
func WithPending(ctx context.Context, obj Object) context.Context {
	if obj.Inline == nil {
		return ctx
	}
	return context.WithValue(ctx, pendingKey{}, obj)
}

// inline reads the content of an object kept in the database.
func (s *Store) inline(ctx context.Context, key string) ([]byte, error) {
	if obj, ok := ctx.Value(pendingKey{}).(Object); ok && obj.Key == key {
		return obj.Inline, nil
	}
	if s.db == nil {
		return nil, fmt.Errorf("reading %s: no database for small objects", key)
	}
	var data []byte
	err := s.db.QueryRow(ctx, "SELECT data FROM file_contents WHERE key = $1", key).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("reading %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, s.failed("read", fmt.Errorf("reading %s: %w", key, err))
	}
	return data, nil
}

// Copy duplicates an object under a new key, always in the bucket, and
// returns the new key.
func (s *Store) Copy(ctx context.Context, srcKey string) (string, error) {
	if IsInline(srcKey) {
		data, err := s.inline(ctx, srcKey)
		if err != nil {
			return "", fmt.Errorf("copying %s: %w", srcKey, err)
		}
		obj, err := s.Put(ctx, bytes.NewReader(data), "")
		if err != nil {
			return "", fmt.Errorf("copying %s: %w", srcKey, err)
		}
		return obj.Key, nil
	}
	key := NewKey()
	err := s.bucket.Copy(ctx, key, srcKey, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return "", fmt.Errorf("copying %s: %w", srcKey, ErrNotFound)
	}
	if err != nil {
		return "", s.failed("copy", fmt.Errorf("copying %s: %w", srcKey, err))
	}
	if err := s.makeDurable(key); err != nil {
		_ = s.bucket.Delete(context.WithoutCancel(ctx), key)
		return "", s.failed("copy", fmt.Errorf("flushing copy of %s to disk: %w", srcKey, err))
	}
	return key, nil
}

// Delete removes an object; a missing object is not an error. An object
// kept in the database goes with its file's row, by the transaction that
// deletes it: Delete leaves it alone.
func (s *Store) Delete(ctx context.Context, key string) error {
	if IsInline(key) {
		return nil
	}
	err := s.bucket.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return s.failed("delete", fmt.Errorf("deleting %s: %w", key, err))
	}
	return nil
}

// Exists reports whether an object is stored under key.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if IsInline(key) {
		if s.db == nil {
			return false, fmt.Errorf("checking %s: no database for small objects", key)
		}
		var ok bool
		if err := s.db.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM file_contents WHERE key = $1)", key).Scan(&ok); err != nil {
			return false, fmt.Errorf("checking %s: %w", key, err)
		}
		return ok, nil
	}
	ok, err := s.bucket.Exists(ctx, key)
	if err != nil {
		return false, fmt.Errorf("checking %s: %w", key, err)
	}
	return ok, nil
}
