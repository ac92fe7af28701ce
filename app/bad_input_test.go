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

// TestBadTextInputIsRefusedEverywhere sends NUL bytes and invalid UTF-8 to
// every family of routes, pages and API, in query strings, forms, JSON
// documents, headers and multipart parts: each must be a 4xx with a message,
// never a 500.
func TestBadTextInputIsRefusedEverywhere(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	h, b := u.h, u.b
	key := h.APIKey(t, u.acct)
	ctx := context.Background()
	flows, err := models.ListFlows(ctx, h.DB, u.acct.ID, false)
	require.NoError(t, err)
	flow := flows[0].ID.String()
	jsonIface := u.interfaceID(t, "Contacts JSON")
	csvIface := u.interfaceID(t, "Contacts CSV")
	file := putFile(t, h, u.acct, "", "notes.txt", "text/plain", "hello")
	draft := u.newDraft(t, "Draft").String()

	type call struct {
		name string
		do   func() *apptest.Response
	}
	get := func(path string) func() *apptest.Response { return func() *apptest.Response { return b.Get(path) } }
	form := func(path string, v url.Values) func() *apptest.Response {
		return func() *apptest.Response { return b.PostForm(path, v) }
	}
	api := func(method, path, contentType, body string, header ...string) func() *apptest.Response {
		return func() *apptest.Response {
			hdr := http.Header{}
			if contentType != "" {
				hdr.Set("Content-Type", contentType)
			}
			for i := 0; i+1 < len(header); i += 2 {
				hdr.Set(header[i], header[i+1])
			}
			return h.API(t, key, method, path, strings.NewReader(body), hdr)
		}
	}
	calls := []call{
		{"overview search NUL", get("/?q=a%00b")},
		{"overview search invalid UTF-8", get("/?q=%ff%fe")},
		{"records search NUL", get("/flows/" + flow + "/records?q=%00")},
		{"records search invalid UTF-8", get("/flows/" + flow + "/records?q=%c3")},
		{"files folder NUL", get("/files?folder=a%00")},
		{"files huge page", get("/files?page=9223372036854775807")},
		{"files page past int64", get("/files?page=99999999999999999999999")},
		{"files page zero", get("/files?page=0")},
		{"query key invalid UTF-8", get("/interfaces?%ff=1")},
		{"unknown page with NUL", get("/nope?x=%00")},
		{"wizard name NUL", form("/batches/new", url.Values{"name": {"a\x00b"}})},
		{"wizard description invalid UTF-8", form("/batches/new", url.Values{"name": {"ok"}, "description": {"caf\xe9"}})},
		{"wizard step NUL", form("/batches/"+draft+"/wizard/information", url.Values{"name": {"ok"}, "description": {"\x00"}})},
		{"flow description NUL", form("/flows", url.Values{"name": {"F"}, "description": {"x\x00"}})},
		{"flow name invalid UTF-8", form("/flows/"+flow, url.Values{"name": {"\xff"}})},
		{"interface description NUL", form("/interfaces", url.Values{"name": {"I"}, "format": {"csv"}, "description": {"\x00"}})},
		{"interface csv_delimiter NUL", form("/interfaces", url.Values{"name": {"I"}, "format": {"csv"}, "csv_delimiter": {"\x00"}})},
		{"interface csv_delimiter invalid UTF-8", form("/interfaces", url.Values{"name": {"I"}, "format": {"csv"}, "csv_delimiter": {"\xff"}})},
		{"file rename NUL", form("/files/"+file.ID.String()+"/rename", url.Values{"name": {"a\x00.txt"}})},
		{"file rename zero-width", form("/files/"+file.ID.String()+"/rename", url.Values{"name": {"a\u200b.txt"}})},
		{"folder line separator", form("/folders", url.Values{"name": {"a\u2028b"}})},
		{"api key name NUL", form("/api-keys", url.Values{"name": {"k\x00"}})},

		{"api batches status NUL", api(http.MethodGet, "/api/v1/batches?status=%00", "", "")},
		{"api files huge page", api(http.MethodGet, "/api/v1/files?page=99999999999999999999", "", "")},
		{"api files page past the last", api(http.MethodGet, "/api/v1/files?page=9223372036854775807&per_page=1000", "", "")},
		{"api files per_page zero", api(http.MethodGet, "/api/v1/files?per_page=0", "", "")},
		{"api files folder invalid UTF-8", api(http.MethodGet, "/api/v1/files?folder=%ff", "", "")},
		{"api flow escaped NUL", api(http.MethodPost, "/api/v1/flows", "application/json", `{"name":"a\u0000b"}`)},
		{"api flow invalid UTF-8", api(http.MethodPost, "/api/v1/flows", "application/json", "{\"name\":\"caf\xe9\"}")},
		{"api flow zero-width name", api(http.MethodPost, "/api/v1/flows", "application/json", `{"name":"Con\u200btacts"}`)},
		{"api flow update description NUL", api(http.MethodPatch, "/api/v1/flows/"+flow, "application/json", `{"description":"\u0000"}`)},
		{"api interface csv_delimiter NUL", api(http.MethodPost, "/api/v1/interfaces", "application/json",
			`{"name":"I","format":"csv","scopes":["batch"],"csv_delimiter":"\u0000","fields":[{"name":"a","source":"a","type":"string"}]}`)},
		{"api interface description invalid UTF-8", api(http.MethodPatch, "/api/v1/interfaces/"+csvIface, "application/json", "{\"description\":\"\xff\"}")},
		{"api v1 batch name header invalid UTF-8", api(http.MethodPost, "/api/v1/interfaces/"+jsonIface+"/batch", "application/json",
			`[{"external_id":"1"}]`, "X-Batch-Name", "caf\xe9")},
		{"api v1 batch name header zero-width", api(http.MethodPost, "/api/v1/interfaces/"+jsonIface+"/batch", "application/json",
			`[{"external_id":"1"}]`, "X-Batch-Name", "a\u200fb")},
		{"api v2 batch description part NUL", func() *apptest.Response {
			ct, body := batchMultipart(t, formPart{name: "description", value: "x\x00y"}, formPart{name: "file", fileName: "a.json", value: `[{"external_id":"1"}]`})
			return h.API(t, key, http.MethodPost, "/api/v2/interfaces/"+jsonIface+"/batch", body, http.Header{"Content-Type": {ct}})
		}},
		{"api upload zero-width file name", func() *apptest.Response {
			body, ct := multipartBody(t, [][2]string{{"re\u200bport.csv", "a,b\n"}})
			return h.API(t, key, http.MethodPost, "/api/v1/files", body, http.Header{"Content-Type": {ct}})
		}},
	}
	for _, c := range calls {
		res := c.do()
		require.GreaterOrEqual(t, res.StatusCode, 400, "%s: %d %s", c.name, res.StatusCode, res.Body)
		require.Less(t, res.StatusCode, 500, "%s: %d %s", c.name, res.StatusCode, res.Body)
		if strings.HasPrefix(res.Request.URL.Path, "/api/") {
			require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"), c.name)
		}
	}
	// The overview reads any query as a valid one (its links are all the app's
	// own): a page past the end is an empty page, however large.
	for _, page := range []string{"99999999999999999999", "9223372036854775807", "-4", "x"} {
		require.Equal(t, http.StatusOK, b.Get("/?page="+page).StatusCode, page)
	}
	// The same input, well formed, is accepted: the checks refuse only what they must.
	require.Equal(t, http.StatusOK, b.Get("/?q=caf%C3%A9&page=2").StatusCode)
	require.Equal(t, http.StatusOK, b.Get("/files?page=1000000").StatusCode)
	require.Equal(t, http.StatusCreated, api(http.MethodPost, "/api/v1/flows", "application/json", `{"name":"Café \ud83c\udf89","description":"two\nlines"}`)().StatusCode)
}
