package app_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// htmlTable is a table of a page, read as a person sees it.
type htmlTable struct {
	Head []string
	Rows [][]*html.Node // the cells (th and td) of each body row
}

// tableByID parses body and returns the table with that id.
func tableByID(t *testing.T, body, id string) htmlTable {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	require.NoError(t, err)
	table := find(doc, func(n *html.Node) bool { return n.Data == "table" && attr(n, "id") == id })
	require.NotNil(t, table, "no table #%s", id)
	var tb htmlTable
	for _, tr := range findAll(table, func(n *html.Node) bool { return n.Data == "tr" }) {
		cells := children(tr, func(n *html.Node) bool { return n.Data == "th" || n.Data == "td" })
		if tr.Parent.Data == "thead" {
			for _, c := range cells {
				tb.Head = append(tb.Head, text(c))
			}
			continue
		}
		tb.Rows = append(tb.Rows, cells)
	}
	return tb
}

// column is the index of the column headed name, -1 when there is none.
func (tb htmlTable) column(name string) int {
	for i, h := range tb.Head {
		if h == name {
			return i
		}
	}
	return -1
}

// cell is the text of the row's cell under the column headed name.
func (tb htmlTable) cell(t *testing.T, row int, name string) *html.Node {
	t.Helper()
	i := tb.column(name)
	require.GreaterOrEqual(t, i, 0, "no column %q in %v", name, tb.Head)
	require.Less(t, i, len(tb.Rows[row]), "row %d has no cell under %q", row, name)
	return tb.Rows[row][i]
}

func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if n.Type == html.ElementNode && match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, match); f != nil {
			return f
		}
	}
	return nil
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	if n.Type == html.ElementNode && match(n) {
		out = append(out, n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, findAll(c, match)...)
	}
	return out
}

func children(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && match(c) {
			out = append(out, c)
		}
	}
	return out
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// text is the text of n with its runs of white space collapsed.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
