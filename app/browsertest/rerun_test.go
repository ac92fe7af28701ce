package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

// TestRerunFailedRecordsFromTheReport follows a person from the report of a
// batch whose records failed to the re-run of those records, and sees the
// toast when the re-run ends.
func TestRerunFailedRecordsFromTheReport(t *testing.T) {
	t.Parallel()
	const n = 20000 // enough that the re-run is still going when its report opens
	h := apptest.New(t)
	a := h.CreateAccount(t, "rerun@example.com", true)
	ifaces, err := models.ListInterfaces(context.Background(), h.DB, a.ID, false)
	require.NoError(t, err)
	var jsonID uuid.UUID
	for _, in := range ifaces {
		if in.Format == models.FormatJSON {
			jsonID = in.ID
		}
	}
	var body strings.Builder
	body.WriteString("[")
	for i := range n {
		if i > 0 {
			body.WriteString(",")
		}
		fmt.Fprintf(&body, `{"external_id":"E-%d","first_name":"Eve","age":"forty"}`, i)
	}
	body.WriteString("]")
	res := h.API(t, h.APIKey(t, a), http.MethodPost, "/api/v1/interfaces/"+jsonID.String()+"/batch", strings.NewReader(body.String()),
		http.Header{"Content-Type": {"application/json"}, "X-Batch-Status": {"READY"}, "X-Batch-Name": {"Ages in words"}})
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	parent := batchPath.FindStringSubmatch(strings.TrimPrefix(res.Header.Get("Location"), h.URL+"/api/v1"))
	require.NotNil(t, parent, res.Header.Get("Location"))
	require.Eventually(t, func() bool {
		b, err := models.BatchByID(context.Background(), h.DB, a.ID, uuid.MustParse(parent[1]))
		return err == nil && b.Status == models.StatusFinished
	}, time.Minute, 50*time.Millisecond)

	tb := newTab(t, h)
	tb.signIn(a)
	tb.open("/batches/" + parent[1])
	require.Contains(t, tb.text("#batch-error-groups"), "20,000 × age: expected an integer")
	require.Equal(t, "all_failed", eval[string](tb, `document.querySelector("[data-outcome]").dataset.outcome`))

	tb.do(chromedp.Click(chromedp.CSS(`[data-action="rerun-failed"]`)))
	tb.waitFor(`location.pathname.endsWith("/wizard/overview") && document.querySelector("button[name=action][value=run]") !== null`, 15*time.Second)
	child := tb.batchOf()
	require.NotEqual(t, parent[1], child.String())
	require.Equal(t, "Re-run of Ages in words", tb.text(`[data-summary="Name"]`))

	tb.do(chromedp.Click(chromedp.CSS(`button[name=action][value=run]`)))
	tb.waitFor(fmt.Sprintf(`location.pathname === "/batches/%s" && document.querySelector("[data-status]") !== null`, child), 10*time.Second)
	require.Contains(t, tb.text("[data-parent]"), "Re-run of Ages in words")

	// The report says when the batch ends: a toast and the tab's title.
	tb.waitFor(`document.querySelector("[data-toast]") !== null`, 90*time.Second)
	require.Equal(t, "FINISHED", eval[string](tb, `document.querySelector("#batch-progress-`+child.String()+` [data-status]").dataset.status`))
	require.Contains(t, tb.text("[data-toast]"), "“Re-run of Ages in words” finished: all 20,000 failed")
	require.True(t, eval[bool](tb, `document.title.startsWith("! FINISHED · ")`), eval[string](tb, "document.title"))
}
