package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/models"
)

func TestWebhookPagesCreateEditDelete(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) { c.Workers = 0 })
	a := h.CreateAccount(t, "hookpages@example.com", false)
	b := h.SignIn(t, a)
	ctx := context.Background()

	list := b.Get("/webhooks")
	require.Equal(t, http.StatusOK, list.StatusCode)
	require.Contains(t, list.Body, "No webhooks yet")
	require.Contains(t, list.Body, `href="/webhooks" class="nav-link-active"`)

	newPage := b.Get("/webhooks/new")
	require.Equal(t, http.StatusOK, newPage.StatusCode)
	require.Contains(t, newPage.Body, `value="batch.cancelled" checked`)

	res := b.PostForm("/webhooks", url.Values{"url": {"http://10.0.0.7/hooks"}, "events": {"batch.finished"}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, `id="url-error"`)
	require.Contains(t, res.Body, "a private address")
	res = b.PostForm("/webhooks", url.Values{"url": {"https://erp.example.com/hooks"}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, "Choose at least one event.")
	require.Contains(t, res.Body, `value="https://erp.example.com/hooks"`, "the typed URL is kept")

	res = b.PostForm("/webhooks", url.Values{"url": {" https://erp.example.com/hooks "}, "description": {"ERP"}, "events": {"batch.failed", "batch.finished"}})
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	hooks, err := models.ListWebhooks(ctx, h.DB, a.ID)
	require.NoError(t, err)
	require.Len(t, hooks, 1)
	hook := hooks[0]
	require.Equal(t, models.WebhookEvents{"batch.finished", "batch.failed"}, hook.Events)
	require.Contains(t, res.Body, hook.Secret, "the secret is shown once, after creation")
	require.Contains(t, res.Body, "it will not be shown again")

	page := b.Get("/webhooks/" + hook.ID.String())
	require.Equal(t, http.StatusOK, page.StatusCode)
	require.NotContains(t, page.Body, hook.Secret)
	require.Contains(t, page.Body, hook.SecretPrefix+"…")
	require.Contains(t, page.Body, "retried 9 times over about 11 hours")
	require.Contains(t, page.Body, "No deliveries yet")
	require.NotContains(t, page.Body, "style=")
	require.Contains(t, b.Get("/webhooks").Body, `id="webhook-row-`+hook.ID.String()+`"`)

	res = b.HTMX(http.MethodPost, "/webhooks/"+hook.ID.String(), url.Values{"url": {"https://erp.example.com/hooks"}})
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Body, `id="webhook-form"`)
	require.Contains(t, res.Body, "Choose at least one event.")
	res = b.HTMX(http.MethodPost, "/webhooks/"+hook.ID.String(), url.Values{"url": {"https://erp.example.com/v2"}, "events": {"batch.cancelled"}})
	require.Equal(t, http.StatusNoContent, res.StatusCode, res.Body)
	require.Equal(t, "/webhooks/"+hook.ID.String(), res.Header.Get("HX-Redirect"))
	got, err := models.WebhookByID(ctx, h.DB, a.ID, hook.ID)
	require.NoError(t, err)
	require.Equal(t, "https://erp.example.com/v2", got.URL)
	require.Equal(t, models.WebhookEvents{"batch.cancelled"}, got.Events)
	require.Equal(t, hook.Secret, got.Secret, "editing keeps the secret")

	other := h.SignIn(t, h.CreateAccount(t, "otherhooks@example.com", false))
	require.Equal(t, http.StatusNotFound, other.Get("/webhooks/"+hook.ID.String()).StatusCode)
	other.Get("/webhooks")
	require.Equal(t, http.StatusNotFound, other.HTMX(http.MethodPost, "/webhooks/"+hook.ID.String()+"/delete", nil).StatusCode)
	require.Equal(t, http.StatusNotFound, other.HTMX(http.MethodPost, "/webhooks/"+hook.ID.String()+"/test", nil).StatusCode)

	noToken := h.NewBrowser(t)
	noToken.Client.Jar = b.Client.Jar
	res = noToken.PostForm("/webhooks/"+hook.ID.String()+"/delete", url.Values{"_csrf": {"forged"}})
	require.Equal(t, http.StatusForbidden, res.StatusCode)

	res = b.HTMX(http.MethodPost, "/webhooks/"+hook.ID.String()+"/delete", nil)
	require.Equal(t, http.StatusNoContent, res.StatusCode, res.Body)
	require.Equal(t, "/webhooks", res.Header.Get("HX-Redirect"))
	_, err = models.WebhookByID(ctx, h.DB, a.ID, hook.ID)
	require.ErrorIs(t, err, models.ErrNotFound)
}

