package components

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/models"
)

func renderHTML(t *testing.T, c templ.Component) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, c.Render(context.Background(), &buf))
	return buf.String()
}

func sampleView(s models.Status) BatchView {
	created := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	return BatchView{
		ID: uuid.MustParse("0198a3c4-0000-7000-8000-000000000001").String(), Name: "March <contacts>", Status: s,
		Format: models.FormatCSV, Source: "API v2", Interface: "Contacts CSV", Flow: "Contacts", HasInput: true,
		Total: 200, Processed: 50, Failed: 3, Created: created, Now: created.Add(time.Minute),
	}
}

var menuItem = regexp.MustCompile(`role="menuitem"[^>]*>([A-Za-z]+)<`)

func menuItems(html string) []string {
	var out []string
	for _, m := range menuItem.FindAllStringSubmatch(html, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestConfigMenuOffersExactlyWhatTheStatusAllows(t *testing.T) {
	t.Parallel()
	want := map[models.Status][]string{
		models.StatusDraft:      {"Edit", "Clone", "Run", "Delete"},
		models.StatusReady:      {"View", "Clone"},
		models.StatusProcessing: {"View", "Clone"},
		models.StatusFinished:   {"View", "Clone", "Delete"},
		models.StatusError:      {"View", "Clone", "Delete"},
	}
	for s, items := range want {
		html := renderHTML(t, ConfigMenu(sampleView(s), "#row"))
		require.Equal(t, items, menuItems(html), s)
		require.Contains(t, html, `aria-haspopup="menu"`)
		require.Contains(t, html, `aria-expanded="false"`)
		require.Contains(t, html, `role="menu"`)
		require.Contains(t, html, `aria-label="Actions for March &lt;contacts&gt;"`)
		if s.Allows(models.ActionDelete) {
			require.Contains(t, html, `hx-confirm="Delete the batch “March &lt;contacts&gt;”? Its files (input, output, process log, error log and failed records) are deleted too.`)
		}
	}
}

func TestBatchRowShowsProgressOnlyWhileProcessing(t *testing.T) {
	t.Parallel()
	row := renderHTML(t, BatchRow(sampleView(models.StatusProcessing)))
	require.Contains(t, row, `<tr id="batch-row-0198a3c4-0000-7000-8000-000000000001" sse-swap="batch-0198a3c4-0000-7000-8000-000000000001" hx-swap="outerHTML settle:0ms"`)
	require.Contains(t, row, `<progress class="batch-progress" max="200" value="50"`)
	require.Contains(t, row, "50 / 200")
	require.Contains(t, row, "3 failed")
	require.Contains(t, row, `<time datetime="2026-03-01T09:30:00Z" title="2026-03-01 09:30:00 UTC" data-relative>`)
	require.Contains(t, row, "March &lt;contacts&gt;", "names are escaped")
	require.Contains(t, row, `href="/batches/0198a3c4-0000-7000-8000-000000000001"`)

	done := renderHTML(t, BatchRow(sampleView(models.StatusFinished)))
	require.NotContains(t, done, "<progress")
	require.Contains(t, done, `data-status="FINISHED"`)
}

// A batch validated while inserting learns its total at its end: until
// then its row and report say "—" and show an indeterminate progress bar,
// never "50 / 0" or a full bar.
func TestProgressWhileTheTotalIsUnknown(t *testing.T) {
	t.Parallel()
	v := sampleView(models.StatusProcessing)
	v.Total = 0
	row := renderHTML(t, BatchRow(v))
	require.Contains(t, row, "50 / —")
	require.Contains(t, row, `<progress class="batch-progress" aria-label="Progress of March &lt;contacts&gt;">50 records so far</progress>`)
	require.NotContains(t, row, "max=")
	html := renderHTML(t, BatchProgress(v))
	require.Contains(t, html, `data-count="Total">—<`)
	require.Contains(t, html, "50 records so far")
	require.NotContains(t, html, "left", "no ETA without a total")

	v.Status, v.Processed = models.StatusFinished, 0
	require.Contains(t, renderHTML(t, BatchProgress(v)), `data-count="Total">0<`, "an ended batch's total is known, even 0")
}

func TestStatusBadgesHaveDistinctColours(t *testing.T) {
	t.Parallel()
	seen := map[string]models.Status{}
	for _, s := range models.Statuses {
		c := badgeClass(s)
		prev, dup := seen[c]
		require.False(t, dup, "%s and %s share %q", s, prev, c)
		seen[c] = s
		require.Contains(t, renderHTML(t, StatusBadge(s)), ">"+string(s)+"</span>")
	}
}

func TestBatchProgressShowsRateETAAndDurations(t *testing.T) {
	t.Parallel()
	v := sampleView(models.StatusProcessing)
	ready := v.Created.Add(10 * time.Second)
	started := ready.Add(5 * time.Second)
	v.Ready, v.Started = &ready, &started
	v.Now = started.Add(10 * time.Second) // 50 records in 10 s
	html := renderHTML(t, BatchProgress(v))
	require.Contains(t, html, `id="batch-progress-`+v.ID+`" sse-swap="progress"`)
	require.Contains(t, html, "5.0 records/s")
	require.Contains(t, html, "about 30s left")
	require.Contains(t, html, `data-count="Queue wait">5.0s<`)
	require.Contains(t, html, `data-count="Processing time">10s<`)
	require.Contains(t, html, `data-timestamp="Finished">—`)

	finished := started.Add(time.Minute + 2*time.Second)
	v.Status, v.Finished, v.Processed = models.StatusFinished, &finished, 200
	html = renderHTML(t, BatchProgress(v))
	require.NotContains(t, html, "<progress")
	require.Contains(t, html, `data-count="Processing time">1m 02s<`)
	require.Contains(t, html, `data-count="Total time">1m 07s<`)
}

func TestStepperMarksTheCurrentStepAndLinksSavedBatches(t *testing.T) {
	t.Parallel()
	html := renderHTML(t, Stepper("abc", 2))
	require.Contains(t, html, `aria-current="step"`)
	require.Contains(t, html, `href="/batches/abc/wizard/information"`)
	require.Contains(t, html, `hx-push-url="true"`)
	require.NotContains(t, html, `href="/batches/abc/wizard/interface"`, "the current step is no link")
	fresh := renderHTML(t, Stepper("", 0))
	require.NotContains(t, fresh, "href=", "a new batch has no saved steps to visit")
}

func TestFormatting(t *testing.T) {
	t.Parallel()
	require.Equal(t, "1,234,567", Count(1234567))
	require.Equal(t, "999", Count(999))
	require.Equal(t, "350ms", Duration(350*time.Millisecond))
	require.Equal(t, "1h 02m 03s", Duration(time.Hour+2*time.Minute+3*time.Second))
	require.Equal(t, "designer", SourceLabel(models.SourceAPIv1, true))
	require.Equal(t, "API v1", SourceLabel(models.SourceAPIv1, false))
}
