package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

// interfaceForm is a valid JSON interface form with two field rows.
func interfaceForm(name, flowID string) url.Values {
	return url.Values{
		"name": {name}, "description": {"Orders from the shop"}, "format": {"json"}, "scopes": {"batch", "api"},
		"flow_id": {flowID}, "records_path": {"data.items"}, "csv_delimiter": {","}, "record_element": {""},
		"fields[0].name": {"order_id"}, "fields[0].source": {"id"}, "fields[0].type": {"string"}, "fields[0].required": {"1"},
		"fields[1].name": {"total"}, "fields[1].source": {"amount.total"}, "fields[1].type": {"number"},
	}
}

func TestInterfacePagesCreateEditArchive(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "ifaces@example.com", false)
	b := h.SignIn(t, a)
	ctx := context.Background()
	flow := &models.Flow{AccountID: a.ID, Name: "Orders", KeyField: "order_id"}
	require.NoError(t, models.SaveFlow(ctx, h.DB, flow))

	require.Contains(t, b.Get("/interfaces").Body, "No interfaces yet")
	form := b.Get("/interfaces/new")
	require.Equal(t, http.StatusOK, form.StatusCode)
	require.Contains(t, form.Body, `<option value="`+flow.ID.String()+`"`)

	res := b.PostForm("/interfaces", interfaceForm("Orders JSON", flow.ID.String()))
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	list, err := models.ListInterfaces(ctx, h.DB, a.ID, false)
	require.NoError(t, err)
	require.Len(t, list, 1)
	in := list[0]
	require.Equal(t, "/interfaces/"+in.ID.String(), res.Header.Get("Location"))
	require.Equal(t, models.FormatJSON, in.Format)
	require.Equal(t, models.Scopes{"batch", "api"}, in.Scopes)
	require.Equal(t, "data.items", in.RecordsPath)
	require.Equal(t, &flow.ID, in.FlowID)
	require.Equal(t, models.Fields{
		{Name: "order_id", Source: "id", Type: models.TypeString, Required: true},
		{Name: "total", Source: "amount.total", Type: models.TypeNumber},
	}, in.Fields)

	show := b.Get("/interfaces/" + in.ID.String())
	require.Equal(t, http.StatusOK, show.StatusCode)
	require.Contains(t, show.Body, h.URL+"/api/v1/interfaces/"+in.ID.String()+"/batch")
	require.Contains(t, show.Body, h.URL+"/api/v2/interfaces/"+in.ID.String()+"/batch")
	require.Contains(t, show.Body, "-F file=@contacts.json")
	require.Contains(t, show.Body, "X-Batch-Status: READY")
	require.Contains(t, show.Body, `data-copy="`+h.URL+"/api/v1/interfaces/"+in.ID.String()+`/batch"`)
	require.Contains(t, show.Body, "/interfaces/"+in.ID.String()+"/postman.json")

	// Edit: switch to CSV without a header row; sources become column numbers.
	edit := b.Get("/interfaces/" + in.ID.String() + "/edit")
	require.Contains(t, edit.Body, `value="amount.total"`)
	f := interfaceForm("Orders CSV", flow.ID.String())
	f.Set("format", "csv")
	f.Set("csv_delimiter", ";")
	f["scopes"] = []string{"batch"}
	f.Set("fields[0].source", "1")
	f.Set("fields[1].source", "2")
	res = b.HTMX(http.MethodPost, "/interfaces/"+in.ID.String(), f)
	require.Equal(t, http.StatusNoContent, res.StatusCode, res.Body)
	got, err := models.InterfaceByID(ctx, h.DB, a.ID, in.ID)
	require.NoError(t, err)
	require.Equal(t, models.FormatCSV, got.Format)
	require.Equal(t, ";", got.CSVDelimiter)
	require.False(t, got.CSVHeader)
	require.Empty(t, got.RecordsPath, "options of other formats are reset")
	require.Equal(t, models.Scopes{"batch"}, got.Scopes)

	show = b.Get("/interfaces/" + in.ID.String())
	require.Contains(t, show.Body, "-F file=@contacts.csv")
	require.Contains(t, show.Body, "Content-Type: text/csv")

	res = b.HTMX(http.MethodPost, "/interfaces/"+in.ID.String()+"/archive", nil)
	require.Equal(t, http.StatusNoContent, res.StatusCode, res.Body)
	require.NotContains(t, b.Get("/interfaces").Body, "Orders CSV")
	require.Contains(t, b.Get("/interfaces?archived=1").Body, "Orders CSV")
	require.Contains(t, b.Get("/interfaces/"+in.ID.String()).Body, "This interface is archived")
}

