package app_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

// peopleFlow is a flow keyed on external_id, fed by one interface, with
// records from two batches.
type peopleFlow struct {
	flow         *models.Flow
	march, april *models.Batch
	// ids are the records' IDs, oldest first: 3 of March, then 2 of April.
	ids []uuid.UUID
}

func seedPeopleFlow(t *testing.T, h *apptest.Harness, accountID uuid.UUID) peopleFlow {
	t.Helper()
	ctx := context.Background()
	p := peopleFlow{flow: &models.Flow{AccountID: accountID, Name: "People", KeyField: "external_id"}}
	require.NoError(t, models.SaveFlow(ctx, h.DB, p.flow))
	in := &models.Interface{AccountID: accountID, Name: "People JSON", Format: models.FormatJSON, Scopes: models.Scopes{models.ScopeBatch},
		FlowID: &p.flow.ID, Fields: models.Fields{
			{Name: "external_id", Source: "id", Type: models.TypeString, Required: true},
			{Name: "first_name", Source: "first", Type: models.TypeString},
			{Name: "last_name", Source: "last", Type: models.TypeString},
			{Name: "email", Source: "email", Type: models.TypeString},
			{Name: "age", Source: "age", Type: models.TypeInteger},
			{Name: "city", Source: "city", Type: models.TypeString},
		}}
	require.NoError(t, models.CreateInterface(ctx, h.DB, in))
	for _, b := range []**models.Batch{&p.march, &p.april} {
		name := "March import"
		if b == &p.april {
			name = "April import"
		}
		*b = &models.Batch{AccountID: accountID, Name: name, Format: models.FormatJSON, Source: models.SourceAPIv1, FlowID: &p.flow.ID, Status: models.StatusFinished}
		require.NoError(t, models.CreateBatch(ctx, h.DB, *b))
	}
	draft := &models.Batch{AccountID: accountID, Name: "Unsent draft", Format: models.FormatJSON, Source: models.SourceUI, FlowID: &p.flow.ID}
	require.NoError(t, models.CreateBatch(ctx, h.DB, draft))
	rows := []struct {
		batch *models.Batch
		key   string
		data  string
	}{
		{p.march, "P-1", `{"external_id":"P-1","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","age":36,"city":"London","nickname":"Countess"}`},
		{p.march, "P-2", `{"external_id":"P-2","first_name":"Bob","email":"bob@example.com","age":41,"city":"Leeds"}`},
		{p.march, "P-3", `{"external_id":"P-3","first_name":"Cy","city":"Graz","active":true}`},
		{p.april, "P-4", `{"external_id":"P-4","first_name":"Dee","tags":["a","b"]}`},
		{p.april, "P-5", `{"external_id":"P-5","first_name":"Eve","age":null}`},
	}
	for i, r := range rows {
		id, err := uuid.NewV7()
		require.NoError(t, err)
		require.NoError(t, h.DB.Exec(`INSERT INTO records (id, account_id, flow_id, batch_id, batch_index, key, data) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, accountID, p.flow.ID, r.batch.ID, i, r.key, r.data).Error)
		p.ids = append(p.ids, id)
	}
	now := time.Now()
	for _, b := range []*models.Batch{p.march, p.april} {
		require.NoError(t, h.DB.Model(b).Update("finished_at", now).Error)
	}
	return p
}

// rowOf is the index of the table's row of the record with that key.
func rowOf(t *testing.T, tb htmlTable, key string) int {
	t.Helper()
	for i := range tb.Rows {
		if text(tb.cell(t, i, "external_id")) == key {
			return i
		}
	}
	t.Fatalf("no row with the key %s", key)
	return -1
}

func TestRecordsBrowserShowsAColumnPerField(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "columns@example.com", false)
	p := seedPeopleFlow(t, h, a.ID)
	b := h.SignIn(t, a)
	base := "/flows/" + p.flow.ID.String() + "/records"

	// By default: the key field first, then the first four other fields.
	page := b.Get(base)
	require.Equal(t, http.StatusOK, page.StatusCode)
	tb := tableByID(t, page.Body, "records")
	require.Equal(t, []string{"external_id", "first_name", "last_name", "email", "age", "Record", "Batch", "Inserted"}, tb.Head)
	require.Len(t, tb.Rows, 5)
	ada := rowOf(t, tb, "P-1")
	require.Equal(t, "Ada", text(tb.cell(t, ada, "first_name")))
	require.Equal(t, "Lovelace", text(tb.cell(t, ada, "last_name")))
	require.Equal(t, "36", text(tb.cell(t, ada, "age")))
	require.Equal(t, "March import", text(tb.cell(t, ada, "Batch")))
	require.Empty(t, text(tb.cell(t, rowOf(t, tb, "P-5"), "age")), "null is shown as nothing")
	require.Empty(t, text(tb.cell(t, rowOf(t, tb, "P-3"), "email")))

	// The record's ID: its distinctive end shown, the whole on hover and copy.
	id := p.ids[0].String()
	cell := tb.cell(t, ada, "Record")
	require.Equal(t, "Record ending …"+id[len(id)-8:], text(cell))
	link := find(cell, func(n *html.Node) bool { return n.Data == "a" })
	require.Equal(t, "/records/"+id, attr(link, "href"))
	require.Equal(t, id, attr(link, "title"))
	require.Equal(t, id[len(id)-8:], text(find(link, func(n *html.Node) bool { return n.Data == "code" })))
	copyButton := find(cell, func(n *html.Node) bool { return n.Data == "button" })
	require.Equal(t, id, attr(copyButton, "data-copy"))
	require.Equal(t, "Copy the ID of record ending "+id[len(id)-8:], attr(copyButton, "aria-label"))

	// The chooser offers the interface's fields, then the records' others.
	doc, err := html.Parse(stringsReader(page.Body))
	require.NoError(t, err)
	var offered, checked []string
	for _, box := range findAll(doc, func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == "col" }) {
		offered = append(offered, attr(box, "value"))
		if hasAttr(box, "checked") {
			checked = append(checked, attr(box, "value"))
		}
	}
	require.Equal(t, []string{"first_name", "last_name", "email", "age", "city", "active", "nickname", "tags"}, offered)
	require.Equal(t, []string{"first_name", "last_name", "email", "age"}, checked)

	// A choice: shown in the chooser's order, the key first all the same.
	chosen := b.Get(base + "?cols=1&col=nickname&col=city&col=external_id&col=tags&col=" + url.QueryEscape("not a field"))
	tb = tableByID(t, chosen.Body, "records")
	require.Equal(t, []string{"external_id", "city", "nickname", "tags", "Record", "Batch", "Inserted"}, tb.Head)
	ada = rowOf(t, tb, "P-1")
	require.Equal(t, "London", text(tb.cell(t, ada, "city")))
	require.Equal(t, "Countess", text(tb.cell(t, ada, "nickname")))
	require.Equal(t, `["a", "b"]`, text(tb.cell(t, rowOf(t, tb, "P-4"), "tags")))
	// Choosing none leaves the key.
	none := b.Get(base + "?cols=1")
	require.Equal(t, []string{"external_id", "Record", "Batch", "Inserted"}, tableByID(t, none.Body, "records").Head)
	// A field no record has is still a column, so that a link keeps it.
	gone := b.Get(base + "?cols=1&col=age&col=phone")
	require.Equal(t, []string{"external_id", "age", "phone", "Record", "Batch", "Inserted"}, tableByID(t, gone.Body, "records").Head)
}

func TestRecordsBrowserFiltersByBatch(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "bybatch@example.com", false)
	p := seedPeopleFlow(t, h, a.ID)
	other := h.CreateAccount(t, "other@example.com", false)
	theirs := seedPeopleFlow(t, h, other.ID)
	b := h.SignIn(t, a)
	base := "/flows/" + p.flow.ID.String() + "/records"

	// The filter offers the flow's batches that may have records, newest first.
	page := b.Get(base)
	doc, err := html.Parse(stringsReader(page.Body))
	require.NoError(t, err)
	sel := find(doc, func(n *html.Node) bool { return n.Data == "select" && attr(n, "name") == "batch" })
	require.NotNil(t, sel)
	var options []string
	for _, o := range findAll(sel, func(n *html.Node) bool { return n.Data == "option" }) {
		options = append(options, attr(o, "value"))
	}
	require.Equal(t, []string{"", p.april.ID.String(), p.march.ID.String()}, options)
	require.NotContains(t, page.Body, "data-batch-filter")

	// Filtered: only the batch's records, the filter shown and removable,
	// the columns kept.
	filtered := b.Get(base + "?batch=" + p.march.ID.String() + "&cols=1&col=city")
	require.Equal(t, http.StatusOK, filtered.StatusCode)
	tb := tableByID(t, filtered.Body, "records")
	require.Equal(t, []string{"external_id", "city", "Record", "Batch", "Inserted"}, tb.Head)
	var keys []string
	for i := range tb.Rows {
		keys = append(keys, text(tb.cell(t, i, "external_id")))
	}
	require.ElementsMatch(t, []string{"P-1", "P-2", "P-3"}, keys)
	doc, err = html.Parse(stringsReader(filtered.Body))
	require.NoError(t, err)
	notice := find(doc, func(n *html.Node) bool { return hasAttr(n, "data-batch-filter") })
	require.NotNil(t, notice)
	require.Contains(t, text(notice), "Records last written by the batch March import.")
	remove := find(notice, func(n *html.Node) bool { return hasAttr(n, "data-remove-batch-filter") })
	require.Equal(t, base+"?col=city&cols=1", attr(remove, "href"))
	selected := find(doc, func(n *html.Node) bool { return n.Data == "option" && hasAttr(n, "selected") })
	require.Equal(t, p.march.ID.String(), attr(selected, "value"))

	// Another account's batch is not found, even on one's own flow.
	require.Equal(t, http.StatusNotFound, b.Get(base+"?batch="+theirs.march.ID.String()).StatusCode)
	require.Equal(t, http.StatusNotFound, b.Get("/flows/"+theirs.flow.ID.String()+"/records?batch="+theirs.march.ID.String()).StatusCode)
}

func TestRecordPageListsItsFields(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "onerecord@example.com", false)
	p := seedPeopleFlow(t, h, a.ID)
	b := h.SignIn(t, a)

	page := b.Get("/records/" + p.ids[0].String())
	require.Equal(t, http.StatusOK, page.StatusCode)
	doc, err := html.Parse(stringsReader(page.Body))
	require.NoError(t, err)
	list := find(doc, func(n *html.Node) bool { return attr(n, "id") == "record-fields" })
	require.NotNil(t, list)
	var got []string
	for _, row := range children(list, func(n *html.Node) bool { return n.Data == "div" }) {
		cells := children(row, func(n *html.Node) bool { return n.Data == "dt" || n.Data == "dd" })
		require.Len(t, cells, 2)
		got = append(got, text(cells[0])+" = "+text(cells[1]))
	}
	// The key field first, the interface's fields in order, then the others.
	require.Equal(t, []string{"external_id = P-1", "first_name = Ada", "last_name = Lovelace", "email = ada@example.com", "age = 36", "city = London", "nickname = Countess"}, got)
	require.Contains(t, page.Body, `id="record-data"`, "the JSON stays, to copy")
}
