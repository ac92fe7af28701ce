package browsertest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

// TestJobsDashboardRendersForAnOperator loads River UI under the app's
// content security policy and checks that it draws its job list.
func TestJobsDashboardRendersForAnOperator(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "operator@example.com", false)
	require.NoError(t, models.SetOperator(context.Background(), h.DB, a.Email, true))
	tb := newTab(t, h)
	tb.signIn(a)

	// River UI is not an htmx page: navigate without open's htmx wait.
	tb.do(chromedp.Navigate(h.URL + "/admin/jobs"))
	tb.waitFor(`document.querySelector("#root") !== null && document.querySelector("#root").innerText.includes("Job State") &&
		document.querySelector("#root").innerText.includes("Completed")`, 20*time.Second)
	require.Equal(t, "/admin/jobs/jobs", tb.path())
}
