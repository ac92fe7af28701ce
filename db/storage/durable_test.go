package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// syncLog records what a Store flushes to disk, and flushes it, and the
// ranges it has the kernel start writing.
type syncLog struct {
	mu     sync.Mutex
	paths  []string
	fail   error
	ranges [][2]int64
	files  []string
}

func (l *syncLog) writeback(f *os.File, offset, length int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ranges = append(l.ranges, [2]int64{offset, length})
	l.files = append(l.files, f.Name())
	startWriteback(f, offset, length)
}

func (l *syncLog) sync(path string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return l.fail
	}
	l.paths = append(l.paths, path)
	return fsyncPath(path)
}

func (l *syncLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.paths
	l.paths = nil
	return p
}

// watchedStore opens a file:// bucket at rawURL whose flushes are recorded.
func watchedStore(t *testing.T, rawURL string) (*Store, *syncLog) {
	t.Helper()
	s, err := Open(context.Background(), rawURL, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	l := &syncLog{}
	s.syncPath, s.writeback = l.sync, l.writeback
	return s, l
}

// A local bucket's object is on disk before it is reported written: the
// file, then its folder and every folder up to the bucket's, so that a
// transaction that registers it never refers to a file a power cut can take.
func TestLocalObjectsAreFlushedBeforeTheyAreReported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "files")
	s, l := watchedStore(t, "file://"+root)

	obj, err := s.Put(ctx, strings.NewReader("payload"), "text/plain")
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Join(root, "f", obj.Key[len("f/"):]), filepath.Join(root, "f"), root}, l.take())

	w, err := s.Create(ctx, "tmp/batch/b1/000000000000-o", "application/octet-stream")
	require.NoError(t, err)
	_, err = w.Write([]byte("segment"))
	require.NoError(t, err)
	_, err = w.Commit()
	require.NoError(t, err)
	require.Equal(t, []string{
		filepath.Join(root, "tmp", "batch", "b1", "000000000000-o"),
		filepath.Join(root, "tmp", "batch", "b1"),
		filepath.Join(root, "tmp", "batch"),
		filepath.Join(root, "tmp"),
		root,
	}, l.take(), "the folders made for the object are flushed too")

	key, err := s.Copy(ctx, obj.Key)
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Join(root, filepath.FromSlash(key)), filepath.Join(root, "f"), root}, l.take())

	w, err = s.Create(ctx, NewKey(), "text/plain")
	require.NoError(t, err)
	w.Abort()
	require.Empty(t, l.take(), "nothing is flushed for an object dropped")
}

// The default bucket, file://./data/files, is a folder relative to the
// working directory: the flushes stop at it.
func TestRelativeLocalBucketFlushesWithinItself(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s, l := watchedStore(t, "file://./data/files")
	obj, err := s.Put(context.Background(), strings.NewReader("payload"), "")
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Join("data", "files", filepath.FromSlash(obj.Key)), filepath.Join("data", "files", "f"),
		filepath.Join("data", "files")}, l.take())
}

// An object that cannot be flushed is an error and is not left behind.
func TestLocalObjectNotFlushedIsNotKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "files")
	s, l := watchedStore(t, "file://"+root)
	l.fail = errors.New("input/output error")

	_, err := s.Put(ctx, strings.NewReader("payload"), "text/plain")
	require.ErrorContains(t, err, "flushing object to disk")
	entries, err := os.ReadDir(filepath.Join(root, "f"))
	require.NoError(t, err)
	require.Empty(t, entries)
}

// Other backends keep an object durable once written: nothing to flush.
func TestMemoryBucketFlushesNothing(t *testing.T) {
	t.Parallel()
	s, l := watchedStore(t, "mem://")
	_, err := s.Put(context.Background(), strings.NewReader("payload"), "text/plain")
	require.NoError(t, err)
	require.Empty(t, l.take())
}

// A big object in a local bucket is sent to the disk while it is written,
// writebackSize at a time, so that its final flush finds little to write.
func TestLocalObjectIsWrittenBackWhileWritten(t *testing.T) {
	t.Parallel()
	root := filepath.Join(t.TempDir(), "files")
	s, l := watchedStore(t, "file://"+root)
	w, err := s.Create(context.Background(), NewKey(), "application/octet-stream")
	require.NoError(t, err)
	piece := make([]byte, 100_000)
	for range 2*writebackSize/len(piece) + 40 {
		_, err := w.Write(piece)
		require.NoError(t, err)
	}
	obj, err := w.Commit()
	require.NoError(t, err)
	require.Greater(t, obj.Size, int64(2*writebackSize))
	require.Equal(t, [][2]int64{{0, writebackSize}, {writebackSize, writebackSize}}, l.ranges)
	for _, name := range l.files {
		require.Equal(t, filepath.Join(root, "f"), filepath.Dir(name), "the object's own file")
	}

	m, ml := watchedStore(t, "mem://")
	w, err = m.Create(context.Background(), NewKey(), "application/octet-stream")
	require.NoError(t, err)
	_, err = w.Write(make([]byte, 2*writebackSize))
	require.NoError(t, err)
	_, err = w.Commit()
	require.NoError(t, err)
	require.Empty(t, ml.ranges, "other backends have no file to write back")
}
