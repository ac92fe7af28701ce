package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/models"
)

// queued runs a complete draft (no worker takes it) and dates its Run ago.
func (u *uiBundle) queued(t *testing.T, name, ago string) uuid.UUID {
	t.Helper()
	id := u.completeDraft(t, name)
	res := u.b.HTMX(http.MethodPost, "/batches/"+id.String()+"/run", nil)
	require.Equal(t, http.StatusNoContent, res.StatusCode, res.Body)
	require.Equal(t, "/batches/"+id.String(), res.Header.Get("HX-Redirect"))
	require.NoError(t, u.h.DB.Exec(`UPDATE batches SET ready_at = now() - ?::interval WHERE id = ?`, ago, id).Error)
	return id
}

// startedAgo makes a batch of its own look taken by a worker some time ago.
func (u *uiBundle) startedAgo(t *testing.T, name, ago string) {
	t.Helper()
	id := u.completeDraft(t, name)
	u.setStatus(t, id, models.StatusFinished)
	require.NoError(t, u.h.DB.Exec(`UPDATE batches SET started_at = now() - ?::interval WHERE id = ?`, ago, id).Error)
}

// waitingNotice is the notice's text in a page or fragment, "" without one.
func waitingNotice(body string) string {
	i := strings.Index(body, `data-waiting><p class="text-sm text-amber-900">`)
	if i < 0 {
		return ""
	}
	rest := body[i+len(`data-waiting><p class="text-sm text-amber-900">`):]
	return rest[:strings.Index(rest, " Start one")]
}

func TestReadyBatchWithoutAWorkerSaysItWaits(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.queued(t, "Queued long ago", "10 minutes")
	report := "/batches/" + id.String()

	// No worker ever took a batch: the report, its panel reload, its live
	// event and the overview row all say so, with the same component.
	res := u.b.Get(report)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "Waiting for a worker; no worker has taken a batch yet.", waitingNotice(res.Body))
	require.Contains(t, res.Body, `hx-get="`+report+`/progress" hx-trigger="every 20s"`, "a READY batch's panel reloads itself")
	require.Contains(t, res.Body, `<button type="button" class="btn-secondary" hx-post="`+report+`/cancel" hx-confirm="Cancel the batch “Queued long ago”? Records inserted so far stay.">Cancel batch</button>`)

	panel := u.b.HTMX(http.MethodGet, report+"/progress", nil)
	require.Equal(t, http.StatusOK, panel.StatusCode)
	require.True(t, strings.HasPrefix(panel.Body, `<section id="batch-progress-`+id.String()+`"`), panel.Body)
	require.Equal(t, "Waiting for a worker; no worker has taken a batch yet.", waitingNotice(panel.Body))

	events, _ := openStream(t, u.h, u.b, "/events/batches/"+id.String()+"?status=READY")
	require.Equal(t, "Waiting for a worker; no worker has taken a batch yet.", waitingNotice(nextEvent(t, events, "progress").data))

	overview := u.b.Get("/")
	row := overview.Body[strings.Index(overview.Body, `<tr id="batch-row-`+id.String()+`"`):]
	row = row[:strings.Index(row, "</tr>")]
	require.Contains(t, row, `title="Waiting for a worker; no worker has taken a batch yet." data-waiting>waiting for a worker</span>`)

	// A worker took another batch (of another account too) 7 minutes ago: N counts from then.
	other := u.h.CreateAccount(t, "elsewhere@example.com", true)
	require.NoError(t, u.h.DB.Exec(`INSERT INTO batches (account_id, name, format, status, source, started_at, finished_at)
		VALUES (?, 'Elsewhere', 'json', 'FINISHED', 'ui', now() - interval '7 minutes 20 seconds', now())`, other.ID).Error)
	require.Equal(t, "Waiting for a worker; none has taken a batch for 7 minutes.", waitingNotice(u.b.Get(report).Body))
	require.Equal(t, "Waiting for a worker; none has taken a batch for 7 minutes.", waitingNotice(u.b.HTMX(http.MethodGet, report+"/progress", nil).Body))

	// A batch taken moments ago means workers run: they are busy, not absent.
	u.startedAgo(t, "Just taken", "10 seconds")
	res = u.b.Get(report)
	require.Empty(t, waitingNotice(res.Body))
	require.NotContains(t, res.Body, "data-waiting")
	require.NotContains(t, u.b.HTMX(http.MethodGet, report+"/progress", nil).Body, "data-waiting")
}

func TestRecentlyQueuedBatchDoesNotWaitYet(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.queued(t, "Just queued", "20 seconds")
	res := u.b.Get("/batches/" + id.String())
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NotContains(t, res.Body, "data-waiting", "a minute's grace before saying so")
	require.Contains(t, res.Body, `hx-trigger="every 20s"`, "the panel reloads to say so once the minute has passed")
}

func TestCancelFromTheWaitingNoticeEndsTheBatch(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.queued(t, "Never taken", "5 minutes")
	report := "/batches/" + id.String()
	require.NotEmpty(t, waitingNotice(u.b.Get(report).Body))

	res := u.b.HTMX(http.MethodPost, report+"/cancel", nil)
	require.Equal(t, http.StatusNoContent, res.StatusCode, res.Body)
	require.Equal(t, report, res.Header.Get("HX-Redirect"), "the report reloads")
	require.Contains(t, res.Header.Get("HX-Trigger"), "Batch cancelled.")

	b := u.batch(t, id)
	require.Equal(t, models.StatusError, b.Status)
	require.Equal(t, models.OutcomeCancelled, b.Outcome())
	require.NotNil(t, b.FinishedAt)
	page := u.b.Get(report).Body
	require.NotContains(t, page, "data-waiting")
	require.NotContains(t, page, "every 20s", "an ended batch's panel does not reload itself")
	require.Contains(t, page, `data-file="error"`, "error.log says why it ended")

	res = u.b.HTMX(http.MethodPost, report+"/cancel", nil)
	require.Equal(t, http.StatusConflict, res.StatusCode, "an ended batch cannot be cancelled again")
}
