package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

// TestFilePreviewOfHostileLogIsBounded is the page a 62 KB log used to turn
// into 145 MB of HTML: every line brings new keys, and the table had a cell
// for every key of every line.
func TestFilePreviewOfHostileLogIsBounded(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, noWorkers)
	a := h.CreateAccount(t, "wide@example.com", false)
	var log strings.Builder
	for i := 0; log.Len() < 62<<10; i++ {
		fmt.Fprintf(&log, "{\"a%d\":1,\"b%d\":2,\"c%d\":3,\"d%d\":4}\n", i, i, i, i)
	}
	f := putFile(t, h, a, "", "wide.log", "application/x-ndjson", log.String())
	page := h.SignIn(t, a).Get("/files/" + f.ID.String())
	require.Equal(t, http.StatusOK, page.StatusCode)
	require.Less(t, len(page.Body), 2<<20)
	require.Contains(t, page.Body, "Preview shortened")
}