func TestInterfaceDetailsOfferV2ForEveryFormat(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "xml@example.com", true)
	b := h.SignIn(t, a)
	list, err := models.ListInterfaces(context.Background(), h.DB, a.ID, false)
	require.NoError(t, err)
	for _, in := range list {
		page := b.Get("/interfaces/" + in.ID.String())
		require.Equal(t, http.StatusOK, page.StatusCode)
		require.Contains(t, page.Body, "/api/v2/interfaces/"+in.ID.String()+"/batch", "v2 takes every format")
		if in.Format == models.FormatXML {
			require.Contains(t, page.Body, "Content-Type: application/xml")
			require.Contains(t, page.Body, "-F file=@contacts.xml")
		}
	}
}

func TestInterfaceFormValidation(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "ifrules@example.com", true) // starter: flow Contacts keyed on external_id, "Contacts JSON"
	other := h.CreateAccount(t, "ifrules-other@example.com", true)
	b := h.SignIn(t, a)
	b.Get("/interfaces/new")
	ctx := context.Background()
	flows, err := models.ListFlows(ctx, h.DB, a.ID, false)
	require.NoError(t, err)
	contacts := flows[0].ID.String()
	otherFlows, err := models.ListFlows(ctx, h.DB, other.ID, false)
	require.NoError(t, err)
	archived := &models.Flow{AccountID: a.ID, Name: "Old"}
	require.NoError(t, models.SaveFlow(ctx, h.DB, archived))
	require.NoError(t, models.ArchiveFlow(ctx, h.DB, a.ID, archived.ID))

	key := h.APIKey(t, a)
	base := func(changes map[string]string) url.Values {
		f := interfaceForm("New one", "")
		for k, v := range changes {
			if v == "<delete>" {
				f.Del(k)
			} else {
				f.Set(k, v)
			}
		}
		return f
	}
	cases := []struct {
		name, field, msg string
		changes          map[string]string
	}{
		{"empty name", "name", "Enter a name.", map[string]string{"name": ""}},
		{"taken name", "name", "Another interface of your account already has this name.", map[string]string{"name": "contacts json"}},
		{"unknown format", "format", "Choose JSON, XML, CSV or XLSX.", map[string]string{"format": "yaml"}},
		{"unknown scope", "scopes", "Scopes are batch, api and designer.", map[string]string{"scopes": "admin"}},
		{"flow not an id", "flow_id", "Choose one of your flows.", map[string]string{"flow_id": "nope"}},
		{"flow of another account", "flow_id", "Choose one of your flows.", map[string]string{"flow_id": otherFlows[0].ID.String()}},
		{"archived flow", "flow_id", "This flow is archived", map[string]string{"flow_id": archived.ID.String()}},
		{"flow key field not mapped", "fields", "The flow Contacts matches records on external_id", map[string]string{"flow_id": contacts}},
		{"records path with empty segment", "records_path", "dotted path", map[string]string{"records_path": "data..items"}},
		{"records path not identifiers", "records_path", "dotted path", map[string]string{"records_path": "data.$items"}},
		{"csv delimiter two characters", "csv_delimiter", "exactly one character", map[string]string{"format": "csv", "csv_delimiter": ";;"}},
		{"csv delimiter empty", "csv_delimiter", "exactly one character", map[string]string{"format": "csv", "csv_delimiter": ""}},
		{"csv delimiter quote", "csv_delimiter", "A quote or a line break", map[string]string{"format": "csv", "csv_delimiter": `"`}},
		{"csv delimiter newline", "csv_delimiter", "A quote or a line break", map[string]string{"format": "csv", "csv_delimiter": "\n"}},
		{"xml without record element", "record_element", "Enter the name of the element", map[string]string{"format": "xml", "fields[1].source": "total"}},
		{"xml invalid record element", "record_element", "Enter an XML element name", map[string]string{"format": "xml", "record_element": "1contact", "fields[1].source": "total"}},
		{"xml prefixed record element", "record_element", "Enter an XML element name", map[string]string{"format": "xml", "record_element": "a:contact", "fields[1].source": "total"}},
		{"no fields", "fields", "Add at least one field", map[string]string{"fields[0].name": "", "fields[0].source": "", "fields[1].name": "", "fields[1].source": ""}},
		{"field without name", "fields[1].name", "Enter a name.", map[string]string{"fields[1].name": ""}},
		{"field name not an identifier", "fields[1].name", "Use letters, digits and _", map[string]string{"fields[1].name": "total amount"}},
		{"duplicate field names", "fields[1].name", "Another field already has this name.", map[string]string{"fields[1].name": "Order_ID"}},
		{"field without source", "fields[1].source", "Enter where the value comes from.", map[string]string{"fields[1].source": ""}},
		{"json source with empty segment", "fields[1].source", "dotted path", map[string]string{"fields[1].source": "amount..total"}},
		{"csv source not a column number without header", "fields[1].source", "column number", map[string]string{"format": "csv", "fields[1].source": "total"}},
		{"xml source not a name", "fields[1].source", "child element", map[string]string{"format": "xml", "record_element": "order", "fields[1].source": "amount total"}},
		{"unknown field type", "fields[1].type", "Choose string, integer, number, boolean, date or datetime.", map[string]string{"fields[1].type": "money"}},
	}
	for _, tc := range cases {
		f := base(tc.changes)
		if tc.changes["scopes"] != "" {
			f["scopes"] = []string{tc.changes["scopes"]}
		}
		plain := b.PostForm("/interfaces", f)
		require.Equal(t, http.StatusUnprocessableEntity, plain.StatusCode, tc.name)
		require.Contains(t, plain.Body, htmlText(tc.msg), tc.name)
		swap := b.HTMX(http.MethodPost, "/interfaces", f)
		require.Equal(t, http.StatusOK, swap.StatusCode, tc.name)
		require.Contains(t, swap.Body, htmlText(tc.msg), tc.name)
		require.NotContains(t, swap.Body, "<html", tc.name)

		// The same rule answers the API, keyed the same way.
		api := h.API(t, key, http.MethodPost, "/api/v1/interfaces", strings.NewReader(apiInterfaceBody(t, f)), jsonHeader)
		if tc.changes["flow_id"] == "nope" {
			require.Equal(t, http.StatusBadRequest, api.StatusCode, "a malformed ID is a malformed body")
			continue
		}
		require.Equal(t, http.StatusUnprocessableEntity, api.StatusCode, tc.name+": "+api.Body)
		require.Equal(t, "application/problem+json", api.Header.Get("Content-Type"))
		require.Contains(t, problemErrors(t, api.Body)[tc.field], tc.msg, tc.name)
	}
	list, err := models.ListInterfaces(ctx, h.DB, a.ID, true)
	require.NoError(t, err)
	require.Len(t, list, 3, "nothing invalid was saved")

	// Valid variants of the rules above are accepted.
	ok := []map[string]string{
		{"format": "csv", "csv_delimiter": `\t`, "csv_header": "1"},
		{"format": "csv", "csv_delimiter": "|", "fields[0].source": "1", "fields[1].source": "2", "name": "pipes"},
		{"format": "xml", "record_element": "order", "fields[0].source": "@id", "fields[1].source": "amount.@total", "name": "xml"},
		{"records_path": "", "name": "top level"},
		{"flow_id": contacts, "fields[0].name": "external_id", "name": "keyed"},
		{"format": "csv", "csv_delimiter": "auto", "csv_quote": "'", "encoding": "windows-1252", "csv_header": "1", "name": "sniffed"},
		{"format": "xlsx", "xlsx_sheet": "Orders 2024", "csv_header": "1", "name": "workbook"},
	}
	for _, changes := range ok {
		res := b.PostForm("/interfaces", base(changes))
		require.Equal(t, http.StatusSeeOther, res.StatusCode, "%v: %s", changes, res.Body)
	}
	tabbed, err := models.ListInterfaces(ctx, h.DB, a.ID, false)
	require.NoError(t, err)
	for _, in := range tabbed {
		switch in.Name {
		case "New one":
			require.Equal(t, "\t", in.CSVDelimiter)
		case "sniffed":
			require.Equal(t, []string{"auto", "'", "windows-1252"}, []string{in.CSVDelimiter, in.CSVQuote, in.Encoding})
		case "workbook":
			require.Equal(t, models.FormatXLSX, in.Format)
			require.Equal(t, "Orders 2024", in.XLSXSheet)
			page := b.Get("/interfaces/" + in.ID.String())
			require.Contains(t, page.Body, "Orders 2024")
			require.Contains(t, page.Body, "-F file=@contacts.xlsx")
		}
	}
	bad := b.PostForm("/interfaces", base(map[string]string{"format": "csv", "csv_quote": "`", "encoding": "latin-9"}))
	require.Contains(t, bad.Body, htmlText(`Use " or ' as the quote character.`))
	require.Contains(t, bad.Body, "Choose auto, utf-8, windows-1252, iso-8859-1 or utf-16.")
}

