package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/models"
)

// setStatus moves a batch to status directly, as the worker would.
func (u *uiBundle) setStatus(t *testing.T, id uuid.UUID, s models.Status) {
	t.Helper()
	err := u.h.DB.Exec(`UPDATE batches SET status = ?, ready_at = coalesce(ready_at, now()),
		started_at = CASE WHEN ? IN ('PROCESSING','FINISHED','ERROR') THEN coalesce(started_at, now()) END,
		finished_at = CASE WHEN ? IN ('FINISHED','ERROR') THEN now() END, updated_at = now() WHERE id = ?`, s, s, s, id).Error
	require.NoError(t, err)
}

func rowTarget(id uuid.UUID) string { return "batch-row-" + id.String() }

// rowAction sends an action as the overview's config menu does.
func (u *uiBundle) rowAction(t *testing.T, method, path string, id uuid.UUID) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u.h.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", rowTarget(id))
	req.Header.Set("X-CSRF-Token", u.b.CSRF)
	res := u.b.Do(req)
	return res.StatusCode, res.Body
}

func TestActionsFollowTheStatusRules(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	cases := []struct {
		status                           models.Status
		run, delete, cancel, edit, clone int
	}{
		{models.StatusDraft, 200, 200, 409, 200, 204},
		{models.StatusReady, 409, 409, 200, 409, 204},
		{models.StatusProcessing, 409, 409, 200, 409, 204},
		{models.StatusFinished, 409, 200, 409, 409, 204},
		{models.StatusError, 409, 200, 409, 409, 204},
	}
	for _, tc := range cases {
		t.Run(string(tc.status), func(t *testing.T) {
			fresh := func() uuid.UUID {
				id := u.completeDraft(t, "Rules "+string(tc.status)+" "+uuid.NewString()[:4])
				if tc.status != models.StatusDraft {
					u.setStatus(t, id, tc.status)
				}
				return id
			}
			id := fresh()
			code, body := u.rowAction(t, http.MethodPost, "/batches/"+id.String()+"/run", id)
			require.Equal(t, tc.run, code, body)
			if code == 409 {
				require.Contains(t, body, "Only DRAFT batches can be run.")
			} else {
				require.Contains(t, body, `id="batch-row-`+id.String()+`"`)
				require.Contains(t, body, `data-status="READY"`)
			}

			id = fresh()
			code, body = u.rowAction(t, http.MethodPost, "/batches/"+id.String()+"/cancel", id)
			require.Equal(t, tc.cancel, code, body)
			id = fresh() // cancelling ends a READY batch

			code, body = u.rowAction(t, http.MethodPost, "/batches/"+id.String()+"/clone", id)
			require.Equal(t, tc.clone, code, body)

			res := u.b.PostForm("/batches/"+id.String()+"/wizard/information", url.Values{"name": {"renamed"}})
			want := tc.edit
			if want == 200 {
				want = http.StatusSeeOther
			}
			require.Equal(t, want, res.StatusCode)

			code, body = u.rowAction(t, http.MethodDelete, "/batches/"+id.String(), id)
			require.Equal(t, tc.delete, code, body)
			if code == 409 {
				require.Contains(t, body, "Only DRAFT, FINISHED and ERROR batches can be deleted.")
				require.Contains(t, body, "This batch is "+string(tc.status))
			} else {
				require.Contains(t, body, `<tr id="batch-row-`+id.String()+`" hidden>`)
				_, err := models.BatchByID(context.Background(), u.h.DB, u.acct.ID, id)
				require.ErrorIs(t, err, models.ErrNotFound)
			}
		})
	}
}

func TestCloneOpensTheCopyInTheWizard(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.completeDraft(t, "Original")
	u.setStatus(t, id, models.StatusFinished)
	code, _ := u.rowAction(t, http.MethodPost, "/batches/"+id.String()+"/clone", id)
	require.Equal(t, http.StatusNoContent, code)
	ov, err := models.ListOverview(context.Background(), u.h.DB, u.acct.ID, models.OverviewQuery{Search: "Copy of Original"})
	require.NoError(t, err)
	require.Len(t, ov.Items, 1)
	require.Equal(t, models.StatusDraft, ov.Items[0].Status)
	require.True(t, ov.Items[0].HasInput, "the input is copied")
}

