package browsertest

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

// TestSignInNeverLeavesTheSite signs in with hostile post-login destinations,
// both in the page's address (?next=) and in the form's hidden field, and
// checks where Chromium itself ends up: browsers read tabs, newlines and
// backslashes in a Location in ways a string check easily misses.
func TestSignInNeverLeavesTheSite(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "next@example.com", false)
	app, err := url.Parse(h.URL)
	require.NoError(t, err)

	hostile := []string{
		"//evil.example/",
		"/\\evil.example/",
		"\\\\evil.example/",
		"/\t/evil.example/",
		"/\n/evil.example/",
		"/\r\n/evil.example/",
		"/\x0b/evil.example/",
		"/%09/evil.example/",
		"/%2f%2fevil.example/",
		"https:evil.example/",
		"https://evil.example/",
		"javascript:alert(document.domain)",
		"/／evil.example/",
		"/＼evil.example/",
	}
	for _, next := range hostile {
		t.Run(fmt.Sprintf("%q", next), func(t *testing.T) {
			tb := newTab(t, h)
			tb.open("/login?next=" + url.QueryEscape(next))
			tb.do(
				chromedp.SendKeys(chromedp.ID("email"), a.Email),
				chromedp.SendKeys(chromedp.ID("password"), a.Password),
				chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
					`document.querySelector("input[name=next]").value = %q; window.leaving = true`, next)),
				chromedp.Click(chromedp.CSS(`main button[type=submit]`)),
			)
			tb.waitFor(`window.leaving === undefined && document.readyState === "complete"`, 10*time.Second)
			require.Equal(t, "http://"+app.Host, eval[string](tb, "location.origin"), "signed in with next=%q", next)
			require.Equal(t, "/", tb.path())
		})
	}
}
