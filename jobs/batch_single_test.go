package jobs_test

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest/ingesttest"
	"github.com/flowbatch/flowbatch/models"
)

// TestOneChunkBatchEndsInOneTransaction checks that a batch that fits one
// chunk, keyed or not, ends with exact records and result files written by
// its own slice, under keys of that slice, without segments; the same
// payload one record over the chunk takes the general path.
func TestOneChunkBatchEndsInOneTransaction(t *testing.T) {
	t.Parallel()
	const chunk = 400
	opts := ingesttest.Options{Seed: 9, BadEvery: 7}
	for _, tc := range []struct {
		name    string
		key     string
		records int
		one     bool
	}{
		{"keyed", "external_id", chunk, true},
		{"plain", "", chunk, true},
		{"keyed, one over", "external_id", chunk + 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			tb := setup(t)
			require.NoError(t, tb.gdb.Model(tb.flow).Update("key_field", tc.key).Error)
			tb.startWorkers(t, chunk)
			b := tb.run(t, tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, tc.records, opts)))

			bad := ingesttest.CountBad(tc.records, opts)
			require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
			require.EqualValues(t, tc.records, b.TotalCount)
			require.EqualValues(t, tc.records, b.ProcessedCount)
			require.EqualValues(t, bad, b.FailedCount)
			require.EqualValues(t, tc.records-bad, b.InsertedCount)
			require.Equal(t, tc.records-bad, tb.count(t, "SELECT count(*) FROM records WHERE batch_id = $1", b.ID))
			ids := tb.results(t, b)
			for i, id := range ids {
				require.Equal(t, ingesttest.IsBad(i, opts), id == nil, "index %d", i)
			}
			_, content, ok := tb.file(t, b, models.KindError)
			require.True(t, ok)
			require.Len(t, ndjson[errorLine](t, content), bad)
			// The general path deletes its segments just after the batch ends.
			require.Eventually(t, func() bool {
				return tb.count(t, "SELECT count(*) FROM batch_segments WHERE batch_id = $1", b.ID) == 0
			}, 10*time.Second, 10*time.Millisecond, "no segments left")

			var owner uuid.UUID
			require.NoError(t, tb.db.Pool.QueryRow(ctx, "SELECT owner FROM batches WHERE id = $1", b.ID).Scan(&owner))
			for _, kind := range []models.FileKind{models.KindOutput, models.KindProcess, models.KindError} {
				f, _, ok := tb.file(t, b, kind)
				require.True(t, ok)
				require.True(t, storage.IsInline(f.StorageKey), "%s file kept in the database", kind)
				require.Equal(t, tc.one, f.StorageKey == storage.InlineKey(jobs.OwnResultKey(b.ID, owner, kind)), "%s file under the slice's own key", kind)
			}
		})
	}
}

// TestOneChunkBatchCancelledAtItsCommitInsertsNothing checks that a cancel
// request seen by the transaction of a one-chunk batch rolls it back and
// ends the batch cancelled with nothing processed. A trigger makes the
// request inside that transaction, between the insert and the commit.
func TestOneChunkBatchCancelledAtItsCommitInsertsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	_, err := tb.db.Pool.Exec(ctx, `CREATE FUNCTION cancel_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			INSERT INTO batch_cancel_requests (batch_id, requested_at) VALUES (NEW.batch_id, now()) ON CONFLICT DO NOTHING;
			RETURN NULL;
		END $$;
		CREATE TRIGGER cancel_on_insert AFTER INSERT ON records FOR EACH ROW EXECUTE FUNCTION cancel_on_insert()`)
	require.NoError(t, err)
	tb.startWorkers(t, 1000)
	b := tb.run(t, tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, 50, ingesttest.Options{})))

	require.Equal(t, models.StatusError, b.Status)
	require.Equal(t, models.CancelledMessage, b.ErrorMessage)
	require.Zero(t, b.ProcessedCount)
	require.Zero(t, tb.count(t, "SELECT count(*) FROM records"))
	require.Empty(t, tb.results(t, b))
	_, content, ok := tb.file(t, b, models.KindError)
	require.True(t, ok)
	require.Equal(t, []errorLine{{Index: 0, Message: models.CancelledMessage}}, ndjson[errorLine](t, content))
}

