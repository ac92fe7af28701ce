package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

// benchRecords is the size of the flow the records browser is measured on.
const benchRecords = 1_000_000

// BenchmarkRecordsBrowser measures the records browser of a flow holding a
// million records: the first page, a page deep in the flow, a key search and
// field searches (a frequent value, and a value found nowhere, which walks a
// whole search window). Each op is one HTTP request to a real server on
// loopback, so ns/op bounds the server time from above.
func BenchmarkRecordsBrowser(b *testing.B) {
	h := apptest.New(b)
	a := h.CreateAccount(b, "bench@example.com", false)
	ctx := context.Background()
	flow := &models.Flow{AccountID: a.ID, Name: "Contacts", KeyField: "external_id"}
	require.NoError(b, models.SaveFlow(ctx, h.DB, flow))
	start := time.Now()
	ids := seedRecords(b, h, a.ID, flow.ID, benchRecords)
	b.Logf("seeded %d records with COPY in %s", benchRecords, time.Since(start).Round(time.Millisecond))
	// Autovacuum does this after a bulk insert; doing it now keeps it from
	// running in the middle of the measurements.
	_, err := h.Pool.Exec(ctx, "VACUUM (ANALYZE) records")
	require.NoError(b, err)

	br := h.SignIn(b, a)
	base := "/flows/" + flow.ID.String() + "/records"
	cases := []struct{ name, path string }{
		{"first_page", base},
		{"page_deep", base + "?before=" + ids[benchRecords/2].String()},
		{"key_search", base + "?q=" + url.QueryEscape("ext-123456")},
		{"field_search_frequent", base + "?q=" + url.QueryEscape("city = Lyon")},
		{"field_search_rare", base + "?q=" + url.QueryEscape("email = p999999@example.com")},
		{"field_search_miss", base + "?q=" + url.QueryEscape("email = nobody@example.com")},
	}
	// The database part alone, as the handler calls it.
	queries := []struct {
		name string
		f    models.RecordFilter
	}{
		{"query_first_page", models.RecordFilter{}},
		{"query_field_search_miss", models.RecordFilter{Field: "email", Value: "nobody@example.com"}},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				_, err := models.ListRecords(ctx, h.DB, a.ID, flow.ID, q.f)
				require.NoError(b, err)
			}
		})
	}
	// What a page asks besides the records: the fields its columns offer,
	// the batches its filter offers, the names of the page's batches (one
	// primary-key lookup; the seeded records' batch is not stored, so any
	// ID costs the same).
	b.Run("query_columns_and_batches", func(b *testing.B) {
		for b.Loop() {
			_, err := models.FlowFieldNames(ctx, h.DB, a.ID, flow.ID)
			require.NoError(b, err)
			_, err = models.RecentFlowBatches(ctx, h.DB, a.ID, flow.ID, 20)
			require.NoError(b, err)
			_, err = models.BatchNames(ctx, h.DB, a.ID, ids[:1])
			require.NoError(b, err)
		}
	})
	for _, c := range cases {
		res := br.Get(c.path)
		require.Equal(b, http.StatusOK, res.StatusCode, c.name)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				br.Get(c.path)
			}
		})
	}
}

// seedRecords writes n records into a flow with COPY, as the ingest engine
// does, and returns their IDs, oldest first.
func seedRecords(b *testing.B, h *apptest.Harness, accountID, flowID uuid.UUID, n int) []uuid.UUID {
	b.Helper()
	cities := []string{"Lyon", "Porto", "Leeds", "Graz", "Turku", "Gent", "Brno"}
	ids := make([]uuid.UUID, n)
	batch := uuid.Must(uuid.NewV7())
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		id := uuid.Must(uuid.NewV7())
		ids[i] = id
		key := fmt.Sprintf("ext-%d", i)
		data := fmt.Sprintf(`{"external_id":%q,"first_name":"Ann%d","email":"p%d@example.com","city":%q,"age":%d,"active":%t}`,
			key, i%1000, i, cities[i%len(cities)], 18+i%70, i%2 == 0)
		row := []any{id, accountID, flowID, batch, int64(i), key, []byte(data)}
		i++
		return row, nil
	})
	_, err := h.Pool.CopyFrom(context.Background(), pgx.Identifier{"records"},
		[]string{"id", "account_id", "flow_id", "batch_id", "batch_index", "key", "data"}, src)
	require.NoError(b, err)
	return ids
}
