package browsertest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

// Pages left for the back/forward cache used to keep their live streams
// open: the browser's six connections per server ran out, and the seventh
// live page never loaded.
func TestLivePagesCloseTheirStreamsWhenLeft(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "streams@example.com", true)
	id := seedBatch(t, h, a, "Finished one", models.StatusFinished)
	tb := newTab(t, h)
	tb.signIn(a)

	for range 8 {
		tb.open("/batches/" + id.String())
		tb.open("/")
	}

	// Back to a page kept in the cache loads it again, with its stream.
	tb.do(chromedp.NavigateBack())
	tb.waitFor(`location.pathname === "/batches/`+id.String()+`" && document.readyState === "complete" &&
		!document.documentElement.hasAttribute("data-streams-closed") && document.querySelector("[sse-connect]") !== null`, 10*time.Second)
	require.Equal(t, "FINISHED", eval[string](tb, `document.querySelector("#batch-progress-`+id.String()+` [data-status]").dataset.status`))
}

// A report whose batch waits for a worker that does not come says so, and
// its Cancel (asked in the page's dialog) ends the batch there and then.
func TestCancelABatchWaitingForAWorker(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "waiting@example.com", true)
	id := apiBatch(t, h, h.APIKey(t, a), interfacesByName(t, h, a)["Contacts JSON"], "Nobody takes me", "application/json",
		`[{"external_id":"N-1","first_name":"Ned","age":3}]`, true)
	require.NoError(t, h.DB.Exec(`UPDATE batches SET ready_at = now() - interval '3 minutes' WHERE id = ?`, id).Error)
	tb := newTab(t, h)
	tb.signIn(a)
	tb.open("/batches/" + id.String())
	require.Equal(t, "Waiting for a worker; no worker has taken a batch yet. Start one (flowbatch worker, or flowbatch serve with workers), or cancel the batch.",
		tb.text("[data-waiting] p"))

	// The panel is swapped when its stream connects: a click during the
	// swap may miss, or find its button gone from the page between finding
	// and clicking it, so click until the dialog opens.
	deadline := time.Now().Add(20 * time.Second)
	for open := false; !open; {
		require.True(t, time.Now().Before(deadline), "the dialog never opened")
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-waiting] button")))
		cancel()
		if err != nil {
			continue
		}
		for try := time.Now().Add(time.Second); !open && time.Now().Before(try); {
			open = eval[bool](tb, `document.getElementById("confirm-dialog").open`)
		}
	}
	require.Contains(t, tb.text("#confirm-dialog-text"), "“Nobody takes me”")
	// A live event replaces the panel, and its button, while the dialog is
	// open: confirming still cancels.
	require.True(t, eval[bool](tb, `window.askedButton = document.querySelector("[data-waiting] button"); true`))
	ev := models.BatchEvent{AccountID: a.ID, BatchID: id, Status: models.StatusReady}
	_, err := h.Pool.Exec(context.Background(), models.NotifySQL, models.BatchEventsChannel, ev.Payload())
	require.NoError(t, err)
	tb.waitFor(`!window.askedButton.isConnected`, 20*time.Second)
	tb.do(chromedp.Click(chromedp.CSS("[data-confirm-ok]")))
	// The stream shows the batch ended, and the answer reloads the report.
	tb.waitFor(`document.readyState === "complete" && document.querySelector("[data-outcome=cancelled]") !== null &&
		document.querySelector("[data-waiting]") === null`, 30*time.Second)
	require.Empty(t, tb.dialogs, "no browser dialog")
	b, err := models.BatchByID(context.Background(), h.DB, a.ID, id)
	require.NoError(t, err)
	require.Equal(t, models.OutcomeCancelled, b.Outcome())
}
