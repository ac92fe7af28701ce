// Package browsertest drives the web app in headless Chromium: one browser
// for the package, one tab (with its own cookies) per test, a real server per
// test. A failing test leaves a screenshot whose path it prints.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

// chromiumPath is where the browser is; FLOWBATCH_CHROMIUM overrides it.
func chromiumPath() string {
	if p := os.Getenv("FLOWBATCH_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

var browserCtx context.Context

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if _, err := os.Stat(chromiumPath()); err != nil {
		fmt.Fprintln(os.Stderr, "browsertest: no Chromium at", chromiumPath(), "- skipping browser tests")
		return 0
	}
	userData, err := os.MkdirTemp("", "flowbatch-chromium-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(userData)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(userData),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		fmt.Fprintln(os.Stderr, "browsertest: starting Chromium:", err)
		return 1
	}
	browserCtx = ctx
	return m.Run()
}

// tab is one browser tab of a test, against the test's own server.
type tab struct {
	t       *testing.T
	ctx     context.Context
	h       *apptest.Harness
	dialogs chan string
}

// newTab opens a tab with its own cookie jar; a failing test saves a screenshot.
func newTab(t *testing.T, h *apptest.Harness) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx))
	tb := &tab{t: t, ctx: ctx, h: h, dialogs: make(chan string, 10)}
	// Confirmation dialogs are accepted; their messages are kept for the test.
	opening := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range opening {
			if err != nil {
				return
			}
			tb.dialogs <- ev.Message
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			tb.screenshot()
		}
	})
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: toastRecorder})
	require.NoError(t, err)
	return tb
}

// toastRecorder runs in every page a tab loads and keeps the text of each
// toast the page shows in window.shownToasts: a toast is removed after 6 s,
// which on a busy machine can pass between two looks of a test.
const toastRecorder = `window.shownToasts = [];
addEventListener("DOMContentLoaded", function () {
  var region = document.getElementById("toasts");
  if (!region) return;
  new MutationObserver(function (changes) {
    changes.forEach(function (c) {
      c.addedNodes.forEach(function (n) { window.shownToasts.push(n.textContent); });
    });
  }).observe(region, {childList: true});
});`

// waitForToast waits until the current page has shown a toast containing text.
func (tb *tab) waitForToast(text string) {
	tb.t.Helper()
	tb.waitFor(`window.shownToasts.some(function (m) { return m.includes(`+strconv.Quote(text)+`); })`, 20*time.Second)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// screenshot saves the tab as a PNG and prints where.
func (tb *tab) screenshot() {
	dir := filepath.Join(os.TempDir(), "flowbatch-screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Logf("no screenshot: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Logf("no screenshot: %v", err)
		return
	}
	path := filepath.Join(dir, unsafeName.ReplaceAllString(tb.t.Name(), "_")+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		tb.t.Logf("no screenshot: %v", err)
		return
	}
	url, _ := chromedp.Run(ctx, chromedp.Location())
	tb.t.Logf("screenshot of %s saved to %s", url, path)
}

// do runs actions with a time limit, failing the test on error.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	require.NoError(tb.t, chromedp.Do(ctx, actions...))
}

// eval evaluates a JavaScript expression.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(tb.t, err, expr)
	return v
}

// waitFor waits until a JavaScript expression is true. It evaluates again
// and again rather than polling inside the page, so that it survives navigations.
func (tb *tab) waitFor(expr string, timeout time.Duration) {
	tb.t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	tb.t.Fatalf("waiting for %s: timed out (last error: %v)", expr, lastErr)
}

// open loads a page of the test's server.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.h.URL + path))
	tb.waitFor(`document.readyState === "complete" && window.htmx !== undefined`, 10*time.Second)
}

// path is the current location's path.
func (tb *tab) path() string { return eval[string](tb, "location.pathname") }

// text is the trimmed text of the first element matching a CSS selector.
func (tb *tab) text(css string) string {
	tb.t.Helper()
	return strings.TrimSpace(eval[string](tb, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, css)))
}

// signIn signs the tab in through the login form.
func (tb *tab) signIn(a apptest.Account) {
	tb.t.Helper()
	tb.open("/login")
	tb.do(
		chromedp.SendKeys(chromedp.ID("email"), a.Email),
		chromedp.SendKeys(chromedp.ID("password"), a.Password),
		chromedp.Click(chromedp.CSS(`main button[type=submit]`)),
	)
	tb.waitFor(`location.pathname === "/" && document.readyState === "complete"`, 10*time.Second)
}

// choose selects the option of a select whose text is label, as a person would (firing change).
func (tb *tab) choose(css, label string) {
	tb.t.Helper()
	ok := eval[bool](tb, fmt.Sprintf(`(() => {
		const sel = document.querySelector(%q);
		const opt = Array.from(sel.options).find(o => o.textContent.trim() === %q);
		if (!opt) return false;
		sel.value = opt.value;
		sel.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`, css, label))
	require.True(tb.t, ok, "no option %q in %s", label, css)
}
