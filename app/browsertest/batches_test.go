package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
)

const contactsJSON = `[
  {"external_id": "B-1", "first_name": "Ada", "age": 36},
  {"external_id": "B-2", "first_name": "Grace", "age": 85},
  {"external_id": "B-3", "first_name": "Alan", "age": "forty"}
]`

var batchPath = regexp.MustCompile(`^/batches/([0-9a-f-]{36})`)

// batchOf is the ID of the batch the tab is on.
func (tb *tab) batchOf() uuid.UUID {
	tb.t.Helper()
	m := batchPath.FindStringSubmatch(tb.path())
	require.NotNil(tb.t, m, tb.path())
	return uuid.MustParse(m[1])
}

// submit clicks the step's submit button and waits for the step at wantPath.
func (tb *tab) submit(wantSuffix string) {
	tb.t.Helper()
	tb.do(chromedp.Click(chromedp.CSS(`#wizard button[type=submit]`)))
	tb.waitFor(fmt.Sprintf(`location.pathname.endsWith(%q) && document.querySelector("h2") !== null`, wantSuffix), 10*time.Second)
}

func TestSignUpWizardRunAndWatchItFinish(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	tb := newTab(t, h)

	tb.open("/signup")
	tb.do(
		chromedp.SendKeys(chromedp.ID("email"), "browser@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), "long enough password"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("starter").checked = true`),
		chromedp.Click(chromedp.CSS(`main button[type=submit]`)),
	)
	tb.waitFor(`location.pathname === "/" && document.readyState === "complete"`, 10*time.Second)
	tb.do(chromedp.Click(chromedp.CSS(`a[href="/batches/new"]`)))
	tb.waitFor(`location.pathname === "/batches/new" && document.getElementById("batch-name") !== null`, 10*time.Second)

	// 1 Information
	tb.do(
		chromedp.SendKeys(chromedp.ID("batch-name"), "Browser contacts"),
		chromedp.SendKeys(chromedp.ID("batch-description"), "Three people"),
	)
	tb.submit("/wizard/format")
	id := tb.batchOf()
	// 2 Upload format
	tb.do(chromedp.Click(chromedp.CSS(`input[name=format][value=json]`)))
	tb.submit("/wizard/interface")
	// 3 Interface: the flow follows the interface.
	tb.choose("#batch-interface", "Contacts JSON")
	require.NotEmpty(t, eval[string](tb, `document.getElementById("batch-flow").value`))
	tb.submit("/wizard/upload")
	// 4 Upload a file with the picker.
	file := filepath.Join(t.TempDir(), "contacts.json")
	require.NoError(t, os.WriteFile(file, []byte(contactsJSON), 0o644))
	tb.do(chromedp.SetUploadFiles(chromedp.ID("batch-file"), []string{file}))
	tb.waitFor(`location.pathname.endsWith("/wizard/names") && document.getElementById("batch-input-name") !== null`, 15*time.Second)
	// 5 File names: defaults shown.
	require.Equal(t, "input.json", eval[string](tb, `document.getElementById("batch-input-name").placeholder`))
	tb.submit("/wizard/overview")
	// 6 Overview: count and preview with the mapping error of the third record.
	require.Equal(t, "3", tb.text(`[data-summary="Records"]`))
	require.Equal(t, "Browser contacts", tb.text(`[data-summary="Name"]`))
	require.Equal(t, "B-1", tb.text(`#preview tr[data-record="1"] td[data-column="external_id"]`))
	require.Contains(t, tb.text(`#preview tr[data-record="3"] td[data-column="age"] [data-mapping-error]`), "expected an integer")

	tb.do(chromedp.Click(chromedp.CSS(`button[name=action][value=run]`)))
	tb.waitFor(fmt.Sprintf(`location.pathname === "/batches/%s" && document.querySelector("[data-status]") !== null`, id), 10*time.Second)
	tb.do(chromedp.Evaluate[chromedp.Void](`window.sameDocument = true`))

	// The real worker processes it; the page follows without a reload.
	tb.waitFor(`document.querySelector("#batch-progress-`+id.String()+` [data-status]").dataset.status === "FINISHED"`, 60*time.Second)
	require.Equal(t, "3", tb.text(`[data-count="Processed"]`))
	require.Equal(t, "1", tb.text(`[data-count="Failed"]`))
	// The files and the error of the third record arrive without a reload too.
	tb.waitFor(`document.querySelector("#batch-errors") !== null`, 10*time.Second)
	require.Contains(t, tb.text("#batch-errors"), "age")
	require.True(t, eval[bool](tb, `document.querySelector('[data-file="output"] a[href^="/files/"][href$="/download"]') !== null`))
	require.True(t, eval[bool](tb, `document.querySelector('a[href^="/files?folder=batch%2Fbrowser-contacts-"]') !== null`))
	// The status change reloaded the actions: a FINISHED batch can be deleted.
	tb.waitFor(`document.querySelector('#batch-details [hx-delete]') !== null`, 10*time.Second)
	require.True(t, eval[bool](tb, `window.sameDocument === true`), "the page was reloaded")

	// The overview shows the row, and follows changes live too.
	tb.open("/")
	require.Equal(t, "FINISHED", eval[string](tb, `document.getElementById("batch-row-`+id.String()+`").dataset.status`))
}

// seedBatch creates a batch of a in status s, directly.
func seedBatch(t *testing.T, h *apptest.Harness, a apptest.Account, name string, s models.Status) uuid.UUID {
	t.Helper()
	b := &models.Batch{AccountID: a.ID, Name: name, Format: models.FormatJSON, Source: models.SourceUI, Status: s}
	require.NoError(t, models.CreateBatch(context.Background(), h.DB, b))
	return b.ID
}

func (tb *tab) menuItems(id uuid.UUID) []string {
	return eval[[]string](tb, `Array.from(document.querySelectorAll("#menu-`+id.String()+` [role=menuitem]")).map(e => e.textContent.trim())`)
}

func (tb *tab) focused() string {
	return eval[string](tb, `(document.activeElement.getAttribute("role") || "") + ":" + document.activeElement.textContent.trim()`)
}

func TestConfigMenuByKeyboard(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "keys@example.com", true)
	draft := seedBatch(t, h, a, "Draft one", models.StatusDraft)
	finished := seedBatch(t, h, a, "Finished one", models.StatusFinished)
	tb := newTab(t, h)
	tb.signIn(a)

	require.Equal(t, []string{"Edit", "Clone", "Run", "Delete"}, tb.menuItems(draft))
	require.Equal(t, []string{"View", "Clone", "Delete"}, tb.menuItems(finished))

	button := "#menu-button-" + draft.String()
	menu := "menu-" + draft.String()
	tb.do(chromedp.Focus(chromedp.CSS(button)), chromedp.KeyEvent(kb.Enter))
	require.Equal(t, "true", eval[string](tb, `document.querySelector("`+button+`").getAttribute("aria-expanded")`))
	require.False(t, eval[bool](tb, `document.getElementById("`+menu+`").hidden`))
	require.Equal(t, "menuitem:Edit", tb.focused())
	tb.do(chromedp.KeyEvent(kb.ArrowDown))
	require.Equal(t, "menuitem:Clone", tb.focused())
	tb.do(chromedp.KeyEvent(kb.End))
	require.Equal(t, "menuitem:Delete", tb.focused())
	tb.do(chromedp.KeyEvent(kb.ArrowDown))
	require.Equal(t, "menuitem:Edit", tb.focused(), "the arrows wrap around")
	tb.do(chromedp.KeyEvent(kb.ArrowUp))
	require.Equal(t, "menuitem:Delete", tb.focused())
	tb.do(chromedp.KeyEvent(kb.Escape))
	require.True(t, eval[bool](tb, `document.getElementById("`+menu+`").hidden`))
	require.Equal(t, "false", eval[string](tb, `document.querySelector("`+button+`").getAttribute("aria-expanded")`))
	require.Equal(t, "menu-button-"+draft.String(), eval[string](tb, `document.activeElement.id`), "focus returns to the button")

	// A live update of the row keeps its open menu and the focus.
	tb.do(chromedp.KeyEvent(kb.Enter), chromedp.KeyEvent(kb.ArrowDown))
	require.Equal(t, "menuitem:Clone", tb.focused())
	row := "batch-row-" + draft.String()
	tb.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("` + row + `").dataset.old = "1"`))
	deadline := time.Now().Add(15 * time.Second)
	for eval[bool](tb, `document.getElementById("`+row+`").dataset.old === "1"`) {
		require.True(t, time.Now().Before(deadline), "the row was never updated")
		ev := models.BatchEvent{AccountID: a.ID, BatchID: draft, Status: models.StatusDraft}
		_, err := h.Pool.Exec(context.Background(), models.NotifySQL, models.BatchEventsChannel, ev.Payload())
		require.NoError(t, err)
		time.Sleep(300 * time.Millisecond)
	}
	tb.waitFor(`document.activeElement.textContent.trim() === "Clone"`, 5*time.Second)
	require.False(t, eval[bool](tb, `document.getElementById("`+menu+`").hidden`))
	tb.do(chromedp.KeyEvent(kb.Escape))
	require.Equal(t, "menu-button-"+draft.String(), eval[string](tb, `document.activeElement.id`))

	// Space opens it too, and Enter on an item acts: Run swaps the row in place.
	tb.do(chromedp.KeyEvent(" "))
	require.Equal(t, "menuitem:Edit", tb.focused())
	tb.do(chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
	require.Equal(t, "menuitem:Run", tb.focused())
	tb.do(chromedp.KeyEvent(kb.Enter))
	// Run needs an interface and an input: the server explains in the flash area.
	tb.waitFor(`document.getElementById("flash").textContent.includes("Missing")`, 10*time.Second)
	require.Contains(t, tb.text("#flash"), "an input file")
}

func TestCloneAndDeleteFromTheMenu(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "menu@example.com", true)
	finished := seedBatch(t, h, a, "Old import", models.StatusFinished)
	tb := newTab(t, h)
	tb.signIn(a)

	tb.do(chromedp.Click(chromedp.CSS("#menu-button-" + finished.String())))
	tb.do(chromedp.Click(chromedp.CSS(`#menu-` + finished.String() + ` [hx-post$="/clone"]`)))
	tb.waitFor(`location.pathname.endsWith("/wizard/information") && document.getElementById("batch-name") !== null`, 10*time.Second)
	require.Equal(t, "Copy of Old import", eval[string](tb, `document.getElementById("batch-name").value`))
	// The toast of the answer that redirected shows on the page it led to.
	tb.waitForToast("Copy created")

	// Delete asks in the page's own dialog, naming the batch and its files;
	// Escape (or Cancel) keeps the batch.
	tb.open("/")
	const dialog = `document.getElementById("confirm-dialog")`
	tb.do(chromedp.Click(chromedp.CSS("#menu-button-" + finished.String())))
	tb.do(chromedp.Click(chromedp.CSS(`#menu-` + finished.String() + ` [hx-delete]`)))
	tb.waitFor(dialog+`.open`, 5*time.Second)
	msg := tb.text("#confirm-dialog-text")
	require.Contains(t, msg, "“Old import”")
	require.Contains(t, msg, "files")
	require.Equal(t, "Delete", tb.text("[data-confirm-ok]"))
	require.Equal(t, "Cancel", eval[string](tb, `document.activeElement.textContent.trim()`), "the safe choice has the focus")
	tb.shot("confirm-dialog")
	tb.do(chromedp.KeyEvent(kb.Escape))
	tb.waitFor("!"+dialog+`.open`, 5*time.Second)
	// The focus returns to the menu's button.
	tb.waitFor(`document.activeElement.id === "menu-button-`+finished.String()+`"`, 10*time.Second)
	require.False(t, eval[bool](tb, `document.getElementById("batch-row-`+finished.String()+`").hidden`))

	tb.do(chromedp.Click(chromedp.CSS("#menu-button-" + finished.String())))
	tb.do(chromedp.Click(chromedp.CSS(`#menu-` + finished.String() + ` [hx-delete]`)))
	tb.waitFor(dialog+`.open`, 5*time.Second)
	tb.do(chromedp.Click(chromedp.CSS("[data-confirm-ok]")))
	tb.waitFor(`document.getElementById("batch-row-`+finished.String()+`").hidden === true`, 10*time.Second)
	tb.waitForToast("Batch deleted")
	require.Empty(t, tb.dialogs, "no browser dialog")
	_, err := models.BatchByID(context.Background(), h.DB, a.ID, finished)
	require.ErrorIs(t, err, models.ErrNotFound)
}