var entity = strings.NewReplacer(`"`, "&#34;", "'", "&#39;")

// htmlText is how templ escapes a message in the page.
func htmlText(s string) string { return entity.Replace(s) }

func TestFieldsEditorAddsAndRemovesRows(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "editor@example.com", false)
	b := h.SignIn(t, a)
	b.Get("/interfaces/new")

	rows := url.Values{
		"name":           {"ignored"},
		"fields[0].name": {"a"}, "fields[0].source": {"src_a"}, "fields[0].type": {"integer"}, "fields[0].required": {"1"},
		"fields[1].name": {"b"}, "fields[1].source": {"src_b"}, "fields[1].type": {"date"},
	}
	add := url.Values{"add": {"1"}}
	for k, v := range rows {
		add[k] = v
	}
	res := b.HTMX(http.MethodPost, "/interfaces/fields-editor", add)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.True(t, strings.HasPrefix(strings.TrimSpace(res.Body), `<fieldset id="fields-editor"`))
	require.Equal(t, 3, strings.Count(res.Body, `<tr id="field-row-`))
	require.Contains(t, res.Body, `name="fields[2].name" value=""`)
	require.Contains(t, res.Body, `name="fields[0].source" value="src_a"`)
	require.Regexp(t, regexp.MustCompile(`name="fields\[0\]\.required" value="1" checked`), res.Body)
	require.Regexp(t, regexp.MustCompile(`<option value="date" selected>`), res.Body)

	remove := url.Values{"remove": {"0"}}
	for k, v := range rows {
		remove[k] = v
	}
	res = b.HTMX(http.MethodPost, "/interfaces/fields-editor", remove)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, 1, strings.Count(res.Body, `<tr id="field-row-`))
	require.Contains(t, res.Body, `name="fields[0].name" value="b"`, "the rows after it move up")
	require.NotContains(t, res.Body, "src_a")

	bad := b.HTMX(http.MethodPost, "/interfaces/fields-editor", url.Values{"remove": {"7"}})
	require.Equal(t, http.StatusBadRequest, bad.StatusCode)

	// The editor is offered by the form, wired to this endpoint.
	page := b.Get("/interfaces/new")
	require.Contains(t, page.Body, `hx-post="/interfaces/fields-editor"`)
	require.Contains(t, page.Body, `hx-vals='{"add":"1"}'`)
}

