package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPutReadDeleteLocal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, "file://"+filepath.Join(dir, "files"))
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
	s, err := Open(ctx, "file://"+dir)
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
