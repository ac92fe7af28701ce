package app_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

// seedFailedBatch inserts a FINISHED batch of 2n records of which n failed,
// stored as the engine stores them: n batch_errors rows and the groups of
// 10,000-record chunks.
func seedFailedBatch(b testing.TB, h *apptest.Harness, a apptest.Account, n int) uuid.UUID {
	b.Helper()
	ctx := context.Background()
	var id uuid.UUID
	err := h.Pool.QueryRow(ctx, `INSERT INTO batches (account_id, name, format, source, status, total_count, processed_count,
			inserted_count, failed_count, ready_at, started_at, finished_at)
		VALUES ($1, 'Large import', 'csv', 'api_v2', 'FINISHED', $2, $2, $3, $3, now(), now(), now()) RETURNING id`,
		a.ID, 2*n, n).Scan(&id)
	require.NoError(b, err)
	_, err = h.Pool.Exec(ctx, `INSERT INTO batch_errors (batch_id, batch_index, line, field, message, value)
		SELECT $1, 2 * i + 1, 2 * i + 3, CASE WHEN i % 2 = 0 THEN 'age' ELSE 'email' END,
			CASE WHEN i % 2 = 0 THEN 'expected an integer' ELSE 'required field missing' END,
			CASE WHEN i % 2 = 0 THEN '=cmd|'' /C calc''!A0' ELSE '' END
		FROM generate_series(0, $2 - 1) AS i`, id, n)
	require.NoError(b, err)
	_, err = h.Pool.Exec(ctx, `INSERT INTO batch_error_groups (batch_id, chunk_start, field, message, count, examples)
		SELECT $1, c * 10000, f.field, f.message, 2500, ARRAY[c * 10000 + f.first, c * 10000 + f.first + 4]
		FROM generate_series(0, 2 * $2 / 10000 - 1) AS c,
			(VALUES ('age', 'expected an integer', 1), ('email', 'required field missing', 3)) AS f (field, message, first)`, id, n)
	require.NoError(b, err)
	_, err = h.Pool.Exec(ctx, "ANALYZE batch_errors; ANALYZE batch_error_groups")
	require.NoError(b, err)
	return id
}

// BenchmarkReport100kFailed renders the report of a batch with 100,000
// failed records and pages of its error list, through HTTP on loopback (an
// upper bound of the server time); the report of a batch without failures
// is the baseline.
func BenchmarkReport100kFailed(b *testing.B) {
	h := apptest.New(b, noWorkers)
	a := h.CreateAccount(b, "bench@example.com", true)
	id := seedFailedBatch(b, h, a, 100_000)
	var clean uuid.UUID
	require.NoError(b, h.Pool.QueryRow(context.Background(), `INSERT INTO batches (account_id, name, format, source, status,
		total_count, processed_count, inserted_count, ready_at, started_at, finished_at)
		VALUES ($1, 'Clean import', 'csv', 'api_v2', 'FINISHED', 200000, 200000, 200000, now(), now(), now()) RETURNING id`, a.ID).Scan(&clean))
	br := h.SignIn(b, a)
	base := "/batches/" + id.String()
	for _, bc := range []struct{ name, path, want string }{
		{"report-clean-baseline", "/batches/" + clean.String(), "Clean import"},
		{"report", base, "100,000 of 200,000 failed"},
		{"errors-deep-page", base + "/errors?after=150001", "=cmd|&#39; /C calc&#39;!A0"},
		{"errors-by-field", base + "/errors?field=email&after=100001", "required field missing"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			res := br.Get(bc.path)
			require.Equal(b, http.StatusOK, res.StatusCode)
			require.Contains(b, res.Body, bc.want)
			b.ResetTimer()
			for b.Loop() {
				br.Get(bc.path)
			}
		})
	}
}
