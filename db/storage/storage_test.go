package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

func TestPutReadDeleteLocal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, "file://"+filepath.Join(dir, "files"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	content := strings.Repeat("flowbatch ", 10000)
	obj, err := s.Put(ctx, strings.NewReader(content), "text/plain")
	require.NoError(t, err)
	sum := sha256.Sum256([]byte(content))
	require.Equal(t, hex.EncodeToString(sum[:]), obj.SHA256)
	require.Equal(t, int64(len(content)), obj.Size)
	require.True(t, strings.HasPrefix(obj.Key, "f/"))

	r, err := s.OpenRange(ctx, obj.Key, 10, 9)
	require.NoError(t, err)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.Equal(t, "flowbatch", string(got))

	require.NoError(t, s.Delete(ctx, obj.Key))
	require.NoError(t, s.Delete(ctx, obj.Key), "deleting twice is fine")
	_, err = s.Open(ctx, obj.Key)
	require.ErrorIs(t, err, ErrNotFound)
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("client went away")
	}
	f.n--
	return copy(p, "partial data"), nil
}

func TestPutLeavesNothingOnFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, "file://"+dir, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	_, err = s.Put(ctx, &failingReader{n: 3}, "")
	require.Error(t, err)
	var leftovers []string
	require.NoError(t, filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			leftovers = append(leftovers, path)
		}
		return err
	}))
	require.Empty(t, leftovers)
}

// TestWriterHashesWhatReachesTheBucket writes an object of several buffers
// through Write, the Buffer and ReadFrom, in pieces of every size: the
// object read back, its size and its SHA-256 are the bytes written, although
// the Writer hashes what its buffer passes on, not each write.
func TestWriterHashesWhatReachesTheBucket(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, "file://"+t.TempDir(), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	content := make([]byte, 3*writeBufferSize+12345)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range content {
		content[i] = byte('a' + rng.IntN(26))
	}
	w, err := s.Create(ctx, NewKey(), "text/plain")
	require.NoError(t, err)
	for rest, i := content, 0; len(rest) > 0; i++ {
		n := min(len(rest), 1+rng.IntN(writeBufferSize/2))
		switch i % 3 {
		case 0:
			_, err = w.Write(rest[:n])
		case 1:
			_, err = w.Buffer().WriteString(string(rest[:n]))
		default:
			_, err = w.ReadFrom(iotest.HalfReader(bytes.NewReader(rest[:n])))
		}
		require.NoError(t, err)
		rest = rest[n:]
	}
	obj, err := w.Commit()
	require.NoError(t, err)
	sum := sha256.Sum256(content)
	require.Equal(t, hex.EncodeToString(sum[:]), obj.SHA256)
	require.Equal(t, int64(len(content)), obj.Size)
	r, err := s.Open(ctx, obj.Key)
	require.NoError(t, err)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.True(t, bytes.Equal(content, got), "the object holds the bytes written")
}
