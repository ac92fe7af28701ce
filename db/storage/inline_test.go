package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/db/dbtest"
	"github.com/flowbatch/flowbatch/db/storage"
)

// inlineBundle is a store with a database for small objects, and an account
// to register files under.
type inlineBundle struct {
	tdb     *dbtest.DB
	store   *storage.Store
	dir     string
	account string
}

func setupInline(t *testing.T) *inlineBundle {
	t.Helper()
	ctx := context.Background()
	tdb := dbtest.New(t)
	dir := t.TempDir()
	store, err := storage.Open(ctx, "file://"+dir, tdb.Pool)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	b := &inlineBundle{tdb: tdb, store: store, dir: dir}
	require.NoError(t, tdb.Pool.QueryRow(ctx, "INSERT INTO accounts (name) VALUES ('inline') RETURNING id::text").Scan(&b.account))
	return b
}

// register adds a file row for obj and stores its content, in one transaction.
func (b *inlineBundle) register(t *testing.T, name string, obj storage.Object) {
	t.Helper()
	ctx := context.Background()
	tx, err := b.tdb.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	_, err = tx.Exec(ctx, "INSERT INTO files (account_id, name, size, storage_key) VALUES ($1, $2, $3, $4)", b.account, name, obj.Size, obj.Key)
	require.NoError(t, err)
	if obj.Inline != nil {
		_, err = tx.Exec(ctx, storage.InsertContentSQL, []string{obj.Key}, [][]byte{obj.Inline})
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit(ctx))
}

// bucketFiles counts the files in the bucket's folder.
func (b *inlineBundle) bucketFiles(t *testing.T) int {
	t.Helper()
	n := 0
	require.NoError(t, filepath.WalkDir(b.dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	}))
	return n
}

// read reads length bytes of the object under key from offset.
func read(ctx context.Context, t *testing.T, s *storage.Store, key string, offset, length int64) string {
	t.Helper()
	r, err := s.OpenRange(ctx, key, offset, length)
	require.NoError(t, err)
	defer r.Close()
	data, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(data)
}

func TestSmallObjectsAreKeptInTheDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupInline(t)
	s := b.store

	content := "small and kept with its row"
	obj, err := s.PutSmall(ctx, strings.NewReader(content), "text/plain")
	require.NoError(t, err)
	require.True(t, storage.IsInline(obj.Key), obj.Key)
	require.Equal(t, content, string(obj.Inline))
	require.EqualValues(t, len(content), obj.Size)
	sum := sha256.Sum256([]byte(content))
	require.Equal(t, hex.EncodeToString(sum[:]), obj.SHA256)
	require.Zero(t, b.bucketFiles(t), "nothing written to the bucket")

	// Before its transaction commits, only a context that holds it sees it.
	_, err = s.Open(ctx, obj.Key)
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.Equal(t, content, read(storage.WithPending(ctx, obj), t, s, obj.Key, 0, -1))

	b.register(t, "small.txt", obj)
	require.Equal(t, content, read(ctx, t, s, obj.Key, 0, -1))
	require.Equal(t, content[6:9], read(ctx, t, s, obj.Key, 6, 3))
	require.Equal(t, content[20:], read(ctx, t, s, obj.Key, 20, 1000))
	require.Empty(t, read(ctx, t, s, obj.Key, 1000, -1))
	ok, err := s.Exists(ctx, obj.Key)
	require.NoError(t, err)
	require.True(t, ok)

	// A copy goes to the bucket.
	copied, err := s.Copy(ctx, obj.Key)
	require.NoError(t, err)
	require.False(t, storage.IsInline(copied))
	require.Equal(t, content, read(ctx, t, s, copied, 0, -1))
	require.Equal(t, 1, b.bucketFiles(t))

	// Delete leaves it to the row; deleting the row removes it.
	require.NoError(t, s.Delete(ctx, obj.Key))
	require.Equal(t, content, read(ctx, t, s, obj.Key, 0, -1))
	_, err = b.tdb.Pool.Exec(ctx, "DELETE FROM files WHERE storage_key = $1", obj.Key)
	require.NoError(t, err)
	ok, err = s.Exists(ctx, obj.Key)
	require.NoError(t, err)
	require.False(t, ok)

	// A row given another key lets its content go.
	again, err := s.PutSmall(ctx, strings.NewReader(content), "text/plain")
	require.NoError(t, err)
	b.register(t, "again.txt", again)
	_, err = b.tdb.Pool.Exec(ctx, "UPDATE files SET storage_key = 'f/elsewhere' WHERE storage_key = $1", again.Key)
	require.NoError(t, err)
	var left int
	require.NoError(t, b.tdb.Pool.QueryRow(ctx, "SELECT count(*) FROM file_contents").Scan(&left))
	require.Zero(t, left)

	// Content that no file row holds is refused at commit.
	orphan, err := s.PutSmall(ctx, strings.NewReader(content), "text/plain")
	require.NoError(t, err)
	_, err = b.tdb.Pool.Exec(ctx, storage.InsertContentSQL, []string{orphan.Key}, [][]byte{orphan.Inline})
	require.ErrorContains(t, err, "foreign key")
}

