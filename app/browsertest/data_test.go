package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

// previewJSON has a good record, records with mapping errors and long
// values, so that the preview table is wider than a phone.
const previewJSON = `[
  {"external_id": "D-1", "first_name": "Ada", "last_name": "Lovelace", "email": "ada.lovelace@analytical-engine.example.com", "age": 36, "active": true, "birthday": "1815-12-10"},
  {"external_id": "D-2", "first_name": "Grace", "age": "eighty-five", "birthday": "1906-13-09"},
  42
]`

// draftAtOverview makes a DRAFT through the wizard's forms, up to the
// overview step, and returns its ID.
func draftAtOverview(t *testing.T, h *apptest.Harness, a apptest.Account, payload string) uuid.UUID {
	t.Helper()
	b := h.SignIn(t, a)
	b.Get("/batches/new")
	res := b.PostForm("/batches/new", url.Values{"name": {"Readable preview"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	m := batchPath.FindStringSubmatch(res.Header.Get("Location"))
	require.NotNil(t, m, res.Header.Get("Location"))
	ins, err := models.ListInterfaces(context.Background(), h.DB, a.ID, false)
	require.NoError(t, err)
	var contacts string
	for _, in := range ins {
		if in.Name == "Contacts JSON" {
			contacts = in.ID.String()
		}
	}
	base := "/batches/" + m[1] + "/wizard/"
	for _, s := range []struct {
		step string
		form url.Values
	}{
		{"format", url.Values{"format": {"json"}}},
		{"interface", url.Values{"interface_id": {contacts}}},
		{"upload", url.Values{"mode": {"paste"}, "payload": {payload}}},
		{"names", url.Values{"input_name": {""}, "output_name": {""}}},
	} {
		res := b.PostForm(base+s.step, s.form)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, "step %s: %s", s.step, res.Body)
	}
	return uuid.MustParse(m[1])
}

// seedContactRecords writes n records into the account's starter flow, as
// written by one finished batch, and returns the flow's and the batch's IDs.
func seedContactRecords(t *testing.T, h *apptest.Harness, a apptest.Account, n int) (flow, batch uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	flows, err := models.ListFlows(ctx, h.DB, a.ID, false)
	require.NoError(t, err)
	require.Len(t, flows, 1)
	flow = flows[0].ID
	now := time.Now()
	b := &models.Batch{AccountID: a.ID, Name: "Contacts of the spring fair", Format: models.FormatJSON, Source: models.SourceUI,
		Status: models.StatusFinished, FlowID: &flow, FinishedAt: &now}
	require.NoError(t, models.CreateBatch(ctx, h.DB, b))
	for i := range n {
		key := fmt.Sprintf("C-%03d", i)
		data := fmt.Sprintf(`{"external_id":%q,"first_name":"Person %d","last_name":"Of a rather long family name %d","email":"person.%d@a-long-domain-name.example.com","age":%d,"active":%t,"birthday":"1990-01-%02d"}`,
			key, i, i, i, 20+i, i%2 == 0, 1+i%28)
		require.NoError(t, h.DB.Exec(`INSERT INTO records (id, account_id, flow_id, batch_id, batch_index, key, data) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			uuid.Must(uuid.NewV7()), a.ID, flow, b.ID, i, key, data).Error)
	}
	return flow, b.ID
}

// The wizard's preview table and the records browser's columns: 0 axe
// violations and no sideways scroll, at a phone's width and a desktop's,
// in both themes. The preview is checked as a page and as the fragment the
// stepper swaps in.
func TestReadableDataPassAxeAndFitAPhone(t *testing.T) {
	t.Parallel()
	source := axeSource(t)
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "data@example.com", true)
	draft := draftAtOverview(t, h, a, previewJSON)
	flow, batch := seedContactRecords(t, h, a, 12)
	records := "/flows/" + flow.String() + "/records"
	overview := "/batches/" + draft.String() + "/wizard/overview"

	tb := newTab(t, h)
	tb.signIn(a)
	type state struct {
		name string
		load func()
	}
	states := []state{
		{"wizard preview page", func() { tb.open(overview) }},
		{"wizard preview swapped in", func() {
			tb.open("/batches/" + draft.String() + "/wizard/names")
			tb.do(chromedp.Click(chromedp.CSS(`a[href="` + overview + `"]`)))
			tb.waitFor(`location.pathname.endsWith("/wizard/overview") && document.querySelector("#preview") !== null`, 10*time.Second)
		}},
		{"records, default columns", func() { tb.open(records) }},
		{"records, chosen columns and a batch", func() {
			tb.open(records + "?" + url.Values{"batch": {batch.String()}, "cols": {"1"},
				"col": {"first_name", "last_name", "email", "age", "active", "birthday"}}.Encode())
		}},
	}
	var found []string
	for _, size := range [][2]int64{{phoneWidth, phoneHeight}, {1280, 900}} {
		for _, scheme := range []string{"light", "dark"} {
			tb.viewport(size[0], size[1])
			tb.colorScheme(scheme)
			for _, s := range states {
				s.load()
				for _, v := range tb.axe(source) {
					found = append(found, fmt.Sprintf("%s %dpx %s: %s (%s) %v", s.name, size[0], scheme, v.ID, v.Impact, v.Targets))
				}
				tb.fitsWidth()
				tb.shot(shotName(s.name, size[0], scheme))
			}
		}
	}
	sort.Strings(found)
	require.Empty(t, found)

	// The last state: the columns chosen, the filter shown, the rows of the batch.
	require.Equal(t, 12, eval[int](tb, `document.querySelectorAll("#records tbody tr").length`))
	require.Equal(t, []string{"external_id", "first_name", "last_name", "email", "age", "active", "birthday", "Record", "Batch", "Inserted"},
		eval[[]string](tb, `Array.from(document.querySelectorAll("#records thead th")).map(th => th.textContent.trim())`))
	require.True(t, eval[bool](tb, `document.querySelector("[data-batch-filter]") !== null`))
	// The table scrolls inside its focusable region, not the page.
	tb.viewport(phoneWidth, phoneHeight)
	require.True(t, eval[bool](tb, `(() => { const r = document.querySelector("#records").closest("[role=region]"); return r.tabIndex === 0 && r.scrollWidth > r.clientWidth; })()`))
	tb.fitsWidth()

	// Removing the filter keeps the columns.
	tb.do(chromedp.Click(chromedp.CSS(`[data-remove-batch-filter]`)))
	tb.waitFor(`document.readyState === "complete" && !location.search.includes("batch=") && document.querySelector("#records") !== null`, 10*time.Second)
	require.Equal(t, 6, eval[int](tb, `new URLSearchParams(location.search).getAll("col").length`))
}

func TestRecordIDIsCopiedWhole(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "copy@example.com", true)
	flow, _ := seedContactRecords(t, h, a, 1)
	tb := newTab(t, h)
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
		_, err := chromedp.Call(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted,
			Origin: h.URL, BrowserContextID: chromedp.FromContext(tb.ctx).BrowserContextID})
		cancel()
		require.NoError(t, err)
	}
	tb.signIn(a)
	tb.open("/flows/" + flow.String() + "/records")

	id := eval[string](tb, `document.querySelector("[data-record-id] a").title`)
	require.Len(t, id, 36)
	require.Equal(t, id[28:], tb.text(`[data-record-id] code`))
	tb.do(chromedp.Click(chromedp.CSS(`[data-record-id] button[data-copy]`)))
	tb.waitFor(`document.querySelector("#toasts [data-toast]") !== null`, 10*time.Second)
	require.Equal(t, "Record ID copied", tb.text(`#toasts [data-toast] .toast-message`))
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	copied, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, id, copied)
}