func TestConcurrentActionsQueueOneRunAndRefuseTheRest(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.completeDraft(t, "Raced")
	codes := make([]int, 6)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = u.rowAction(t, http.MethodPost, "/batches/"+id.String()+"/run", id)
		}()
	}
	wg.Wait()
	ok, conflict := 0, 0
	for _, c := range codes {
		switch c {
		case 200:
			ok++
		case 409:
			conflict++
		}
	}
	require.Equal(t, 1, ok, "codes %v", codes)
	require.Equal(t, len(codes)-1, conflict, "codes %v", codes)
	var jobs int
	require.NoError(t, u.h.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM river_job WHERE kind = 'process_batch' AND args->>'batch_id' = $1`, id.String()).Scan(&jobs))
	require.Equal(t, 1, jobs)

	// Delete racing a status change: the row shown says DRAFT, the server knows better.
	id = u.completeDraft(t, "Stale row")
	u.setStatus(t, id, models.StatusProcessing)
	code, body := u.rowAction(t, http.MethodDelete, "/batches/"+id.String(), id)
	require.Equal(t, http.StatusConflict, code)
	require.Contains(t, body, "This batch is PROCESSING.")
}

func TestAnotherAccountsBatchIsNotFound(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.completeDraft(t, "Mine")
	other := u.h.CreateAccount(t, "other@example.com", true)
	ob := u.h.SignIn(t, other)
	ob.Get("/")
	for _, p := range []string{"/batches/" + id.String(), "/batches/" + id.String() + "/wizard/overview", "/events/batches/" + id.String(), "/batches/" + id.String() + "/details"} {
		require.Equal(t, http.StatusNotFound, ob.Get(p).StatusCode, p)
	}
	for _, m := range []struct{ method, path string }{
		{http.MethodPost, "/run"}, {http.MethodPost, "/clone"}, {http.MethodPost, "/cancel"}, {http.MethodDelete, ""},
	} {
		res := ob.HTMX(m.method, "/batches/"+id.String()+m.path, nil)
		require.Equal(t, http.StatusNotFound, res.StatusCode, m)
	}
	require.NotContains(t, ob.Get("/").Body, "Mine")
	require.Equal(t, http.StatusNotFound, u.b.Get("/batches/not-a-uuid").StatusCode)
}

func TestOverviewFiltersSearchesAndPages(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	ctx := context.Background()
	for i := range 30 {
		b := &models.Batch{AccountID: u.acct.ID, Name: fmt.Sprintf("Batch %02d", i), Format: models.FormatJSON, Source: models.SourceAPIv2,
			Status: models.StatusDraft, CreatedAt: time.Now().Add(time.Duration(i) * time.Minute)}
		if i%3 == 0 {
			b.Status = models.StatusFinished
		}
		require.NoError(t, models.CreateBatch(ctx, u.h.DB, b))
	}
	page := u.b.Get("/")
	require.Equal(t, http.StatusOK, page.StatusCode)
	require.Contains(t, page.Body, "Start Wizard")
	require.Contains(t, page.Body, `data-count="All">30<`)
	require.Contains(t, page.Body, `data-count="DRAFT">20<`)
	require.Contains(t, page.Body, `data-count="FINISHED">10<`)
	require.Contains(t, page.Body, "Page 1 of 2")
	require.Less(t, indexOf(page.Body, "Batch 29"), indexOf(page.Body, "Batch 28"), "newest first")
	require.Contains(t, page.Body, "API v2")
	require.Contains(t, page.Body, `sse-connect="/events/batches?since=`)

	second := u.b.Get("/?page=2")
	require.Contains(t, second.Body, "Batch 00")
	require.NotContains(t, second.Body, "Batch 29")

	finished := u.b.Get("/?status=FINISHED")
	require.Contains(t, finished.Body, "Batch 27")
	require.NotContains(t, finished.Body, "Batch 28")
	require.Contains(t, finished.Body, `class="tab tab-active" aria-current="page"`)

	found := u.b.Get("/?q=batch+1")
	require.Contains(t, found.Body, `data-count="All">10<`)
	require.Contains(t, found.Body, "Batch 15")
	require.NotContains(t, found.Body, "Batch 25")

	none := u.b.Get("/?q=" + url.QueryEscape("100%_"))
	require.Contains(t, none.Body, "No batches match.")

	byName := u.b.Get("/?sort=name&sort=drop+table")
	require.Less(t, indexOf(byName.Body, "Batch 00"), indexOf(byName.Body, "Batch 01"))
	require.Equal(t, http.StatusOK, u.b.Get("/?sort=x;drop&page=-4&status=NOPE").StatusCode)
}