func TestPutSmallSpillsToTheBucketOverTheLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupInline(t)

	for _, tc := range []struct {
		name   string
		size   int
		inline bool
	}{
		{"empty", 0, true},
		{"at the limit", storage.InlineMaxBytes, true},
		{"one over", storage.InlineMaxBytes + 1, false},
		{"several buffers over", 3 << 20, false},
	} {
		content := bytes.Repeat([]byte("0123456789abcdef"), tc.size/16+1)[:tc.size]
		obj, err := b.store.PutSmall(ctx, bytes.NewReader(content), "application/octet-stream")
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.inline, storage.IsInline(obj.Key), tc.name)
		require.Equal(t, tc.inline, obj.Inline != nil, tc.name)
		require.EqualValues(t, tc.size, obj.Size, tc.name)
		sum := sha256.Sum256(content)
		require.Equal(t, hex.EncodeToString(sum[:]), obj.SHA256, tc.name)
		b.register(t, tc.name, obj)
		require.Equal(t, string(content), read(ctx, t, b.store, obj.Key, 0, -1), tc.name)
	}
	require.Equal(t, 2, b.bucketFiles(t))

	// The same through a Writer, written in small pieces.
	w := b.store.CreateSmall(ctx, "f/"+strings.Repeat("a", 36), "text/plain")
	for range storage.InlineMaxBytes / 8 {
		_, err := w.Buffer().WriteString("12345678")
		require.NoError(t, err)
	}
	obj, err := w.Commit()
	require.NoError(t, err)
	require.Equal(t, "db/"+strings.Repeat("a", 36), obj.Key)
	require.Len(t, obj.Inline, storage.InlineMaxBytes)
	require.Equal(t, 2, b.bucketFiles(t))

	// A store without a database keeps every object in the bucket.
	plain, err := storage.Open(ctx, "file://"+t.TempDir(), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = plain.Close() })
	obj, err = plain.PutSmall(ctx, strings.NewReader("tiny"), "text/plain")
	require.NoError(t, err)
	require.False(t, storage.IsInline(obj.Key))
	require.Nil(t, obj.Inline)
	require.Equal(t, "tiny", read(ctx, t, plain, obj.Key, 0, -1))
	_, err = plain.Open(ctx, "db/"+strings.Repeat("a", 36))
	require.Error(t, err)
}

// A Writer that spills and is then aborted leaves nothing in the bucket.
func TestSmallWriterAbortedAfterSpillingLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupInline(t)
	w := b.store.CreateSmall(ctx, storage.NewKey(), "text/plain")
	_, err := w.Write(bytes.Repeat([]byte("x"), 1<<20))
	require.NoError(t, err)
	require.Equal(t, 1, b.bucketFiles(t), "the spilled content is being written")
	w.Abort()
	require.Zero(t, b.bucketFiles(t))
}