// TestSmallReadyBatchIsTakenOverAtItsCommit checks which status changes
// commit for a batch with a small input: READY to FINISHED in one step when
// it fits one chunk, through PROCESSING when it takes the general path (a
// designer batch, a payload fault), and through PROCESSING with exact
// records when another attempt took it between the read and the commit
// (a trigger takes it over inside that transaction, once: a sequence is not
// rolled back).
func TestSmallReadyBatchIsTakenOverAtItsCommit(t *testing.T) {
	t.Parallel()
	const records = 50
	opts := ingesttest.Options{Seed: 3, BadEvery: 9}
	for _, tc := range []struct {
		name     string
		designer bool
		broken   bool
		takeOver bool
		want     []string
	}{
		{name: "one step", want: []string{"DRAFT>READY", "READY>FINISHED"}},
		{name: "designer", designer: true, want: []string{"DRAFT>READY", "READY>PROCESSING", "PROCESSING>FINISHED"}},
		{name: "payload fault", broken: true, want: []string{"DRAFT>READY", "READY>PROCESSING", "PROCESSING>ERROR"}},
		{name: "taken over before its commit", takeOver: true, want: []string{"DRAFT>READY", "READY>PROCESSING", "PROCESSING>FINISHED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			tb := setup(t)
			_, err := tb.db.Pool.Exec(ctx, `CREATE TABLE status_log (n bigserial, change text);
				CREATE FUNCTION log_status() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF OLD.status IS DISTINCT FROM NEW.status THEN
						INSERT INTO status_log (change) VALUES (OLD.status::text || '>' || NEW.status::text);
					END IF;
					RETURN NEW;
				END $$;
				CREATE TRIGGER log_status AFTER UPDATE ON batches FOR EACH ROW EXECUTE FUNCTION log_status()`)
			require.NoError(t, err)
			if tc.takeOver {
				_, err := tb.db.Pool.Exec(ctx, `CREATE SEQUENCE take_over;
					CREATE FUNCTION take_over() RETURNS trigger LANGUAGE plpgsql AS $$
					BEGIN
						IF nextval('take_over') = 1 THEN
							UPDATE batches SET status = 'PROCESSING', owner = gen_random_uuid() WHERE id = NEW.batch_id;
						END IF;
						RETURN NULL;
					END $$;
					CREATE TRIGGER take_over AFTER INSERT ON records FOR EACH ROW EXECUTE FUNCTION take_over()`)
				require.NoError(t, err)
			}
			tb.startWorkers(t, 1000)
			input := payload(t, models.FormatJSON, records, opts)
			if tc.broken {
				input = input[:len(input)/2]
			}
			b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), input)
			if tc.designer {
				require.NoError(t, tb.gdb.Model(b).Update("designer", true).Error)
			}
			b = tb.run(t, b)

			var changes []string
			rows, err := tb.db.Pool.Query(ctx, "SELECT change FROM status_log ORDER BY n")
			require.NoError(t, err)
			for rows.Next() {
				var c string
				require.NoError(t, rows.Scan(&c))
				changes = append(changes, c)
			}
			require.NoError(t, rows.Err())
			require.Equal(t, tc.want, changes)
			require.NotNil(t, b.StartedAt)
			require.False(t, b.StartedAt.Before(*b.ReadyAt), "started %v, ready %v", b.StartedAt, b.ReadyAt)
			require.False(t, b.FinishedAt.Before(*b.StartedAt), "finished %v, started %v", b.FinishedAt, b.StartedAt)
			if tc.broken {
				require.Equal(t, models.StatusError, b.Status)
				require.Zero(t, tb.count(t, "SELECT count(*) FROM records"))
				return
			}
			want := records
			if tc.designer {
				want = jobs.DesignerLimit
			}
			bad := ingesttest.CountBad(want, opts)
			require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
			require.EqualValues(t, want, b.ProcessedCount)
			require.EqualValues(t, want-bad, b.InsertedCount)
			require.Equal(t, want-bad, tb.count(t, "SELECT count(*) FROM records"))
			require.Len(t, tb.results(t, b), want)
		})
	}
}