func TestReportShowsTimestampsFilesAndErrors(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	ctx := context.Background()
	id := u.completeDraft(t, "Reported")
	u.setStatus(t, id, models.StatusFinished)
	require.NoError(t, u.h.DB.Exec(`UPDATE batches SET total_count = 2, processed_count = 2, inserted_count = 1, failed_count = 1 WHERE id = ?`, id).Error)
	b, err := models.BatchByID(ctx, u.h.DB, u.acct.ID, id)
	require.NoError(t, err)
	var lines string
	for i := range 60 {
		lines += fmt.Sprintf(`{"index":%d,"line":%d,"field":"age","value":"old","message":"expected an integer"}`+"\n", i, i+2)
	}
	obj, err := u.h.Store.Put(ctx, strings.NewReader(lines), "application/x-ndjson")
	require.NoError(t, err)
	kind := models.KindError
	require.NoError(t, models.CreateFile(ctx, u.h.DB, &models.File{AccountID: u.acct.ID, Folder: b.Folder(), Name: "error.log",
		Size: obj.Size, StorageKey: obj.Key, BatchID: &b.ID, Kind: &kind}))
	require.NoError(t, u.h.DB.Exec(`INSERT INTO batch_errors (batch_id, batch_index, line, field, message, value)
		SELECT ?, i, i + 2, 'age', 'expected an integer', 'old' FROM generate_series(0, 59) AS i`, id).Error)
	require.NoError(t, u.h.DB.Exec(`INSERT INTO batch_error_groups (batch_id, chunk_start, field, message, count, examples)
		VALUES (?, 0, 'age', 'expected an integer', 60, '{0,1,2,3,4}')`, id).Error)

	page := u.b.Get("/batches/" + id.String())
	require.Equal(t, http.StatusOK, page.StatusCode)
	for _, label := range []string{"Created", "Ready", "Started", "Finished", "Queue wait", "Processing time", "Total time"} {
		require.Contains(t, page.Body, `"`+label+`"`, label)
	}
	require.Contains(t, page.Body, `data-count="Inserted">1<`)
	require.Contains(t, page.Body, `data-count="Failed">1<`)
	require.Contains(t, page.Body, "/files?folder="+url.QueryEscape(b.Folder()))
	require.Contains(t, page.Body, `data-file="input"`)
	require.Contains(t, page.Body, `data-file="error"`)
	require.Contains(t, page.Body, "60 ×")
	require.Contains(t, page.Body, "records 1, 2, 3, 4, 5")
	require.Contains(t, page.Body, `/errors?after=49"`)
	require.Equal(t, 1+50, strings.Count(page.Body, "expected an integer"), "the group and a page of records")
	require.Contains(t, page.Body, `sse-connect="/events/batches/`+id.String()+`?status=FINISHED"`)
	require.Contains(t, page.Body, `hx-delete="/batches/`+id.String()+`"`)
	require.NotContains(t, page.Body, `/run"`, "a FINISHED batch cannot run")

	// From the report, actions answer with a redirect instead of a row.
	res := u.b.HTMX(http.MethodDelete, "/batches/"+id.String(), nil)
	require.Equal(t, http.StatusNoContent, res.StatusCode)
	require.Equal(t, "/", res.Header.Get("HX-Redirect"))
}
