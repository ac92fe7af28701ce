package app_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/models"
)

var tabCount = regexp.MustCompile(`data-count="([A-Za-z]+)">(\d+)<`)

// tabCounts reads the counts of a rendered BatchTabs.
func tabCounts(t *testing.T, html string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range tabCount.FindAllStringSubmatch(html, -1) {
		n, err := strconv.Atoi(m[2])
		require.NoError(t, err)
		out[m[1]] = n
	}
	require.Contains(t, out, "All", html)
	return out
}

// nextTabs waits for a "tabs" event whose counts satisfy ok.
func nextTabs(t *testing.T, events <-chan sseEvent, ok func(map[string]int) bool) map[string]int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c := tabCounts(t, nextEvent(t, events, "tabs").data)
		if ok(c) {
			return c
		}
	}
	t.Fatal("the tabs never showed the expected counts")
	return nil
}

func TestOverviewTabsFollowChangesLive(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	draft := u.completeDraft(t, "Already there")
	page := u.b.Get("/")
	require.Equal(t, map[string]int{"All": 1, "DRAFT": 1, "READY": 0, "PROCESSING": 0, "FINISHED": 0, "ERROR": 0}, tabCounts(t, page.Body))
	require.Contains(t, page.Body, `id="batch-tabs"`)
	require.Contains(t, page.Body, `sse-swap="tabs"`)

	since := strconv.FormatInt(time.Now().UnixMilli(), 10)
	events, _ := openStream(t, u.h, u.b, "/events/batches?since="+since)

	// A batch arriving through the API from another process.
	key := u.h.APIKey(t, u.acct)
	var created uuid.UUID
	require.Eventually(t, func() bool {
		if created == uuid.Nil {
			res := u.h.API(t, key, http.MethodPost, "/api/v1/interfaces/"+u.interfaceID(t, "Contacts JSON")+"/batch",
				strings.NewReader(`[{"external_id":"T-1"}]`), http.Header{"Content-Type": {"application/json"}})
			require.Less(t, res.StatusCode, 300, res.Body)
			created = decodeBatch(t, res).ID
		} else {
			u.notifyChange(t, created, models.StatusReady) // the stream may have connected after the first notice
		}
		select {
		case ev := <-events:
			return ev.name == "tabs" && tabCounts(t, ev.data)["All"] == 2
		case <-time.After(300 * time.Millisecond):
			return false
		}
	}, 10*time.Second, 10*time.Millisecond)

	// A batch finishing moves it from its tab to FINISHED.
	u.setStatus(t, draft, models.StatusFinished)
	u.notifyChange(t, draft, models.StatusFinished)
	c := nextTabs(t, events, func(c map[string]int) bool { return c["FINISHED"] == 1 })
	require.Equal(t, 2, c["All"])
	require.Equal(t, 2, c["DRAFT"]+c["READY"]+c["PROCESSING"]+c["FINISHED"]+c["ERROR"])

	// A delete lowers All and the batch's tab.
	res := u.b.HTMX(http.MethodDelete, "/batches/"+draft.String(), nil)
	require.Equal(t, http.StatusNoContent, res.StatusCode)
	c = nextTabs(t, events, func(c map[string]int) bool { return c["All"] == 1 })
	require.Equal(t, 0, c["FINISHED"])

	// A searching page's tabs count its search only.
	search, _ := openStream(t, u.h, u.b, "/events/batches?since=1&q=nothing+matches")
	require.Equal(t, 0, tabCounts(t, nextEvent(t, search, "tabs").data)["All"])
}
