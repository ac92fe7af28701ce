package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

var shownKey = regexp.MustCompile(`<code id="new-api-key"[^>]*>(fb_[a-z0-9]+)</code>`)

func TestAPIKeysPage(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "keys@example.com", false)
	b := h.SignIn(t, a)
	require.Contains(t, b.Get("/api-keys").Body, "No API keys yet")

	bad := b.PostForm("/api-keys", url.Values{"name": {"  "}})
	require.Equal(t, http.StatusUnprocessableEntity, bad.StatusCode)
	require.Contains(t, bad.Body, "Enter a name.")

	res := b.HTMX(http.MethodPost, "/api-keys", url.Values{"name": {"ERP export"}})
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	m := shownKey.FindStringSubmatch(res.Body)
	require.NotNil(t, m, "the key is shown once")
	key := m[1]
	require.Contains(t, res.Body, `data-copy-target="#new-api-key"`)
	require.Contains(t, res.Body, `id="apikey-table" hx-swap-oob="true"`, "the list is refreshed alongside")

	keys, err := models.ListAPIKeys(context.Background(), h.DB, a.ID)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	require.Equal(t, "ERP export", keys[0].Name)
	require.Equal(t, models.HashAPIKey(key), keys[0].KeyHash, "only the hash is stored")

	page := b.Get("/api-keys")
	require.NotContains(t, page.Body, key, "never shown again")
	require.Contains(t, page.Body, keys[0].Prefix+"…")
	require.Contains(t, page.Body, "never")

	require.Equal(t, http.StatusOK, h.API(t, key, http.MethodGet, "/api/v1/flows", nil, nil).StatusCode)
	require.Contains(t, b.Get("/api-keys").Body, "UTC</time></td>", "last use is shown")

	res = b.HTMX(http.MethodPost, "/api-keys/"+keys[0].ID.String()+"/revoke", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Body, "revoked")
	require.Equal(t, http.StatusUnauthorized, h.API(t, key, http.MethodGet, "/api/v1/flows", nil, nil).StatusCode, "a revoked key answers 401 at once")
}
