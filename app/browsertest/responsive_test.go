package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

// phone is the viewport of a common phone, in CSS pixels.
const phoneWidth, phoneHeight = 390, 844

// viewport resizes the tab's page.
func (tb *tab) viewport(w, h int64) {
	tb.t.Helper()
	tb.do(chromedp.EmulateViewport(w, h))
}

// overflowing lists the elements that reach past the right edge of the
// viewport, for a message that says what made a page scroll sideways.
const overflowing = `Array.from(document.querySelectorAll("body *"))
	.filter(e => e.getBoundingClientRect().right > innerWidth + 0.5 && getComputedStyle(e).visibility !== "hidden")
	.filter(e => !e.closest(".table-scroll") || getComputedStyle(e).position !== "static").slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + "." + String(e.className).split(" ").slice(0, 3).join(".") + " " + Math.round(e.getBoundingClientRect().right))`

// fitsWidth checks that the page does not scroll sideways.
func (tb *tab) fitsWidth() {
	tb.t.Helper()
	sw := eval[int](tb, `document.scrollingElement.scrollWidth`)
	iw := eval[int](tb, `innerWidth`)
	require.LessOrEqual(tb.t, sw, iw, "%s scrolls sideways; too wide: %v", tb.path(), eval[[]string](tb, overflowing))
}

// shot saves a screenshot of the viewport into $FLOWBATCH_SCREENSHOTS when it is
// set, so that pages can be looked at after a run.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	dir := os.Getenv("FLOWBATCH_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(tb.t, err)
	require.NoError(tb.t, os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644))
}

// seedPages gives an account something on every page: batches in several
// states (one with a long name), a file, and its starter interface and flow.
func seedPages(t *testing.T, h *apptest.Harness, a apptest.Account) (batch string) {
	t.Helper()
	seedBatch(t, h, a, "Finished import of the customer master data for the spring campaign", models.StatusFinished)
	seedBatch(t, h, a, "Contacts", models.StatusError)
	return seedBatch(t, h, a, "Draft of the week", models.StatusDraft).String()
}

// colorScheme makes the tab's system prefer a light or a dark theme.
func (tb *tab) colorScheme(scheme string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	})
	require.NoError(tb.t, err)
}

// shotName is a file name for a screenshot of path.
func shotName(path string, width int64, scheme string) string {
	name := strings.Trim(unsafeName.ReplaceAllString(path, "_"), "_")
	if name == "" {
		name = "overview"
	}
	return fmt.Sprintf("%s-%d-%s", name, width, scheme)
}

func TestPagesFitAPhone(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "phone@example.com", true)
	draft := seedPages(t, h, a)

	anon := newTab(t, h)
	tb := newTab(t, h)
	tb.signIn(a)
	tb.open("/flows")
	records := eval[string](tb, `(document.querySelector('a[href$="/records"]') || {}).pathname || ""`)
	require.NotEmpty(t, records, "the starter flow links its records")
	pages := []string{"/", "/files", "/interfaces", "/flows", records, "/api-keys", "/api/docs", "/webhooks",
		"/batches/" + draft, "/batches/new", "/no-such-page"}

	for _, size := range [][2]int64{{phoneWidth, phoneHeight}, {1280, 900}} {
		for _, scheme := range []string{"light", "dark"} {
			anon.viewport(size[0], size[1])
			anon.colorScheme(scheme)
			for _, p := range []string{"/login", "/signup"} {
				anon.open(p)
				anon.fitsWidth()
				anon.shot(shotName(p, size[0], scheme))
			}
			tb.viewport(size[0], size[1])
			tb.colorScheme(scheme)
			for _, p := range pages {
				tb.open(p)
				require.Equal(t, scheme == "dark", eval[bool](tb, `document.documentElement.classList.contains("dark")`), "the theme follows the system")
				tb.fitsWidth()
				tb.shot(shotName(p, size[0], scheme))
			}
		}
	}
}