func TestInterfaceKeepsItsArchivedDefaultFlow(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "keepflow@example.com", true)
	b := h.SignIn(t, a)
	ctx := context.Background()
	flows, err := models.ListFlows(ctx, h.DB, a.ID, false)
	require.NoError(t, err)
	flow := flows[0]
	require.NoError(t, models.ArchiveFlow(ctx, h.DB, a.ID, flow.ID))
	list, err := models.ListInterfaces(ctx, h.DB, a.ID, false)
	require.NoError(t, err)
	in := list[0]

	edit := b.Get("/interfaces/" + in.ID.String() + "/edit")
	require.Contains(t, edit.Body, `<option value="`+flow.ID.String()+`" selected>Contacts (archived)</option>`)
	require.Contains(t, b.Get("/interfaces/"+in.ID.String()).Body, "archived")

	// Saving other changes keeps the archived flow; a new interface cannot pick it.
	f := interfaceForm(in.Name, flow.ID.String())
	f.Set("fields[0].name", "external_id")
	res := b.HTMX(http.MethodPost, "/interfaces/"+in.ID.String(), f)
	require.Equal(t, http.StatusNoContent, res.StatusCode, res.Body)
	f.Set("name", "Another")
	res = b.HTMX(http.MethodPost, "/interfaces", f)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Body, "This flow is archived; choose another one.")
}
