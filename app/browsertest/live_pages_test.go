package browsertest

import (
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
