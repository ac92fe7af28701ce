package app_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

func TestWizardPreviewIsATableOfFields(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.completeDraftWith(t, "Preview", `[
		{"external_id": "A-1", "first_name": "Ada", "age": 36, "active": "yes", "email": "a\"da@example.com"},
		{"external_id": "A-2", "first_name": "Bob", "age": "old"},
		{"first_name": "Cy", "birthday": "1990-13-01"},
		7]`)
	path := "/batches/" + id.String() + "/wizard/overview"
	fields := []string{"external_id", "first_name", "last_name", "email", "age", "active", "birthday"}

	page := u.b.Get(path)
	require.Equal(t, http.StatusOK, page.StatusCode)
	frag := u.b.HTMX(http.MethodGet, path, nil)
	require.Equal(t, http.StatusOK, frag.StatusCode)
	require.NotContains(t, frag.Body, "<html")
	for name, body := range map[string]string{"page": page.Body, "htmx": frag.Body} {
		tb := tableByID(t, body, "preview")
		require.Equal(t, append([]string{"#", "Line"}, fields...), tb.Head, name)
		require.Len(t, tb.Rows, 4, name)

		// A good record: each value under its field, as text.
		require.Equal(t, "A-1", text(tb.cell(t, 0, "external_id")))
		require.Equal(t, `a"da@example.com`, text(tb.cell(t, 0, "email")))
		require.Equal(t, "36", text(tb.cell(t, 0, "age")))
		require.Equal(t, "true", text(tb.cell(t, 0, "active")))
		require.Empty(t, text(tb.cell(t, 0, "last_name")), "a missing value is an empty cell")

		// A mapping error sits in the cell of its field, worded for a screen reader too.
		age := tb.cell(t, 1, "age")
		require.Equal(t, `Error: expected an integer (value "old")`, text(age))
		require.NotNil(t, find(age, func(n *html.Node) bool { return hasAttr(n, "data-mapping-error") }))
		require.NotNil(t, find(age, func(n *html.Node) bool { return n.Data == "svg" && attr(n, "aria-hidden") == "true" }), "an icon for the eye")
		require.Equal(t, "Bob", text(tb.cell(t, 1, "first_name")))
		for _, f := range []string{"external_id", "first_name", "email"} {
			require.Nil(t, find(tb.cell(t, 1, f), func(n *html.Node) bool { return hasAttr(n, "data-mapping-error") }), f)
		}

		// Every failing field of a record shows its error.
		require.Equal(t, "Error: required field missing", text(tb.cell(t, 2, "external_id")))
		require.Equal(t, "Cy", text(tb.cell(t, 2, "first_name")))
		require.Contains(t, text(tb.cell(t, 2, "birthday")), "Error: not a valid date")

		// A record that fails as a whole spans the fields.
		row := tb.Rows[3]
		require.Len(t, row, 3)
		require.Equal(t, "7", attr(row[2], "colspan"))
		require.Equal(t, `Error: record is not a JSON object (found number) (value "7")`, text(row[2]))
	}
}