// An answer's toast shows even when the element that asked has left the
// page before the answer came: a live update of the overview replaces a
// batch's row (and its menu) as soon as the batch is deleted, which can
// be before the Delete request's own answer arrives.
func TestToastShowsWhenTheAskingElementIsGone(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "gone@example.com", true)
	finished := seedBatch(t, h, a, "Old import", models.StatusFinished)
	tb := newTab(t, h)
	tb.signIn(a)

	row := components.RowID(finished.String())
	require.True(t, eval[bool](tb, `(function () {
		var asker = document.createElement("button");
		document.body.appendChild(asker);
		htmx.ajax("DELETE", "/batches/`+finished.String()+`", {source: asker, target: "#`+row+`", swap: "outerHTML"});
		asker.remove();
		return true;
	})()`))
	tb.waitForToast("Batch deleted")
	_, err := models.BatchByID(context.Background(), h.DB, a.ID, finished)
	require.ErrorIs(t, err, models.ErrNotFound)
}

func TestWizardBackKeepsValuesAndPasteIsChecked(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "back@example.com", true)
	tb := newTab(t, h)
	tb.signIn(a)

	tb.open("/batches/new")
	tb.do(chromedp.SendKeys(chromedp.ID("batch-name"), "Kept name"))
	tb.submit("/wizard/format")
	tb.do(chromedp.Click(chromedp.CSS(`input[name=format][value=csv]`)))
	tb.submit("/wizard/interface")

	// The wizard's Back button.
	tb.do(chromedp.Click(chromedp.CSS(`#wizard a.btn-secondary[hx-get$="/wizard/format"]`)))
	tb.waitFor(`location.pathname.endsWith("/wizard/format") && document.querySelector("input[value=csv]") !== null`, 10*time.Second)
	require.True(t, eval[bool](tb, `document.querySelector("input[value=csv]").checked`))
	// The browser's Back button, then Forward.
	tb.do(chromedp.NavigateBack())
	tb.waitFor(`location.pathname.endsWith("/wizard/interface") && document.getElementById("batch-interface") !== null`, 10*time.Second)
	tb.do(chromedp.NavigateBack())
	tb.waitFor(`location.pathname.endsWith("/wizard/format") && document.querySelector("input[value=csv]") !== null`, 10*time.Second)
	require.True(t, eval[bool](tb, `document.querySelector("input[value=csv]").checked`))
	tb.do(chromedp.NavigateForward())
	tb.waitFor(`location.pathname.endsWith("/wizard/interface") && document.getElementById("batch-interface") !== null`, 10*time.Second)
	require.Contains(t, tb.text("#batch-interface"), "Contacts CSV", "forward shows the CSV interfaces again")
	tb.do(chromedp.NavigateBack())
	tb.waitFor(`location.pathname.endsWith("/wizard/format") && document.querySelector("input[value=csv]") !== null`, 10*time.Second)
	tb.do(chromedp.Reload())
	tb.waitFor(`document.readyState === "complete" && document.querySelector("input[value=csv]") !== null`, 10*time.Second)
	require.True(t, eval[bool](tb, `document.querySelector("input[value=csv]").checked`), "reload keeps the value")
	tb.open(strings.TrimSuffix(tb.path(), "/format") + "/information")
	require.Equal(t, "Kept name", eval[string](tb, `document.getElementById("batch-name").value`))

	// Back to JSON, choose the interface, paste broken JSON.
	tb.open(strings.TrimSuffix(tb.path(), "/information") + "/format")
	tb.do(chromedp.Click(chromedp.CSS(`input[name=format][value=json]`)))
	tb.submit("/wizard/interface")
	tb.choose("#batch-interface", "Contacts JSON")
	tb.submit("/wizard/upload")
	tb.do(
		chromedp.SendKeys(chromedp.ID("batch-payload"), "[\n  {\"external_id\": \"X\",\n  {\"oops\": 1}\n]"),
		chromedp.Click(chromedp.CSS(`form:has(#batch-payload) button[type=submit]`)),
	)
	tb.waitFor(`document.getElementById("batch-payload-error") !== null`, 10*time.Second)
	msg := tb.text("#batch-payload-error")
	require.Regexp(t, `^Invalid JSON at byte \d+ \(line 3\)`, msg)
	require.Contains(t, eval[string](tb, `document.getElementById("batch-payload").value`), `{"oops": 1}`, "the pasted text stays")
	require.True(t, strings.HasSuffix(tb.path(), "/wizard/upload"))

	// A file dropped on the drop zone is uploaded and leads to the next step.
	tb.do(chromedp.Evaluate[chromedp.Void](`(() => {
		const dt = new DataTransfer();
		dt.items.add(new File(['[{"external_id": "D-1"}]'], "dropped.json", {type: "application/json"}));
		document.querySelector("[data-batch-dropzone]").dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: dt}));
	})()`))
	tb.waitFor(`location.pathname.endsWith("/wizard/names") && document.getElementById("batch-input-name") !== null`, 15*time.Second)
}