// A small batch's input kept in the database comes with the statement that
// reads the batch: the worker does not ask storage for it again.
func TestInputKeptInTheDatabaseIsReadWithTheBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	reads := &countedReads{Querier: tb.db.Pool}
	store, err := storage.Open(ctx, tb.storeURL, reads)
	require.NoError(t, err)
	tb.deps.Store = store
	tb.startWorkers(t, 0)

	b := tb.newBatch(t, tb.newInterface(t, models.FormatJSON), nil)
	obj, err := tb.store.PutSmall(ctx, bytes.NewReader(payload(t, models.FormatJSON, 20, ingesttest.Options{Seed: 3})), "application/json")
	require.NoError(t, err)
	require.True(t, storage.IsInline(obj.Key))
	kind := models.KindInput
	require.NoError(t, models.CreateFile(ctx, tb.gdb, &models.File{AccountID: tb.account.ID, Folder: b.Folder(), Name: b.FileName(kind),
		Size: obj.Size, SHA256: obj.SHA256, StorageKey: obj.Key, BatchID: &b.ID, Kind: &kind, Content: obj.Inline}))

	b = tb.run(t, b)
	require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
	require.EqualValues(t, 20, b.InsertedCount)
	require.Zero(t, reads.n.Load(), "storage reads of contents kept in the database")
}

// countedReads counts the reads a Store makes of contents kept in the database.
type countedReads struct {
	storage.Querier
	n atomic.Int64
}

func (c *countedReads) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c.n.Add(1)
	return c.Querier.QueryRow(ctx, sql, args...)
}

// A batch ends in its transaction and its job is completed by River once
// the attempt returns. A process that dies between the two leaves the job
// running with its batch FINISHED: River rescues the job, and its next
// attempt completes it without touching the batch.
func TestJobLeftRunningByABatchThatEndedIsCompletedOnItsNextAttempt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := setup(t)
	client := tb.startWorkers(t, 0)
	b := tb.run(t, tb.newBatch(t, tb.newInterface(t, models.FormatJSON), payload(t, models.FormatJSON, 30, ingesttest.Options{Seed: 5})))
	require.Equal(t, models.StatusFinished, b.Status, b.ErrorMessage)
	jobState := func() (state string, attempt int) {
		require.NoError(t, tb.db.Pool.QueryRow(ctx, `SELECT state, attempt FROM river_job WHERE kind = 'process_batch' AND args->>'batch_id' = $1`,
			b.ID.String()).Scan(&state, &attempt))
		return state, attempt
	}
	require.Eventually(t, func() bool { s, _ := jobState(); return s == "completed" }, 30*time.Second, 10*time.Millisecond)
	stopCtx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	require.NoError(t, client.Stop(stopCtx))

	// As a process killed after the commit leaves it, aged past
	// RescueStuckJobsAfter, with the dead process's leadership gone.
	_, err := tb.db.Pool.Exec(ctx, `UPDATE river_job SET state = 'running', finalized_at = NULL, attempted_at = now() - interval '1 hour'
		WHERE kind = 'process_batch' AND args->>'batch_id' = $1`, b.ID.String())
	require.NoError(t, err)
	_, err = tb.db.Pool.Exec(ctx, "DELETE FROM river_leader")
	require.NoError(t, err)

	tb.startWorkers(t, 0)
	require.Eventually(t, func() bool { s, _ := jobState(); return s == "completed" }, 2*time.Minute, 20*time.Millisecond)
	_, attempt := jobState()
	require.Equal(t, 2, attempt)
	after := tb.batch(t, b.ID)
	require.Equal(t, b.FinishedAt.UTC(), after.FinishedAt.UTC())
	require.Equal(t, b.UpdatedAt.UTC(), after.UpdatedAt.UTC())
	require.Equal(t, b.InsertedCount, after.InsertedCount)
	require.Equal(t, 30, tb.count(t, "SELECT count(*) FROM records WHERE batch_id = $1", b.ID))
}
