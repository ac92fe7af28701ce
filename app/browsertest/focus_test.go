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

func TestWizardStepsMoveTheFocusToTheirHeading(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "focus@example.com", true)
	tb := newTab(t, h)
	tb.signIn(a)
	tb.open("/batches/new")

	// A step that comes back with a message puts the focus on the field.
	tb.do(chromedp.Click(chromedp.CSS(`#wizard button[type=submit]`)))
	tb.waitFor(`document.activeElement.id === "batch-name"`, 10*time.Second)
	require.Equal(t, "true", eval[string](tb, `document.activeElement.getAttribute("aria-invalid")`))

	tb.do(chromedp.SendKeys(chromedp.ID("batch-name"), "Focused"))
	tb.submit("/wizard/format")
	tb.waitFor(`document.activeElement.matches("h2[data-autofocus-heading]")`, 5*time.Second)
	require.Equal(t, "Upload format", eval[string](tb, `document.activeElement.textContent.trim()`))

	// A step swapped in place by htmx too.
	tb.do(chromedp.Evaluate[chromedp.Void](`window.sameDocument = true`))
	tb.submit("/wizard/interface")
	tb.waitFor(`document.activeElement.matches("h2[data-autofocus-heading]")`, 5*time.Second)
	require.Equal(t, "Select interface/flow", eval[string](tb, `document.activeElement.textContent.trim()`))
	require.True(t, eval[bool](tb, `window.sameDocument === true`), "swapped, not loaded")
}

func TestReportAnnouncesProgressPolitely(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "announce@example.com", true)
	id := seedBatch(t, h, a, "Announced", models.StatusDraft)
	require.NoError(t, h.DB.Exec(`UPDATE batches SET status = 'PROCESSING', total_count = 10, processed_count = 3, ready_at = now(), started_at = now() WHERE id = ?`, id).Error)
	tb := newTab(t, h)
	tb.signIn(a)
	tb.open("/batches/" + id.String())
	require.Equal(t, "polite", eval[string](tb, `document.getElementById("announcer").getAttribute("aria-live")`))

	require.NoError(t, h.DB.Exec(`UPDATE batches SET processed_count = 5 WHERE id = ?`, id).Error)
	deadline := time.Now().Add(15 * time.Second)
	for !eval[bool](tb, `document.getElementById("announcer").textContent.includes("50%")`) {
		require.True(t, time.Now().Before(deadline), "nothing was announced")
		ev := models.BatchEvent{AccountID: a.ID, BatchID: id, Status: models.StatusProcessing}
		_, err := h.Pool.Exec(context.Background(), models.NotifySQL, models.BatchEventsChannel, ev.Payload())
		require.NoError(t, err)
		time.Sleep(300 * time.Millisecond)
	}
	require.Equal(t, "Status PROCESSING, 50% processed.", tb.text("#announcer"))
}