func TestNavigationDisclosureOnAPhone(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "nav@example.com", true)
	tb := newTab(t, h)
	tb.viewport(phoneWidth, phoneHeight)
	tb.signIn(a)

	const toggle = `document.querySelector("[data-nav-toggle]")`
	require.Equal(t, "nav-panel", eval[string](tb, toggle+`.getAttribute("aria-controls")`))
	require.Equal(t, "false", eval[string](tb, toggle+`.getAttribute("aria-expanded")`))
	require.False(t, eval[bool](tb, `document.getElementById("nav-panel").checkVisibility()`), "closed on a phone")

	tb.do(chromedp.Focus(chromedp.CSS("[data-nav-toggle]")), chromedp.KeyEvent(kb.Enter))
	require.Equal(t, "true", eval[string](tb, toggle+`.getAttribute("aria-expanded")`))
	var reached []string
	for range 9 {
		tb.do(chromedp.KeyEvent(kb.Tab))
		reached = append(reached, eval[string](tb, `document.activeElement.closest("#nav-panel") ? document.activeElement.textContent.trim() : ""`))
	}
	require.Equal(t, []string{"Batches", "Interfaces", "Flows", "Files", "API keys", "Webhooks", "API", "Dark theme", "nav@example.com"}[:7], reached[:7])
	require.Contains(t, reached, "Sign out")
	tb.fitsWidth()
	// Every link is inside the viewport and on the dark bar, not on the page.
	require.True(t, eval[bool](tb, `Array.from(document.querySelectorAll("#nav-panel a, #nav-panel button")).every(e => {
		const r = e.getBoundingClientRect(), nav = document.querySelector("nav[aria-label=Main]").getBoundingClientRect();
		return r.left >= 0 && r.right <= innerWidth && r.bottom <= nav.bottom;
	})`))
	tb.shot("nav-open-390")

	tb.do(chromedp.KeyEvent(kb.Escape))
	require.Equal(t, "false", eval[string](tb, toggle+`.getAttribute("aria-expanded")`))
	require.True(t, eval[bool](tb, `document.activeElement === `+toggle), "focus returns to the button")

	// On a wide screen there is no button: the links are in the bar.
	tb.viewport(1280, 900)
	require.False(t, eval[bool](tb, toggle+`.checkVisibility()`))
	require.True(t, eval[bool](tb, `document.getElementById("nav-panel").checkVisibility()`))
}

func TestRowMenuStaysOnAPhoneScreen(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "rowmenu@example.com", true)
	id := seedBatch(t, h, a, "Finished import of the customer master data for the spring campaign", models.StatusFinished)
	tb := newTab(t, h)
	tb.viewport(phoneWidth, phoneHeight)
	tb.signIn(a)

	button := "#menu-button-" + id.String()
	tb.do(chromedp.Focus(chromedp.CSS(button)), chromedp.KeyEvent(kb.Enter))
	require.Equal(t, "menuitem:View", tb.focused())
	rect := eval[map[string]float64](tb, fmt.Sprintf(`(() => { const r = document.getElementById("menu-%s").getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })()`, id))
	require.GreaterOrEqual(t, rect["left"], 0.0, "%v", rect)
	require.LessOrEqual(t, rect["right"], float64(phoneWidth), "%v", rect)
	require.GreaterOrEqual(t, rect["top"], 0.0, "%v", rect)
	require.LessOrEqual(t, rect["bottom"], float64(phoneHeight), "%v", rect)
	tb.shot("row-menu-390")
	tb.fitsWidth()
}

func TestThemeToggleIsKeptAcrossPages(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "theme@example.com", true)
	tb := newTab(t, h)
	tb.colorScheme("light")
	tb.signIn(a)

	const dark = `document.documentElement.classList.contains("dark")`
	const toggle = `document.querySelector("[data-theme-toggle]")`
	require.False(t, eval[bool](tb, dark))
	require.False(t, eval[bool](tb, toggle+`.hidden`), "shown when scripts run")
	require.Equal(t, "false", eval[string](tb, toggle+`.getAttribute("aria-pressed")`))

	// The system turning dark is followed while nothing is chosen.
	tb.colorScheme("dark")
	tb.waitFor(dark, 5*time.Second)
	tb.colorScheme("light")
	tb.waitFor("!"+dark, 5*time.Second)

	tb.do(chromedp.Click(chromedp.CSS("[data-theme-toggle]")))
	require.True(t, eval[bool](tb, dark))
	require.Equal(t, "true", eval[string](tb, toggle+`.getAttribute("aria-pressed")`))
	// The next page applies the stored choice (theme.js, in <head>).
	tb.open("/flows")
	require.True(t, eval[bool](tb, dark), "the choice outlives the page, against a light system")
	require.Equal(t, "rgb(15, 20, 30)", eval[string](tb, `getComputedStyle(document.documentElement).backgroundColor`))

	tb.do(chromedp.Click(chromedp.CSS("[data-theme-toggle]")))
	tb.open("/")
	require.False(t, eval[bool](tb, dark))
}
