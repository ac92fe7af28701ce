package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/models"
)

// TestOverviewSaysWhenABatchExpires shows, under FLOWBATCH_RETENTION, when
// an ended batch will be deleted, and nothing for a batch still open.
func TestOverviewSaysWhenABatchExpires(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers, func(c *config.Config) { c.Retention = 90 * 24 * time.Hour })
	ended := u.completeDraft(t, "Ended one")
	u.setStatus(t, ended, models.StatusFinished)
	require.NoError(t, u.h.DB.Exec(`UPDATE batches SET finished_at = '2026-01-02T03:04:05Z' WHERE id = ?`, ended).Error)
	open := u.completeDraft(t, "Open one")

	page := u.b.Get("/")
	require.Equal(t, http.StatusOK, page.StatusCode)
	row := func(id string) string {
		start := strings.Index(page.Body, `<tr id="batch-row-`+id+`"`)
		require.GreaterOrEqual(t, start, 0)
		return page.Body[start : start+strings.Index(page.Body[start:], "</tr>")]
	}
	require.Contains(t, row(ended.String()), `Expires <time datetime="2026-04-02T03:04:05Z"`, "90 days after it finished")
	require.NotContains(t, row(open.String()), "data-expires", "a draft does not expire")

	// Without retention nothing expires.
	plain := setupUI(t, noWorkers)
	id := plain.completeDraft(t, "Kept")
	plain.setStatus(t, id, models.StatusFinished)
	require.NotContains(t, plain.b.Get("/").Body, "data-expires")
}
