package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

func TestWizardMatchesHumanColumnsAndRuns(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	acct := h.CreateAccount(t, "columns@example.com", true)
	tb := newTab(t, h)
	tb.signIn(acct)

	const n = 40
	var csv strings.Builder
	csv.WriteString("External ID,First Name,Surname,E-mail\n")
	for i := range n {
		fmt.Fprintf(&csv, "H-%d,Ann %d,Lee %d,ann%d@example.com\n", i, i, i, i)
	}
	file := filepath.Join(t.TempDir(), "people.csv")
	require.NoError(t, os.WriteFile(file, []byte(csv.String()), 0o644))

	tb.open("/batches/new")
	tb.do(chromedp.SendKeys(chromedp.ID("batch-name"), "Human columns"))
	tb.submit("/wizard/format")
	id := tb.batchOf()
	tb.do(chromedp.Click(chromedp.CSS(`input[name=format][value=csv]`)))
	tb.submit("/wizard/interface")
	tb.choose("#batch-interface", "Contacts CSV")
	tb.submit("/wizard/upload")
	tb.do(chromedp.SetUploadFiles(chromedp.ID("batch-file"), []string{file}))
	tb.waitFor(`location.pathname.endsWith("/wizard/names") && document.getElementById("batch-input-name") !== null`, 15*time.Second)
	tb.submit("/wizard/overview")

	// The file's columns beside the fields: sure matches are taken as they
	// are, the suggestion waits for a confirmation.
	require.Equal(t, "External ID", eval[string](tb, `document.getElementById("col-external_id").value`))
	require.Equal(t, "normalised", eval[string](tb, `document.querySelector('[data-field="email"] [data-match]').dataset.match`))
	require.Equal(t, "Surname", eval[string](tb, `document.getElementById("col-last_name").value`))
	require.Equal(t, "suggested", eval[string](tb, `document.querySelector('[data-field="last_name"] [data-match]').dataset.match`))
	require.Contains(t, tb.text(`[data-field="last_name"]`), "Lee 0 · Lee 1 · Lee 2")
	require.Contains(t, tb.text(`[data-columns-unread]`), "1 column of the file is not read: Surname.")

	// Check all records, streamed.
	tb.do(chromedp.Click(chromedp.CSS(`#check-all button`)))
	tb.waitFor(`document.querySelector('[data-check-state="done"]') !== null`, 20*time.Second)
	require.Contains(t, tb.text(`[data-check-counts]`), fmt.Sprintf("%d good records, 0 bad records.", n))

	// Check again, and cancel as soon as the running panel lands: the
	// panel and its stream go.
	tb.do(chromedp.Evaluate[chromedp.Void](`document.body.addEventListener("htmx:afterSettle", () => {
		const cancel = document.querySelector('[data-check-state="running"] button');
		if (cancel) cancel.click();
	})`))
	tb.do(chromedp.Click(chromedp.CSS(`#check-all button`)))
	tb.waitFor(`document.querySelector('[data-check-state="cancelled"]') !== null`, 10*time.Second)
	require.True(t, eval[bool](tb, `document.querySelector("#check-all[sse-connect]") === null`))

	// Confirm the suggestion.
	tb.do(chromedp.Click(chromedp.CSS(`#columns button[type=submit]`)))
	tb.waitFor(`document.querySelector('[data-field="last_name"] [data-match="chosen"]') !== null`, 10*time.Second)
	require.False(t, eval[bool](tb, `document.querySelector('[data-columns-unread]') !== null`), "every column is read now")
	require.Equal(t, "Lee 0", tb.text(`#preview tr[data-record="1"] td[data-column="last_name"]`))

	tb.do(chromedp.Click(chromedp.CSS(`button[name=action][value=run]`)))
	tb.waitFor(fmt.Sprintf(`location.pathname === "/batches/%s" && document.querySelector("[data-status]") !== null`, id), 10*time.Second)
	tb.waitFor(`document.querySelector("#batch-progress-`+id.String()+` [data-status]").dataset.status === "FINISHED"`, 60*time.Second)
	require.Equal(t, fmt.Sprint(n), tb.text(`[data-count="Inserted"]`))
	tb.waitFor(`document.querySelector("#report-columns") !== null`, 10*time.Second)
	require.Equal(t, "Surname", tb.text(`#report-columns [data-field="last_name"] td:last-child`))
	require.Equal(t, "External ID", tb.text(`#report-columns [data-field="external_id"] td:last-child`))

	var withLastName int
	require.NoError(t, h.Pool.QueryRow(context.Background(),
		"SELECT count(*) FROM records WHERE batch_id = $1 AND data->>'last_name' LIKE 'Lee %' AND data->>'email' LIKE 'ann%'", id).Scan(&withLastName))
	require.Equal(t, n, withLastName)
}
