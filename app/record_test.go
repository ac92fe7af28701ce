package app_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

var nextLink = regexp.MustCompile(`id="records-next" href="([^"]+)"`)

func TestRecordsBrowserPagesAndSearches(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "records@example.com", false)
	ctx := context.Background()
	flow := &models.Flow{AccountID: a.ID, Name: "People"}
	require.NoError(t, models.SaveFlow(ctx, h.DB, flow))
	batch := &models.Batch{AccountID: a.ID, Name: "March import", Format: models.FormatJSON, Source: models.SourceAPIv1, FlowID: &flow.ID}
	require.NoError(t, models.CreateBatch(ctx, h.DB, batch))
	ids := insertRecords(t, h, a.ID, flow.ID, &batch.ID, 120)
	b := h.SignIn(t, a)
	base := "/flows/" + flow.ID.String() + "/records"

	page := b.Get(base)
	require.Equal(t, http.StatusOK, page.StatusCode)
	require.Contains(t, page.Body, "120 records, newest first.")
	require.Contains(t, page.Body, `id="record-row-`+ids[119].String()+`"`)
	require.Contains(t, page.Body, `id="record-row-`+ids[70].String()+`"`)
	require.NotContains(t, page.Body, `id="record-row-`+ids[69].String()+`"`)
	require.Contains(t, page.Body, `href="/batches/`+batch.ID.String()+`"`)

	// Follow the pages with htmx, as the Older records button does.
	m := nextLink.FindStringSubmatch(page.Body)
	require.NotNil(t, m)
	next := htmlUnescape(m[1])
	frag := b.HTMX(http.MethodGet, next, nil)
	require.Equal(t, http.StatusOK, frag.StatusCode)
	require.NotContains(t, frag.Body, "<html")
	require.Contains(t, frag.Body, `id="record-row-`+ids[69].String()+`"`)
	require.Contains(t, frag.Body, `id="record-row-`+ids[20].String()+`"`)
	m = nextLink.FindStringSubmatch(frag.Body)
	require.NotNil(t, m)
	last := b.Get(htmlUnescape(m[1]))
	require.Contains(t, last.Body, `id="record-row-`+ids[0].String()+`"`)
	require.Nil(t, nextLink.FindStringSubmatch(last.Body), "the last page has no next link")

	// Search by key, then by field value (records 0, 3, 6... have the email p@example.com).
	byKey := b.Get(base + "?q=" + url.QueryEscape("k-"+ids[5].String()))
	require.Contains(t, byKey.Body, `id="record-row-`+ids[5].String()+`"`)
	require.Equal(t, 1, rowCount(byKey.Body))

	byField := b.HTMX(http.MethodGet, base+"?q="+url.QueryEscape(`email = "p@example.com"`), nil)
	require.Equal(t, http.StatusOK, byField.StatusCode)
	require.Equal(t, 40, rowCount(byField.Body))
	require.Contains(t, byField.Body, `id="record-row-`+ids[117].String()+`"`)
	require.NotContains(t, byField.Body, `id="record-row-`+ids[118].String()+`"`)
	require.Nil(t, nextLink.FindStringSubmatch(byField.Body))

	none := b.Get(base + "?q=" + url.QueryEscape("n = 5000"))
	require.Contains(t, none.Body, "No records found.")
	bad := b.Get(base + "?q=" + url.QueryEscape("not a field = 1"))
	require.Contains(t, bad.Body, "Search a field as field = value")
	broken := b.Get(base + "?before=xyz")
	require.Contains(t, broken.Body, "This page link is broken")

	// The record page: pretty JSON, its batch and times.
	rec := b.Get("/records/" + ids[4].String())
	require.Equal(t, http.StatusOK, rec.StatusCode)
	require.Contains(t, rec.Body, "{\n  &#34;n&#34;: 4,\n  &#34;email&#34;: &#34;px@example.com&#34;\n}")
	require.Contains(t, rec.Body, `<a id="record-batch" href="/batches/`+batch.ID.String()+`"`)
	require.Contains(t, rec.Body, "March import")
	require.Contains(t, rec.Body, "record #5")
	require.Contains(t, rec.Body, "Inserted")
	require.Contains(t, rec.Body, "Updated")
}

func rowCount(body string) int {
	return len(regexp.MustCompile(`<tr id="record-row-`).FindAllStringIndex(body, -1))
}

func htmlUnescape(s string) string { return html.UnescapeString(s) }
