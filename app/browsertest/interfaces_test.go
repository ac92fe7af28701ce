package browsertest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

// The interface form shows the options of the chosen format only: each
// block's hidden attribute must win over the layout classes inside it.
func TestInterfaceFormShowsTheOptionsOfItsFormat(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "formats@example.com", false)
	tb := newTab(t, h)
	tb.signIn(a)
	tb.open("/interfaces/new")

	visible := func(id string) bool {
		return eval[bool](tb, `document.getElementById("`+id+`").offsetParent !== null`)
	}
	ids := []string{"records_path", "encoding", "csv_delimiter", "csv_quote", "csv_header", "record_element", "xlsx_sheet"}
	for _, tc := range []struct {
		format string
		shown  []string
	}{
		{"JSON", []string{"records_path", "encoding"}},
		{"XML", []string{"encoding", "record_element"}},
		{"CSV", []string{"encoding", "csv_delimiter", "csv_quote", "csv_header"}},
		{"XLSX (Excel)", []string{"csv_header", "xlsx_sheet"}},
	} {
		tb.choose("#format", tc.format)
		var shown []string
		for _, id := range ids {
			if visible(id) {
				shown = append(shown, id)
			}
		}
		require.Equal(t, tc.shown, shown, tc.format)
	}
}