func TestWebhookPageBannerWhenDisabledAfterFailures(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) { c.Workers = 0 })
	a := h.CreateAccount(t, "banner@example.com", false)
	b := h.SignIn(t, a)
	ctx := context.Background()
	hook := &models.Webhook{AccountID: a.ID, URL: "https://erp.example.com/hooks", Events: models.WebhookEventNames}
	require.NoError(t, models.CreateWebhook(ctx, h.DB, hook, false))
	require.NotContains(t, b.Get("/webhooks").Body, "webhooks-disabled-banner")

	for range models.WebhookDisableAfter {
		code := 502
		_, err := models.RecordWebhookAttempt(ctx, h.DB, &models.WebhookDelivery{AccountID: a.ID, WebhookID: hook.ID, DeliveryID: uuid.New(),
			Event: models.EventBatchFailed, Attempt: 10, Status: models.DeliveryFailed, ResponseCode: &code, Error: "The endpoint answered 502."}, true)
		require.NoError(t, err)
	}
	list := b.Get("/webhooks")
	require.Contains(t, list.Body, `id="webhooks-disabled-banner"`)
	require.Contains(t, list.Body, "One webhook is disabled")
	page := b.Get("/webhooks/" + hook.ID.String())
	require.Contains(t, page.Body, `id="webhook-disabled-banner"`)
	require.Contains(t, page.Body, "Disabled after 3 deliveries in a row failed every attempt. The last error: The endpoint answered 502.")
	require.Contains(t, page.Body, "502")

	res := b.PostForm("/webhooks/"+hook.ID.String()+"/enable", nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	require.NotContains(t, b.Get("/webhooks").Body, "webhooks-disabled-banner")
	require.NotContains(t, b.Get("/webhooks/"+hook.ID.String()).Body, "webhook-disabled-banner")

	res = b.PostForm("/webhooks/"+hook.ID.String()+"/disable", nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	require.Contains(t, b.Get("/webhooks/"+hook.ID.String()).Body, "Disabled by hand.")
}

func TestWebhookPageSendTestShowsTheResult(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, allowPrivateWebhooks)
	a := h.CreateAccount(t, "sendtest@example.com", false)
	b := h.SignIn(t, a)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	t.Cleanup(recv.Close)
	hook := &models.Webhook{AccountID: a.ID, URL: recv.URL, Events: models.WebhookEventNames}
	require.NoError(t, models.CreateWebhook(context.Background(), h.DB, hook, true))
	b.Get("/webhooks/" + hook.ID.String())

	res := b.HTMX(http.MethodPost, "/webhooks/"+hook.ID.String()+"/test", nil)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.Contains(t, res.Body, "Test event queued")
	poll := regexp.MustCompile(`hx-get="([^"]+)"`).FindStringSubmatch(res.Body)
	require.NotNil(t, poll, "the log polls for the result")

	deadline := time.Now().Add(20 * time.Second)
	for strings.Contains(res.Body, "hx-get=") {
		require.True(t, time.Now().Before(deadline), "the test's attempt reaches the log")
		next := regexp.MustCompile(`hx-get="([^"]+)"`).FindStringSubmatch(res.Body)[1]
		res = b.HTMX(http.MethodGet, strings.ReplaceAll(next, "&amp;", "&"), nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		time.Sleep(100 * time.Millisecond)
	}
	require.Contains(t, res.Body, "ping")
	require.Contains(t, res.Body, "succeeded")
	require.Contains(t, res.Body, ">202<")
}
