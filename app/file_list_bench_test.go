package app_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

// BenchmarkFilesPage10k serves the file manager's page, the htmx list
// fragment and the API listing of a folder holding 10,000 files, over
// loopback HTTP: the time includes the session, the queries and rendering.
func BenchmarkFilesPage10k(b *testing.B) {
	h := apptest.New(b)
	a := h.CreateAccount(b, "bench@example.com", false)
	err := h.DB.Exec(`INSERT INTO files (account_id, folder, name, size, content_type, sha256, storage_key, created_at, updated_at)
		SELECT ?, 'big', 'file-' || lpad(i::text, 5, '0') || '.csv', (i * 7919) % 100000, 'text/csv', md5(i::text),
		       'f/' || gen_random_uuid(), now() - i * interval '1 minute', now() - i * interval '1 minute'
		FROM generate_series(1, 10000) i`, a.ID).Error
	require.NoError(b, err)
	require.NoError(b, h.DB.Exec("VACUUM ANALYZE files").Error)
	br := h.SignIn(b, a)
	key := h.APIKey(b, a)

	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			if res := br.Get("/files?folder=big&sort=date&desc=1"); res.StatusCode != http.StatusOK {
				b.Fatal(res.StatusCode)
			}
		}
	})
	b.Run("fragment/last-page", func(b *testing.B) {
		for b.Loop() {
			if res := br.HTMX(http.MethodGet, "/files?folder=big&sort=name&page=200", nil); res.StatusCode != http.StatusOK {
				b.Fatal(res.StatusCode)
			}
		}
	})
	b.Run("api/per_page=100", func(b *testing.B) {
		for b.Loop() {
			if res := h.API(b, key, http.MethodGet, "/api/v1/files?folder=big&sort=size&desc=1&per_page=100", nil, nil); res.StatusCode != http.StatusOK {
				b.Fatal(res.StatusCode)
			}
		}
	})
}
