package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

// axeSource is axe-core (npm, MPL-2.0) from node_modules: it is injected into
// the tested pages by the test only, never served to users.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core is not installed: run npm ci (make test does): %v", err)
	}
	return string(b)
}

// axeViolation is one failed axe rule on a page, with the elements it failed on.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Targets []string `json:"targets"`
}

// axe runs axe-core's WCAG 2.1 A and AA rules on the tab's page.
func (tb *tab) axe(source string) []axeViolation {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](source))
	require.NoError(tb.t, err)
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(" ")).slice(0, 5)})))`, chromedp.EvalAwaitPromise))
	require.NoError(tb.t, err)
	return v
}

func TestPagesPassAxe(t *testing.T) {
	t.Parallel()
	source := axeSource(t)
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "axe@example.com", true)
	draft := seedPages(t, h, a)

	anon := newTab(t, h)
	tb := newTab(t, h)
	tb.signIn(a)
	tb.open("/flows")
	records := eval[string](tb, `(document.querySelector('a[href$="/records"]') || {}).pathname || ""`)
	pages := []string{"/", "/files", "/interfaces", "/flows", records, "/api-keys", "/api/docs", "/webhooks",
		"/batches/" + draft, "/batches/new", "/no-such-page"}

	var found []string
	shots := sync.OnceValue(func() string { return artifactDir(t) })
	for _, size := range [][2]int64{{phoneWidth, phoneHeight}, {1280, 900}} {
		for _, scheme := range []string{"light", "dark"} {
			check := func(tb *tab, p string) {
				tb.open(p)
				violations := tb.axe(source)
				for _, v := range violations {
					found = append(found, fmt.Sprintf("%s %dpx %s: %s (%s) %v", p, size[0], scheme, v.ID, v.Impact, v.Targets))
				}
				if len(violations) > 0 {
					found = append(found, fmt.Sprintf("%s %dpx %s: screenshot %s", p, size[0], scheme, tb.saveShot(shots(), shotName(p, size[0], scheme))))
				}
			}
			anon.viewport(size[0], size[1])
			anon.colorScheme(scheme)
			for _, p := range []string{"/login", "/signup"} {
				check(anon, p)
			}
			tb.viewport(size[0], size[1])
			tb.colorScheme(scheme)
			for _, p := range pages {
				check(tb, p)
			}
		}
	}
	sort.Strings(found)
	require.Empty(t, found)
}
