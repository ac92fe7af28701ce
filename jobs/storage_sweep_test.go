package jobs_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/uuid"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/db/dbtest"
	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/jobs"
)

// sweepBundle is a database with one account and a store.
type sweepBundle struct {
	tdb       *dbtest.DB
	store     *storage.Store
	accountID uuid.UUID
}

func setupSweep(t *testing.T, storageURL string) *sweepBundle {
	t.Helper()
	ctx := context.Background()
	tdb := dbtest.New(t)
	store, err := storage.Open(ctx, storageURL, tdb.Pool)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	b := &sweepBundle{tdb: tdb, store: store}
	require.NoError(t, tdb.Pool.QueryRow(ctx, "INSERT INTO accounts (name) VALUES ('sweep') RETURNING id").Scan(&b.accountID))
	return b
}

// put stores content under key.
func (b *sweepBundle) put(t *testing.T, key string) {
	t.Helper()
	w, err := b.store.Create(context.Background(), key, "application/octet-stream")
	require.NoError(t, err)
	_, err = w.Write([]byte("content of " + key))
	require.NoError(t, err)
	_, err = w.Commit()
	require.NoError(t, err)
}

// reference adds a files row for key.
func (b *sweepBundle) reference(t *testing.T, key string) {
	t.Helper()
	_, err := b.tdb.Pool.Exec(context.Background(), "INSERT INTO files (account_id, folder, name, storage_key) VALUES ($1, 'kept', $2, $3)",
		b.accountID, strings.ReplaceAll(key, "/", "_"), key)
	require.NoError(t, err)
}

// batch adds a batch in status.
func (b *sweepBundle) batch(t *testing.T, status string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, b.tdb.Pool.QueryRow(context.Background(),
		"INSERT INTO batches (account_id, name, format, status, source) VALUES ($1, 'b', 'json', $2, 'api_v1') RETURNING id",
		b.accountID, status).Scan(&id))
	return id
}

func (b *sweepBundle) keys(t *testing.T) []string {
	t.Helper()
	var keys []string
	require.NoError(t, b.store.Walk(context.Background(), func(o storage.Listed) error {
		keys = append(keys, o.Key)
		return nil
	}))
	sort.Strings(keys)
	return keys
}

func TestStorageSweepFileBackend(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := setupSweep(t, "file://"+dir)
	running, finished := b.batch(t, "PROCESSING"), b.batch(t, "FINISHED")
	old := map[string]bool{
		"f/referenced":                        true,
		"f/orphan":                            true,
		"f/young-orphan":                      false,
		"f/upload.17a2b3c4d5e6f708.tmp":       true,
		"f/young-upload.17a2b3c4d5e6f709.tmp": false,
		"tmp/batch/" + running.String() + "/000000000000":        true,
		"tmp/batch/" + finished.String() + "/000000000000":       true,
		"f/" + uuid.NewSHA1(running, []byte("output")).String():  true,
		"f/" + uuid.NewSHA1(finished, []byte("output")).String(): true,
	}
	for key, isOld := range old {
		b.put(t, key)
		if isOld {
			past := time.Now().Add(-25 * time.Hour)
			require.NoError(t, os.Chtimes(filepath.Join(dir, filepath.FromSlash(key)), past, past))
		}
	}
	b.reference(t, "f/referenced")

	worker := &jobs.StorageSweepWorker{Pool: b.tdb.Pool, Store: b.store, Log: testLogger(), Age: 24 * time.Hour}
	tw := rivertest.NewWorker(t, riverpgxv5.New(b.tdb.Pool), nil, worker)
	ctx := context.Background()
	tx, err := b.tdb.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	_, err = tw.Work(ctx, t, tx, jobs.StorageSweepArgs{}, nil)
	require.NoError(t, err)

	want := []string{
		"f/" + uuid.NewSHA1(running, []byte("output")).String(),
		"f/referenced",
		"f/young-orphan",
		"f/young-upload.17a2b3c4d5e6f709.tmp",
		"tmp/batch/" + running.String() + "/000000000000",
	}
	sort.Strings(want)
	require.Equal(t, want, b.keys(t), "referenced, young and live objects stay; old orphans, old temporary files and a finished batch's leftovers go")
}

func TestStorageSweepS3(t *testing.T) {
	t.Parallel()
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("sweep"))
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	b := setupSweep(t, "s3://sweep?region=us-east-1&use_path_style=true&anonymous=true&endpoint="+url.QueryEscape(srv.URL))
	b.put(t, "f/referenced")
	b.put(t, "f/orphan")
	b.reference(t, "f/referenced")

	// An upload a killed process began and never finished.
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, Credentials: aws.AnonymousCredentials{}})
	ctx := context.Background()
	up, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("sweep"), Key: aws.String("f/killed")})
	require.NoError(t, err)
	_, err = client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("sweep"), Key: aws.String("f/killed"),
		UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader(strings.Repeat("x", 1024))})
	require.NoError(t, err)
	uploads := func() int {
		out, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("sweep")})
		require.NoError(t, err)
		return len(out.Uploads)
	}
	require.Equal(t, 1, uploads())

	n, err := jobs.SweepStorage(ctx, b.tdb.Pool, b.store, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	require.Equal(t, jobs.Swept{}, n, "nothing is older than the cutoff")
	require.Equal(t, 1, uploads())

	n, err = jobs.SweepStorage(ctx, b.tdb.Pool, b.store, time.Now().Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, jobs.Swept{Objects: 1, Uploads: 1}, n)
	require.Zero(t, uploads())
	require.Equal(t, []string{"f/referenced"}, b.keys(t))
}
