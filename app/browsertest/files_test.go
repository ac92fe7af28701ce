package browsertest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

func TestFileManagerUploadsWithTheScript(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "files@example.com", false)
	tb := newTab(t, h)
	tb.signIn(a)

	dir := t.TempDir()
	people, notes := filepath.Join(dir, "people.csv"), filepath.Join(dir, "notes.json")
	require.NoError(t, os.WriteFile(people, []byte("id,name\n1,Ann\n"), 0o644))
	require.NoError(t, os.WriteFile(notes, []byte(`[{"a": 1}]`), 0o644))

	tb.open("/files")
	tb.do(chromedp.Evaluate[chromedp.Void](`window.sameDocument = true`))
	tb.do(
		chromedp.SetUploadFiles(chromedp.ID("upload-input"), []string{people, notes}),
		chromedp.Click(chromedp.CSS(`#upload-form button[type=submit]`)),
	)
	// Success reloads the folder (HX-Redirect followed by the script) with both files listed.
	tb.waitFor(`window.sameDocument === undefined && document.readyState === "complete" &&
		document.querySelector("main").innerText.includes("people.csv") &&
		document.querySelector("main").innerText.includes("notes.json")`, 15*time.Second)

	// Sending a name that is taken shows the server's message in place, without leaving the page.
	tb.do(chromedp.Evaluate[chromedp.Void](`window.sameDocument = true`))
	tb.do(
		chromedp.SetUploadFiles(chromedp.ID("upload-input"), []string{people}),
		chromedp.Click(chromedp.CSS(`#upload-form button[type=submit]`)),
	)
	tb.waitFor(`document.getElementById("upload-status").innerText.includes("already exists")`, 15*time.Second)
	require.Contains(t, tb.text("#upload-status"), `"people.csv"`)
	require.True(t, eval[bool](tb, `window.sameDocument === true`), "the page was left")
	require.False(t, eval[bool](tb, `document.querySelector("#upload-form button[type=submit]").disabled`), "the button is usable again")

	// A file dropped on the zone is sent the same way.
	tb.do(chromedp.Evaluate[chromedp.Void](`(() => {
		const dt = new DataTransfer();
		dt.items.add(new File(["x,y\n1,2\n"], "dropped.csv", {type: "text/csv"}));
		document.getElementById("upload-form").dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: dt}));
	})()`))
	tb.waitFor(`window.sameDocument === undefined && document.readyState === "complete" &&
		document.querySelector("main").innerText.includes("dropped.csv")`, 15*time.Second)
}
