package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

func TestBatchRetentionDeletesOnlyEndedBatchesPastThePeriod(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	tb.startWorkers(t, 0)
	iface := tb.newInterface(t, models.FormatJSON)
	data := payload(t, models.FormatJSON, 30, ingesttest.Options{})

	old := tb.run(t, tb.newBatch(t, iface, data))
	require.Equal(t, models.StatusFinished, old.Status)
	recent := tb.run(t, tb.newBatch(t, iface, data))
	draft := tb.newBatch(t, iface, data)
	var oldKeys []string
	require.NoError(t, tb.gdb.Model(&models.File{}).Where("batch_id = ?", old.ID).Pluck("storage_key", &oldKeys).Error)
	require.Len(t, oldKeys, 3, "input, output and process files")
	// Age the first batch and the draft past the period; an old batch still
	// running must stay too.
	require.NoError(t, tb.gdb.Exec(`UPDATE batches SET finished_at = now() - interval '91 days', created_at = now() - interval '92 days'
		WHERE id IN (?, ?)`, old.ID, draft.ID).Error)
	running := tb.newBatch(t, iface, data)
	require.NoError(t, tb.gdb.Exec(`UPDATE batches SET status = 'PROCESSING', started_at = now() - interval '92 days',
		created_at = now() - interval '92 days' WHERE id = ?`, running.ID).Error)

	listen, err := pgx.Connect(ctx, tb.db.URL)
	require.NoError(t, err)
	defer listen.Close(ctx)
	_, err = listen.Exec(ctx, "LISTEN "+models.BatchEventsChannel)
	require.NoError(t, err)

	worker := &jobs.BatchRetentionWorker{Pool: tb.db.Pool, Store: tb.store, Log: testLogger(), Retention: 90 * 24 * time.Hour}
	tx, err := tb.db.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck // only the job row lives in tx
	_, err = rivertest.NewWorker(t, riverpgxv5.New(tb.db.Pool), nil, worker).Work(ctx, t, tx, jobs.BatchRetentionArgs{}, nil)
	require.NoError(t, err)

	require.Zero(t, tb.count(t, "SELECT count(*) FROM batches WHERE id = $1", old.ID), "the expired batch is gone")
	require.Zero(t, tb.count(t, "SELECT count(*) FROM files WHERE batch_id = $1", old.ID), "with its files")
	for _, k := range oldKeys {
		ok, err := tb.store.Exists(ctx, k)
		require.NoError(t, err)
		require.False(t, ok, "stored object %s removed", k)
	}
	require.Equal(t, 30, tb.count(t, "SELECT count(*) FROM records WHERE batch_id = $1", old.ID), "its records stay")
	for _, id := range []any{recent.ID, draft.ID, running.ID} {
		require.Equal(t, 1, tb.count(t, "SELECT count(*) FROM batches WHERE id = $1", id), "batch %s kept", id)
	}

	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	n, err := listen.WaitForNotification(waitCtx)
	require.NoError(t, err)
	ev, err := models.ParseBatchEvent(n.Payload)
	require.NoError(t, err)
	require.Equal(t, models.BatchEvent{AccountID: tb.account.ID, BatchID: old.ID, Status: models.StatusFinished, Deleted: true}, ev,
		"live pages are told")
}
