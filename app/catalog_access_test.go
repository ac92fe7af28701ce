package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

// TestCatalogAccountsCannotReachEachOther tries every page, fragment and API
// route of flows, interfaces, records and keys with another account's IDs.
func TestCatalogAccountsCannotReachEachOther(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	owner := h.CreateAccount(t, "owner@example.com", true)
	intruder := h.CreateAccount(t, "intruder@example.com", true)
	ctx := context.Background()
	flows, err := models.ListFlows(ctx, h.DB, owner.ID, false)
	require.NoError(t, err)
	flow := flows[0]
	ifaces, err := models.ListInterfaces(ctx, h.DB, owner.ID, false)
	require.NoError(t, err)
	iface := ifaces[0]
	records := insertRecords(t, h, owner.ID, flow.ID, nil, 3)
	keyRow, _, err := models.CreateAPIKey(ctx, h.DB, owner.ID, &owner.UserID, "owner key")
	require.NoError(t, err)

	b := h.SignIn(t, intruder)
	b.Get("/flows")
	fid, iid := flow.ID.String(), iface.ID.String()
	for _, path := range []string{
		"/flows/" + fid + "/edit", "/flows/" + fid + "/records", "/flows/" + fid + "/records?q=email+%3D+x",
		"/records/" + records[0].String(), "/interfaces/" + iid, "/interfaces/" + iid + "/edit", "/interfaces/" + iid + "/postman.json",
	} {
		res := b.Get(path)
		require.Equal(t, http.StatusNotFound, res.StatusCode, path)
		require.NotContains(t, res.Body, "Contacts JSON")
		frag := b.HTMX(http.MethodGet, path, nil)
		require.Equal(t, http.StatusNotFound, frag.StatusCode, "fragment "+path)
	}
	for _, path := range []string{"/flows/" + fid, "/flows/" + fid + "/archive", "/interfaces/" + iid, "/interfaces/" + iid + "/archive", "/api-keys/" + keyRow.ID.String() + "/revoke"} {
		form := url.Values{"name": {"Hijacked"}}
		require.Equal(t, http.StatusNotFound, b.PostForm(path, form).StatusCode, path)
		require.Equal(t, http.StatusNotFound, b.HTMX(http.MethodPost, path, form).StatusCode, "htmx "+path)
	}
	// Pointing one's own interface at someone else's flow is refused too.
	mine, err := models.ListInterfaces(ctx, h.DB, intruder.ID, false)
	require.NoError(t, err)
	res := b.HTMX(http.MethodPost, "/interfaces/"+mine[0].ID.String(), url.Values{"name": {"x"}, "format": {"json"}, "flow_id": {fid},
		"fields[0].name": {"external_id"}, "fields[0].source": {"external_id"}, "fields[0].type": {"string"}})
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Body, "Choose one of your flows.")

	key := h.APIKey(t, intruder)
	for _, c := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/flows/" + fid, ""},
		{http.MethodPatch, "/api/v1/flows/" + fid, `{"name":"Hijacked"}`},
		{http.MethodDelete, "/api/v1/flows/" + fid, ""},
		{http.MethodGet, "/api/v1/interfaces/" + iid, ""},
		{http.MethodPatch, "/api/v1/interfaces/" + iid, `{"name":"Hijacked"}`},
		{http.MethodDelete, "/api/v1/interfaces/" + iid, ""},
		{http.MethodGet, "/api/v1/flows/not-a-uuid", ""},
	} {
		res := h.API(t, key, c.method, c.path, strings.NewReader(c.body), jsonHeader)
		require.Equal(t, http.StatusNotFound, res.StatusCode, c.method+" "+c.path)
		require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	}
	res = h.API(t, key, http.MethodGet, "/api/v1/flows", nil, nil)
	require.NotContains(t, res.Body, fid)
	res = h.API(t, key, http.MethodGet, "/api/v1/interfaces", nil, nil)
	require.NotContains(t, res.Body, iid)
	require.NotContains(t, b.Get("/api-keys").Body, "owner key")

	// Nothing of the owner changed.
	got, err := models.FlowByID(ctx, h.DB, owner.ID, flow.ID)
	require.NoError(t, err)
	require.Equal(t, "Contacts", got.Name)
	require.Nil(t, got.ArchivedAt)
	gotIface, err := models.InterfaceByID(ctx, h.DB, owner.ID, iface.ID)
	require.NoError(t, err)
	require.Equal(t, iface.Name, gotIface.Name)
	require.Nil(t, gotIface.ArchivedAt)
	keys, err := models.ListAPIKeys(ctx, h.DB, owner.ID)
	require.NoError(t, err)
	require.Nil(t, keys[0].RevokedAt)
}
