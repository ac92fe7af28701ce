package pages

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/views/filepreview"
)

// hostilePreviews are files shaped to make a preview large: the bounds of
// filepreview must hold the rendered page to a few megabytes whatever comes.
func hostilePreviews() map[string]string {
	var wideLog strings.Builder // 62 KB: every line brings new keys, so columns × rows explodes
	for i := 0; wideLog.Len() < 62<<10; i++ {
		fmt.Fprintf(&wideLog, "{\"a%d\":1,\"b%d\":2,\"c%d\":3,\"d%d\":4}\n", i, i, i, i)
	}
	var wideCSV strings.Builder // 256 KB: a header of 128k columns
	wideCSV.WriteString(strings.Repeat("a,", 64<<10) + "\n")
	wideCSV.WriteString(strings.Repeat("<,", 64<<10) + "\n")
	var longCells strings.Builder // one huge escaped cell per line
	for longCells.Len() < 250<<10 {
		fmt.Fprintf(&longCells, "{\"error\":%q}\n", strings.Repeat("<\"&", 8<<10))
	}
	return map[string]string{
		"wide.log":    wideLog.String(),
		"wide.csv":    wideCSV.String(),
		"long.ndjson": longCells.String(),
		"deep.json":   strings.Repeat("[", 150<<10) + strings.Repeat("]", 150<<10), // 300 KB
		"deep2.json":  strings.Repeat(`{"a":[`, 50<<10),
		"tags.xml":    strings.Repeat("<", 300<<10),
	}
}

// TestHostilePreviewsStaySmall renders each hostile file's page into a
// buffer and measures the HTML and the memory allocated on the way. It is
// not parallel: the allocation count is process-wide, and parallel tests
// wait while serial ones run.
func TestHostilePreviewsStaySmall(t *testing.T) {
	for name, content := range hostilePreviews() {
		t.Run(name, func(t *testing.T) {
			head := []byte(content)[:min(len(content), filepreview.MaxBytes)]
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			p := filepreview.Build(name, "", int64(len(content)), head)
			var html bytes.Buffer
			require.NoError(t, FilePreview(FileView{Name: name, Preview: p}).Render(context.Background(), &html))
			runtime.ReadMemStats(&after)
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d KB in, %d KB of HTML, %d KB allocated", len(content)>>10, html.Len()>>10, allocated>>10)
			require.Less(t, html.Len(), 8<<20, "renders at most a few MB")
			require.Less(t, allocated, uint64(40<<20), "allocates well under 50 MB")
			require.Equal(t, name != "tags.xml", strings.Contains(html.String(), "Preview shortened"),
				"only a preview that leaves something out says so (256 KB of text fits)")
		})
	}
}
