package browsertest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

// zone makes the tab's browser live in a time zone and locale.
func (tb *tab) zone(tz, locale string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	_, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: tz})
	require.NoError(tb.t, err)
	_, err = chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: locale})
	require.NoError(tb.t, err)
}

func TestTimesShowInTheReadersZoneAlsoWhenPushedLive(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "zone@example.com", true)
	id := seedBatch(t, h, a, "Zoned", models.StatusFinished)
	require.NoError(t, h.DB.Exec(`UPDATE batches SET created_at = '2026-01-15 12:00:00+00', ready_at = '2026-01-15 12:00:00+00',
		started_at = '2026-01-15 12:00:00+00', finished_at = '2026-01-15 12:00:05+00' WHERE id = ?`, id).Error)
	tb := newTab(t, h)
	tb.zone("Europe/Berlin", "de-DE")
	tb.signIn(a)

	created := `document.querySelector('[data-timestamp="Created"] time')`
	tb.open("/batches/" + id.String())
	require.Equal(t, "2026-01-15T12:00:00Z", eval[string](tb, created+`.getAttribute("datetime")`))
	tb.waitFor(created+`.hasAttribute("data-local")`, 5*time.Second)
	require.Equal(t, "15.01.2026, 13:00:00", tb.text(`[data-timestamp="Created"] time`), "Berlin is UTC+1 in January")
	require.Contains(t, eval[string](tb, created+`.title`), "MEZ")

	// The progress panel pushed by the stream gets local times too.
	tb.do(chromedp.Evaluate[chromedp.Void](created + `.closest("section").dataset.old = "1"`))
	deadline := time.Now().Add(15 * time.Second)
	for eval[bool](tb, created+`.closest("section").dataset.old === "1"`) {
		require.True(t, time.Now().Before(deadline), "the panel was never pushed")
		ev := models.BatchEvent{AccountID: a.ID, BatchID: id, Status: models.StatusFinished}
		_, err := h.Pool.Exec(context.Background(), models.NotifySQL, models.BatchEventsChannel, ev.Payload())
		require.NoError(t, err)
		time.Sleep(300 * time.Millisecond)
	}
	tb.waitFor(created+`.textContent.trim() === "15.01.2026, 13:00:00"`, 5*time.Second)

	// Tables of other pages too; the overview's relative time keeps the exact local moment in its title.
	tb.open("/")
	tb.waitFor(`document.querySelector("#batch-rows time[data-relative]").title.includes("MEZ")`, 5*time.Second)
}
