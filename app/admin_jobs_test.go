package app_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/models"
)

func TestJobsDashboardIsForOperatorsOnly(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) { c.Workers = 0 })
	ctx := context.Background()
	op := h.CreateAccount(t, "operator@example.com", false)
	user := h.CreateAccount(t, "user@example.com", false)
	require.NoError(t, models.SetOperator(ctx, h.DB, op.Email, true))

	anon := h.NewBrowser(t).Get("/admin/jobs")
	require.Equal(t, http.StatusSeeOther, anon.StatusCode)
	require.Equal(t, "/login?next=%2Fadmin%2Fjobs", anon.Header.Get("Location"))

	plain := h.SignIn(t, user)
	for _, path := range []string{"/admin/jobs", "/admin/jobs/jobs", "/admin/jobs/api/jobs?state=available"} {
		require.Equal(t, http.StatusNotFound, plain.Get(path).StatusCode, path)
	}

	b := h.SignIn(t, op)
	moved := b.Get("/admin/jobs")
	require.Equal(t, http.StatusMovedPermanently, moved.StatusCode)
	require.Equal(t, "/admin/jobs/", moved.Header.Get("Location"))
	page := b.Get("/admin/jobs/")
	require.Equal(t, http.StatusOK, page.StatusCode)
	require.Contains(t, page.Body, `id="root"`, "River UI's page")
	require.Contains(t, page.Body, "/admin/jobs/assets/", "its assets under the prefix")

	// A job in a queue nobody works stays available for the dashboard.
	res, err := h.Jobs.Insert(ctx, jobs.SessionCleanupArgs{}, &river.InsertOpts{Queue: "probe"})
	require.NoError(t, err)
	list := b.Get("/admin/jobs/api/jobs?state=available&limit=20")
	require.Equal(t, http.StatusOK, list.StatusCode, list.Body)
	require.Contains(t, list.Body, `"kind":"session_cleanup"`)

	cancel := func(b *apptest.Browser, site string) *apptest.Response {
		req, err := http.NewRequest(http.MethodPost, h.URL+"/admin/jobs/api/jobs/cancel",
			strings.NewReader(`{"ids":["`+strconv.FormatInt(res.Job.ID, 10)+`"]}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", site)
		return b.Do(req)
	}
	require.Equal(t, http.StatusForbidden, cancel(b, "cross-site").StatusCode, "a cross-site request is refused")
	require.Equal(t, http.StatusNotFound, cancel(plain, "same-origin").StatusCode)
	ok := cancel(b, "same-origin")
	require.Equal(t, http.StatusOK, ok.StatusCode, ok.Body)
	job, err := h.Jobs.JobGet(ctx, res.Job.ID)
	require.NoError(t, err)
	require.Equal(t, "cancelled", string(job.State))

	require.NoError(t, models.SetOperator(ctx, h.DB, op.Email, false))
	require.Equal(t, http.StatusNotFound, b.Get("/admin/jobs/").StatusCode, "a revoke takes effect at once")
}
