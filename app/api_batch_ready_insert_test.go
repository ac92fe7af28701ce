package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// A batch uploaded with X-Batch-Status: READY is inserted READY, its run
// snapshot built by its INSERT: its row is written once, not inserted as a
// DRAFT and updated. The snapshot is the one Run stores for the same
// interface, flow and column map, and the batch is created and ready at
// the same instant.
func TestReadyUploadInsertsItsBatchReady(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	ctx := context.Background()
	_, err := b.h.Pool.Exec(ctx, `CREATE TABLE batch_updates (id uuid, old_status text, new_status text);
		CREATE FUNCTION log_batch_update() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN INSERT INTO batch_updates VALUES (NEW.id, OLD.status, NEW.status); RETURN NULL; END $$;
		CREATE TRIGGER log_batch_update AFTER UPDATE ON batches FOR EACH ROW EXECUTE FUNCTION log_batch_update()`)
	require.NoError(t, err)

	mapping := http.Header{"X-Batch-Mapping": {`{"first_name": "first_name"}`}}
	ready := http.Header{"X-Batch-Status": {"READY"}, "X-Batch-Mapping": mapping["X-Batch-Mapping"]}
	res := b.post(t, v2Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), ready)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	queued := decodeBatch(t, res)
	require.Equal(t, "READY", queued.Status)

	res = b.post(t, v2Path(b.jsonID), "application/json", strings.NewReader(contactsJSON), mapping)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	draft := decodeBatch(t, res)
	run := b.h.API(t, b.key, http.MethodPost, "/api/v1/batches/"+draft.ID.String()+"/run", nil, nil)
	require.Equal(t, http.StatusOK, run.StatusCode, run.Body)

	rows, err := b.h.Pool.Query(ctx, "SELECT id::text || ' ' || old_status || '→' || new_status FROM batch_updates")
	require.NoError(t, err)
	updated, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{draft.ID.String() + " DRAFT→READY"}, updated, "only the DRAFT run by Run was updated")

	snapshot := func(id string) (map[string]any, bool) {
		var raw []byte
		var sameInstant bool
		require.NoError(t, b.h.Pool.QueryRow(ctx, "SELECT run_snapshot, ready_at = created_at FROM batches WHERE id = $1", id).Scan(&raw, &sameInstant))
		var v map[string]any
		require.NoError(t, json.Unmarshal(raw, &v))
		return v, sameInstant
	}
	got, sameInstant := snapshot(queued.ID.String())
	want, _ := snapshot(draft.ID.String())
	require.Equal(t, want, got)
	require.Equal(t, map[string]any{"first_name": "first_name"}, got["column_map"])
	require.True(t, sameInstant, "created and ready at once")
	var jobs int
	require.NoError(t, b.h.Pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'process_batch' AND args->>'batch_id' = $1", queued.ID.String()).Scan(&jobs))
	require.Equal(t, 1, jobs)
}
