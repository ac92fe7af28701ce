package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

// pageState is a page in a state a person meets it in: open brings the tab
// there (loading the page, and filling or sending a form when the state
// needs it).
type pageState struct {
	name string
	tab  *tab
	open func(tb *tab)
}

// at is a state that is just a page.
func at(name string, tb *tab, path string) pageState {
	return pageState{name: name, tab: tb, open: func(tb *tab) { tb.open(path) }}
}

// submitted is a state reached by opening path and sending its form (the
// first one matching form) as fill leaves it; it is there once ready is true.
func submitted(name string, tb *tab, path, form, fill, ready string) pageState {
	return pageState{name: name, tab: tb, open: func(tb *tab) {
		tb.open(path)
		tb.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const f = document.querySelector(%q); %s; f.requestSubmit(); })()`, form, fill)))
		tb.waitFor(ready, 15*time.Second)
		tb.waitFor(`!document.querySelector(".htmx-request, .htmx-settling, .htmx-swapping")`, 10*time.Second)
	}}
}

// fieldErrors is true once a form shows its validation messages.
const fieldErrors = `document.querySelector('[aria-invalid="true"], .field-error, [role=alert]') !== null`

// artifactDir is where screenshots of failing pages go: $FLOWBATCH_SCREENSHOTS
// when set, else a new temporary folder that outlives the test.
func artifactDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("FLOWBATCH_SCREENSHOTS"); dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		return dir
	}
	dir, err := os.MkdirTemp("", "flowbatch-axe-")
	require.NoError(t, err)
	return dir
}

// saveShot writes a screenshot of the tab's viewport into dir as name.png.
func (tb *tab) saveShot(dir, name string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return fmt.Sprintf("(no screenshot: %v)", err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		return fmt.Sprintf("(no screenshot: %v)", err)
	}
	return path
}

// audit lists what is wrong with the tab's page: axe-core's violations and,
// on a phone, whether the page scrolls sideways.
func (tb *tab) audit(source string, width int64) []string {
	tb.t.Helper()
	var found []string
	for _, v := range tb.axe(source) {
		found = append(found, fmt.Sprintf("%s (%s) %v", v.ID, v.Impact, v.Targets))
	}
	if width == phoneWidth {
		if sw, iw := eval[int](tb, `document.scrollingElement.scrollWidth`), eval[int](tb, `innerWidth`); sw > iw {
			found = append(found, fmt.Sprintf("scrolls sideways: %d > %d px, too wide: %v", sw, iw, eval[[]string](tb, overflowing)))
		}
	}
	return found
}

// apiBatch creates a batch of the account through the API from a JSON or
// CSV payload, queued when ready is set.
func apiBatch(t *testing.T, h *apptest.Harness, key string, iface uuid.UUID, name, contentType, payload string, ready bool) uuid.UUID {
	t.Helper()
	header := http.Header{"Content-Type": {contentType}, "X-Batch-Name": {name}}
	if ready {
		header.Set("X-Batch-Status", "READY")
	}
	res := h.API(t, key, http.MethodPost, "/api/v1/interfaces/"+iface.String()+"/batch", strings.NewReader(payload), header)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	m := batchPath.FindStringSubmatch(strings.TrimPrefix(res.Header.Get("Location"), h.URL+"/api/v1"))
	require.NotNil(t, m, res.Header.Get("Location"))
	return uuid.MustParse(m[1])
}

// interfacesByName are the account's interfaces.
func interfacesByName(t *testing.T, h *apptest.Harness, a apptest.Account) map[string]uuid.UUID {
	t.Helper()
	ins, err := models.ListInterfaces(context.Background(), h.DB, a.ID, false)
	require.NoError(t, err)
	byName := map[string]uuid.UUID{}
	for _, in := range ins {
		byName[in.Name] = in.ID
	}
	return byName
}

// ended waits until a batch has ended with status s.
func ended(t *testing.T, h *apptest.Harness, a apptest.Account, id uuid.UUID, s models.Status) {
	t.Helper()
	var last models.Status
	require.Eventually(t, func() bool {
		b, err := models.BatchByID(context.Background(), h.DB, a.ID, id)
		if err == nil {
			last = b.Status
		}
		return last == models.StatusFinished || last == models.StatusError
	}, 2*time.Minute, 50*time.Millisecond)
	require.Equal(t, s, last)
}

// fileIDs are the account's files, "folder/name" to ID.
func fileIDs(t *testing.T, h *apptest.Harness, a apptest.Account) map[string]string {
	t.Helper()
	var files []models.File
	require.NoError(t, h.DB.Where("account_id = ?", a.ID).Find(&files).Error)
	ids := map[string]string{}
	for _, f := range files {
		ids[f.Folder+"/"+f.Name] = f.ID.String()
	}
	return ids
}

// TestPageStatesPassAxe checks the pages TestPagesPassAxe opens empty in the
// states people meet them in: every wizard step of a complete draft and a
// step refusing its form, reports of batches that ended clean, with failed
// records and in ERROR, a live report (PROCESSING, and READY waiting for a
// worker), file previews of every kind, forms showing their errors, the error
// pages and the sign-in and sign-up forms refusing what they got. Each state
// has no axe-core violation at 390 and 1280 px in both themes and does not
// scroll sideways on a phone; a failing state leaves screenshots.
func TestPageStatesPassAxe(t *testing.T) {
	t.Parallel()
	source := axeSource(t)

	// Ended batches come from a server with a worker: their reports and
	// files are the real ones.
	worked := apptest.New(t)
	wa := worked.CreateAccount(t, "worked@example.com", true)
	wkey := worked.APIKey(t, wa)
	wifaces := interfacesByName(t, worked, wa)
	clean := apiBatch(t, worked, wkey, wifaces["Contacts CSV"], "Clean CSV import", "text/csv",
		"external_id,first_name,age\nC-1,Cy,41\nC-2,Di,29\n", true)
	withErrors := apiBatch(t, worked, wkey, wifaces["Contacts JSON"], "Import with failed records", "application/json",
		`[{"external_id":"A-1","first_name":"Ada","age":36},{"external_id":"A-2","first_name":"Bob","age":"old"},{"first_name":"Nobody"}]`, true)
	broken := apiBatch(t, worked, wkey, wifaces["Contacts JSON"], "Broken payload", "application/json", `[{"external_id": "B-1",`, true)
	ended(t, worked, wa, clean, models.StatusFinished)
	ended(t, worked, wa, withErrors, models.StatusFinished)
	ended(t, worked, wa, broken, models.StatusError)
	files := fileIDs(t, worked, wa)
	var previews []string
	for name, id := range files {
		if strings.HasPrefix(name, "samples/") || strings.Contains(name, "import-with-failed-records") {
			previews = append(previews, name+" "+id)
		}
	}
	sort.Strings(previews)
	require.GreaterOrEqual(t, len(previews), 7, "the samples and the files of a batch with failures: %v", previews)

	// The other states come from a server without workers, where a queued
	// batch waits.
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "states@example.com", true)
	key := h.APIKey(t, a)
	ifaces := interfacesByName(t, h, a)
	draft := apiBatch(t, h, key, ifaces["Contacts JSON"], "Complete draft", "application/json",
		`[{"external_id":"D-1","first_name":"Dee","age":52},{"external_id":"D-2","first_name":"Eli","age":"unknown"}]`, false)
	waiting := apiBatch(t, h, key, ifaces["Contacts JSON"], "Queued while no worker runs", "application/json",
		`[{"external_id":"W-1","first_name":"Wes","age":30}]`, true)
	require.NoError(t, h.DB.Exec(`UPDATE batches SET ready_at = now() - interval '5 minutes' WHERE id = ?`, waiting).Error)
	processing := seedBatch(t, h, a, "Import in progress", models.StatusProcessing)
	// A worker took it ten minutes ago, and none took a batch since.
	require.NoError(t, h.DB.Exec(`UPDATE batches SET total_count = 1000, processed_count = 420, inserted_count = 400, failed_count = 20,
		ready_at = now() - interval '11 minutes', started_at = now() - interval '10 minutes' WHERE id = ?`, processing).Error)

	anon := newTab(t, h)
	tb := newTab(t, h)
	tb.signIn(a)
	wtb := newTab(t, worked)
	wtb.signIn(wa)

	wizard := "/batches/" + draft.String() + "/wizard/"
	report := func(id uuid.UUID) string { return "/batches/" + id.String() }
	states := []pageState{
		at("wizard 1 information", tb, wizard+"information"),
		submitted("wizard 1 refusing an empty name", tb, "/batches/new", "main form", `f.querySelector("[name=name]").value = ""`, fieldErrors),
		at("wizard 2 format", tb, wizard+"format"),
		at("wizard 3 interface", tb, wizard+"interface"),
		at("wizard 4 upload", tb, wizard+"upload"),
		at("wizard 5 names", tb, wizard+"names"),
		at("wizard 6 overview", tb, wizard+"overview"),
		at("report finished clean", wtb, report(clean)),
		at("report finished with failed records", wtb, report(withErrors)),
		at("report ERROR", wtb, report(broken)),
		at("report PROCESSING", tb, report(processing)),
		{name: "report READY waiting for a worker", tab: tb, open: func(tb *tab) {
			tb.open(report(waiting))
			tb.waitFor(`document.querySelector("[data-waiting]") !== null`, 10*time.Second)
		}},
		at("overview with a waiting batch", tb, "/?status=READY"),
		submitted("interface form with errors", tb, "/interfaces/new", "#interface-form", `f.querySelector("[name=name]").value = ""`, fieldErrors),
		submitted("flow form with errors", tb, "/flows/new", "#flow-form", `f.querySelector("[name=name]").value = ""`, fieldErrors),
		at("interface page", tb, "/interfaces/"+ifaces["Contacts CSV"].String()),
		{name: "403 for an expired form", tab: tb, open: func(tb *tab) {
			tb.open("/flows/new")
			tb.do(chromedp.Evaluate[chromedp.Void](`(() => {
				const f = document.getElementById("flow-form");
				f.querySelector("[name=_csrf]").value = "expired";
				f.querySelector("[name=name]").value = "Too late";
				HTMLFormElement.prototype.submit.call(f);
			})()`))
			tb.waitFor(`location.pathname === "/flows" && document.readyState === "complete" &&
				document.querySelector("main").innerText.includes("This form has expired")`, 10*time.Second)
		}},
		submitted("login refusing a wrong password", anon, "/login", "#login-form",
			`f.querySelector("#email").value = "states@example.com"; f.querySelector("#password").value = "not the password"`, `document.querySelector("#login-form [role=alert]") !== null`),
		submitted("sign-up refusing an empty form", anon, "/signup", "#signup-form", "", fieldErrors),
	}
	for _, p := range previews {
		name, id, _ := strings.Cut(p, " ")
		states = append(states, at("preview of "+name, wtb, "/files/"+id))
	}

	dir := ""
	var found []string
	for _, size := range [][2]int64{{phoneWidth, phoneHeight}, {1280, 900}} {
		for _, scheme := range []string{"light", "dark"} {
			for _, tab := range []*tab{anon, tb, wtb} {
				tab.viewport(size[0], size[1])
				tab.colorScheme(scheme)
			}
			for _, st := range states {
				st.open(st.tab)
				problems := st.tab.audit(source, size[0])
				if len(problems) == 0 {
					continue
				}
				if dir == "" {
					dir = artifactDir(t)
				}
				shot := st.tab.saveShot(dir, shotName(st.name, size[0], scheme))
				for _, p := range problems {
					found = append(found, fmt.Sprintf("%s %dpx %s: %s", st.name, size[0], scheme, p))
				}
				found = append(found, fmt.Sprintf("%s %dpx %s: screenshot %s", st.name, size[0], scheme, shot))
			}
		}
	}
	sort.Strings(found)
	require.Empty(t, found, "screenshots of the failing pages are in %s", dir)
}
