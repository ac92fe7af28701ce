package app_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

// TestOpenAPIDocumentMatchesRoutes checks that every /api/ route is in the
// OpenAPI document, and that the document has no operation without a route.
func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	res := h.API(t, "", http.MethodGet, "/api/openapi.json", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Header.Get("Content-Type"), "application/json")
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.Body), &doc))
	require.Equal(t, "3.1.0", doc.OpenAPI)
	require.Equal(t, h.Config.BaseURL, doc.Servers[0].URL)

	var documented []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			require.NotEmpty(t, op["summary"], path)
			require.NotEmpty(t, op["responses"], path)
		}
	}
	param := regexp.MustCompile(`:(\w+)`)
	var routed []string
	seen := map[string]bool{}
	for _, r := range h.Server.App().GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/") || r.Path == "/api/docs" || r.Method == http.MethodHead {
			continue
		}
		key := r.Method + " " + param.ReplaceAllString(r.Path, "{$1}")
		if !seen[key] {
			seen[key] = true
			routed = append(routed, key)
		}
	}
	sort.Strings(documented)
	sort.Strings(routed)
	require.NotEmpty(t, routed)
	require.Equal(t, routed, documented)
	require.Contains(t, res.Body, "X-Batch-Status")
}

func TestAPIDocsPageShowsTheAccountsBatchURLs(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	page := b.h.SignIn(t, b.acct).Get("/api/docs")
	require.Equal(t, http.StatusOK, page.StatusCode)
	require.Contains(t, page.Body, b.h.Config.BaseURL+"/api/v1/interfaces/"+b.jsonID.String()+"/batch")
	require.Contains(t, page.Body, b.h.Config.BaseURL+"/api/v2/interfaces/"+b.csvID.String()+"/batch")
	require.Contains(t, page.Body, "/api/v2/interfaces/"+b.xmlID.String(), "v2 takes XML")
	for _, s := range []string{"X-Batch-Status: READY", "X-Batch-Designer", "curl -X POST", "/api/v1/batches/{id}/files/{kind}", "Retry-After"} {
		require.Contains(t, page.Body, s)
	}
	require.NotContains(t, page.Body, "style=")

	anonymous := b.h.NewBrowser(t).Get("/api/docs")
	require.Equal(t, http.StatusSeeOther, anonymous.StatusCode)
}