// noWorkers keeps batches READY: nothing processes them.
func noWorkers(c *config.Config) { c.Workers = 0 }

func TestOverviewShowsBatchesFromElsewhereLive(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "live@example.com", true)
	tb := newTab(t, h)
	tb.signIn(a)
	require.Contains(t, tb.text(".overview-empty"), "No batches yet")
	tb.do(chromedp.Evaluate[chromedp.Void](`window.sameDocument = true`))
	tb.waitFor(`document.querySelector("#overview-live[sse-connect]") !== null`, 5*time.Second)

	// A batch arriving through the API: created, then queued, then processing.
	id := seedBatch(t, h, a, "From the API", models.StatusDraft)
	announce := func(s models.Status) {
		ev := models.BatchEvent{AccountID: a.ID, BatchID: id, Status: s}
		_, err := h.Pool.Exec(context.Background(), models.NotifySQL, models.BatchEventsChannel, ev.Payload())
		require.NoError(t, err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for !eval[bool](tb, `document.getElementById("batch-row-`+id.String()+`") !== null`) {
		require.True(t, time.Now().Before(deadline), "the new batch never appeared")
		announce(models.StatusDraft) // the stream may still be connecting
		time.Sleep(300 * time.Millisecond)
	}
	require.False(t, eval[bool](tb, `getComputedStyle(document.querySelector(".overview-empty")).display !== "none"`), "the empty state goes")
	tb.waitFor(`document.querySelector('#batch-tabs [data-count="All"]').textContent === "1"`, 5*time.Second)
	require.Equal(t, "1", tb.text(`#batch-tabs [data-count="DRAFT"]`), "the tabs count the new batch")

	_, err := h.Pool.Exec(context.Background(), `UPDATE batches SET status = 'PROCESSING', total_count = 10, processed_count = 3 WHERE id = $1`, id)
	require.NoError(t, err)
	announce(models.StatusProcessing)
	tb.waitFor(`document.getElementById("batch-row-`+id.String()+`").dataset.status === "PROCESSING"`, 10*time.Second)
	tb.waitFor(`document.querySelector('#batch-tabs [data-count="PROCESSING"]').textContent === "1"`, 5*time.Second)
	require.Equal(t, "0", tb.text(`#batch-tabs [data-count="DRAFT"]`))
	require.Equal(t, 3.0, eval[float64](tb, `document.querySelector("#batch-row-`+id.String()+` progress").value`))
	require.Equal(t, 1, eval[int](tb, `document.querySelectorAll("#batch-rows tr").length`), "one row, not a second copy")
	require.True(t, eval[bool](tb, `window.sameDocument === true`), "the page was reloaded")
}
