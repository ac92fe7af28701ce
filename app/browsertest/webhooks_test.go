package browsertest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
)

func TestWebhookCreateShowsTheSecretAndSendTestShowsTheResult(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) { c.WebhookAllowPrivate = true })
	a := h.CreateAccount(t, "webhooks@example.com", false)
	got := make(chan string, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Flowbatch-Event")
	}))
	t.Cleanup(recv.Close)
	tb := newTab(t, h)
	tb.signIn(a)

	tb.open("/webhooks")
	tb.do(chromedp.Click(chromedp.CSS(`main a[href="/webhooks/new"]`)))
	tb.waitFor(`document.getElementById("url") !== null`, 10*time.Second)
	tb.do(
		chromedp.SendKeys(chromedp.ID("url"), recv.URL+"/hooks"),
		chromedp.Click(chromedp.CSS(`#webhook-form button[type=submit]`)),
	)
	tb.waitFor(`document.getElementById("new-webhook-secret") !== null`, 10*time.Second)
	require.True(t, strings.HasPrefix(tb.text("#new-webhook-secret"), "whsec_"))

	tb.do(chromedp.Click(chromedp.CSS(`button[hx-post$="/test"]`)))
	tb.waitFor(`document.querySelector("#webhook-deliveries tbody tr") !== null && !document.getElementById("webhook-deliveries").hasAttribute("hx-get")`, 20*time.Second)
	require.Contains(t, tb.text("#webhook-deliveries tbody tr"), "succeeded")
	require.Contains(t, tb.text("#webhook-deliveries tbody tr"), "ping")
	require.Equal(t, "ping", <-got)
}
