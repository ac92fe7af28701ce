package app_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/models"
)

func TestRunNamesAKeyFieldTheInterfaceDoesNotMap(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.completeDraft(t, "Keyed elsewhere")
	require.NoError(t, u.h.DB.Exec("UPDATE flows SET key_field = 'customer_no' WHERE account_id = ?", u.acct.ID).Error)

	ov := u.b.Get("/batches/" + id.String() + "/wizard/overview")
	require.Equal(t, http.StatusOK, ov.StatusCode)
	require.Contains(t, ov.Body, `a field named &#34;customer_no&#34; in the interface`)
	require.Contains(t, ov.Body, `value="run" class="btn-primary" disabled`)

	res := u.b.HTMX(http.MethodPost, "/batches/"+id.String()+"/run", nil)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
	require.Contains(t, res.Body, "the flow&#39;s key field")
	b, err := models.BatchByID(t.Context(), u.h.DB, u.acct.ID, id)
	require.NoError(t, err)
	require.Equal(t, models.StatusDraft, b.Status)
}
