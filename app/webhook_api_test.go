package app_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
)

type apiWebhook struct {
	ID               string     `json:"id"`
	URL              string     `json:"url"`
	Events           []string   `json:"events"`
	Enabled          bool       `json:"enabled"`
	DisabledAt       *time.Time `json:"disabled_at"`
	DisabledReason   string     `json:"disabled_reason"`
	FailedDeliveries int        `json:"failed_deliveries"`
	SecretPrefix     string     `json:"secret_prefix"`
	Secret           string     `json:"secret"`
}

type apiDelivery struct {
	DeliveryID   string `json:"delivery_id"`
	Event        string `json:"event"`
	Status       string `json:"status"`
	ResponseCode *int   `json:"response_code"`
	Attempt      int    `json:"attempt"`
}

func allowPrivateWebhooks(c *config.Config) { c.WebhookAllowPrivate = true }

func TestWebhookAPICreateChangeDelete(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) { c.Workers = 0 })
	acct := h.CreateAccount(t, "hooks@example.com", false)
	key := h.APIKey(t, acct)

	res := h.API(t, key, http.MethodPost, "/api/v1/webhooks", strings.NewReader(`{"url":"https://erp.example.com/hooks","events":["batch.failed","batch.finished"]}`), jsonHeader)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	created := decode[apiWebhook](t, res.Body)
	require.True(t, strings.HasPrefix(created.Secret, "whsec_"), "the secret is shown at creation")
	require.True(t, strings.HasPrefix(created.Secret, created.SecretPrefix))
	require.Equal(t, []string{"batch.finished", "batch.failed"}, created.Events)
	require.True(t, created.Enabled)
	require.Equal(t, "/api/v1/webhooks/"+created.ID, res.Header.Get("Location"))
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))

	for _, path := range []string{"/api/v1/webhooks", "/api/v1/webhooks/" + created.ID} {
		res = h.API(t, key, http.MethodGet, path, nil, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, created.ID)
		require.NotContains(t, res.Body, created.Secret, "the secret is shown once")
	}

	res = h.API(t, key, http.MethodPatch, "/api/v1/webhooks/"+created.ID, strings.NewReader(`{"events":["batch.cancelled"],"enabled":false}`), jsonHeader)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	changed := decode[apiWebhook](t, res.Body)
	require.Equal(t, []string{"batch.cancelled"}, changed.Events)
	require.Equal(t, "https://erp.example.com/hooks", changed.URL)
	require.False(t, changed.Enabled)
	require.NotNil(t, changed.DisabledAt)
	res = h.API(t, key, http.MethodPatch, "/api/v1/webhooks/"+created.ID, strings.NewReader(`{"enabled":true}`), jsonHeader)
	require.True(t, decode[apiWebhook](t, res.Body).Enabled)

	for body, field := range map[string]string{
		`{"url":"ftp://erp.example.com/","events":["batch.finished"]}`:  "url",
		`{"url":"http://127.0.0.1:9000/","events":["batch.finished"]}`:  "url",
		`{"url":"http://10.0.0.5/","events":["batch.finished"]}`:        "url",
		`{"url":"https://erp.example.com/","events":[]}`:                "events",
		`{"url":"https://erp.example.com/","events":["batch.started"]}`: "events",
	} {
		res = h.API(t, key, http.MethodPost, "/api/v1/webhooks", strings.NewReader(body), jsonHeader)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, body)
		require.Contains(t, res.Header.Get("Content-Type"), "application/problem+json")
		require.Contains(t, problemErrors(t, res.Body), field, body)
	}
	res = h.API(t, key, http.MethodPost, "/api/v1/webhooks", strings.NewReader(`{"url":"http://127.0.0.1:9000/","events":["batch.finished"]}`), jsonHeader)
	require.Contains(t, problemErrors(t, res.Body)["url"], "FLOWBATCH_WEBHOOK_ALLOW_PRIVATE")

	other := h.APIKey(t, h.CreateAccount(t, "other@example.com", false))
	for _, m := range []string{http.MethodGet, http.MethodDelete} {
		require.Equal(t, http.StatusNotFound, h.API(t, other, m, "/api/v1/webhooks/"+created.ID, nil, nil).StatusCode)
	}
	require.Equal(t, http.StatusNotFound, h.API(t, other, http.MethodPost, "/api/v1/webhooks/"+created.ID+"/test", nil, nil).StatusCode)
	require.Equal(t, http.StatusNotFound, h.API(t, other, http.MethodGet, "/api/v1/webhooks/"+created.ID+"/deliveries", nil, nil).StatusCode)
	require.NotContains(t, h.API(t, other, http.MethodGet, "/api/v1/webhooks", nil, nil).Body, created.ID)

	require.Equal(t, http.StatusNoContent, h.API(t, key, http.MethodDelete, "/api/v1/webhooks/"+created.ID, nil, nil).StatusCode)
	require.Equal(t, http.StatusNotFound, h.API(t, key, http.MethodGet, "/api/v1/webhooks/"+created.ID, nil, nil).StatusCode)
}

func TestWebhookAPITestSendsASignedPing(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, allowPrivateWebhooks)
	acct := h.CreateAccount(t, "ping@example.com", false)
	key := h.APIKey(t, acct)
	var mu sync.Mutex
	var signature, timestamp string
	var body []byte
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, _ = io.ReadAll(r.Body)
		signature, timestamp = r.Header.Get("Flowbatch-Signature"), r.Header.Get("Flowbatch-Timestamp")
	}))
	t.Cleanup(recv.Close)

	res := h.API(t, key, http.MethodPost, "/api/v1/webhooks", strings.NewReader(`{"url":"`+recv.URL+`","events":["batch.finished"]}`), jsonHeader)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	hook := decode[apiWebhook](t, res.Body)
	res = h.API(t, key, http.MethodPost, "/api/v1/webhooks/"+hook.ID+"/test", nil, nil)
	require.Equal(t, http.StatusAccepted, res.StatusCode, res.Body)
	queued := decode[apiDelivery](t, res.Body)

	var log []apiDelivery
	deadline := time.Now().Add(20 * time.Second)
	for len(log) == 0 {
		require.True(t, time.Now().Before(deadline), "the ping reaches the delivery log")
		res = h.API(t, key, http.MethodGet, "/api/v1/webhooks/"+hook.ID+"/deliveries", nil, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		log = decode[struct {
			Data []apiDelivery `json:"data"`
		}](t, res.Body).Data
		time.Sleep(50 * time.Millisecond)
	}
	require.Equal(t, queued.DeliveryID, log[0].DeliveryID)
	require.Equal(t, "ping", log[0].Event)
	require.Equal(t, "succeeded", log[0].Status)
	require.Equal(t, http.StatusOK, *log[0].ResponseCode)

	mu.Lock()
	defer mu.Unlock()
	mac := hmac.New(sha256.New, []byte(hook.Secret))
	mac.Write([]byte(timestamp + "." + string(body)))
	require.Equal(t, "v1="+hex.EncodeToString(mac.Sum(nil)), signature)
}
