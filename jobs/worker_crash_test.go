package jobs_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// TestMain removes the binary built by flowbatchBinary.
func TestMain(m *testing.M) {
	code := m.Run()
	if binaryPath != "" {
		_ = os.RemoveAll(filepath.Dir(binaryPath))
	}
	os.Exit(code)
}

// flowbatchBinary builds cmd/flowbatch once per test run.
func flowbatchBinary(t testing.TB) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "flowbatch-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "flowbatch")
		out, err := exec.Command("go", "build", "-o", binaryPath, "../cmd/flowbatch").CombinedOutput()
		if err != nil {
			binaryErr = err
			t.Logf("go build: %s", out)
		}
	})
	require.NoError(t, binaryErr)
	return binaryPath
}

// startWorkerProcess runs `flowbatch worker` on the bundle's database and
// storage, with env added to its environment.
func (tb *testBundle) startWorkerProcess(t testing.TB, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(flowbatchBinary(t), "worker", "--workers", "1")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+tb.db.URL, "FLOWBATCH_STORAGE_URL="+tb.storeURL, "FLOWBATCH_LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, env...)
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

func TestKilledWorkerProcessResumesWithEveryRecordOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	started := time.Now()
	tb := setup(t)
	const n = 100000
	b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, n, ingesttest.Options{Seed: 11, BadEvery: 1000}))
	_, err := jobs.RunBatch(ctx, tb.gdb, tb.queue, tb.account.ID, b.ID)
	require.NoError(t, err)

	first := tb.startWorkerProcess(t)
	mid := tb.waitFor(t, b.ID, 60*time.Second, func(b *models.Batch) bool { return b.ProcessedCount > 0 })
	require.NoError(t, first.Process.Kill()) // SIGKILL: no chance to clean up
	_ = first.Wait()
	killedAt := tb.batch(t, b.ID)
	require.Equal(t, models.StatusProcessing, killedAt.Status)
	require.Less(t, killedAt.ProcessedCount, int64(n), "killed mid-batch")
	t.Logf("killed at %d of %d records (first seen at %d), %s after the test started", killedAt.ProcessedCount, n, mid.ProcessedCount, time.Since(started).Round(time.Millisecond))

	// The job is left running by the dead process, which was also River's
	// leader. Rather than wait out the leader's lease and RescueStuckJobsAfter
	// (70 s), age both: the new worker's own rescuer then does the rest.
	_, err = tb.db.Pool.Exec(ctx, "DELETE FROM river_leader")
	require.NoError(t, err)
	_, err = tb.db.Pool.Exec(ctx, "UPDATE river_job SET attempted_at = now() - interval '1 hour' WHERE state = 'running'")
	require.NoError(t, err)

	restarted := time.Now()
	second := tb.startWorkerProcess(t)
	b = tb.waitFor(t, b.ID, 3*time.Minute, func(b *models.Batch) bool {
		return b.Status == models.StatusFinished || b.Status == models.StatusError
	})
	t.Logf("finished %s after the new worker started", time.Since(restarted).Round(time.Millisecond))
	require.Eventually(t, func() bool {
		return tb.count(t, "SELECT count(*) FROM river_job WHERE kind = 'process_batch' AND state = 'completed'") == 1
	}, 10*time.Second, 10*time.Millisecond, "River completes the job once its attempt returns")
	require.NoError(t, second.Process.Kill())

	require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
	require.EqualValues(t, n, b.ProcessedCount)
	require.EqualValues(t, n/1000, b.FailedCount)
	require.EqualValues(t, n-n/1000, b.InsertedCount)
	require.Equal(t, n-n/1000, tb.count(t, "SELECT count(*) FROM records"))
	require.Equal(t, n-n/1000, tb.count(t, "SELECT count(DISTINCT batch_index) FROM records"))
	ids := tb.results(t, b)
	seen := map[uuid.UUID]bool{}
	for i, id := range ids {
		require.Equal(t, ingesttest.IsBad(i, ingesttest.Options{BadEvery: 1000}), id == nil, "index %d", i)
		if id != nil {
			seen[*id] = true
		}
	}
	require.Len(t, seen, n-n/1000)
}
