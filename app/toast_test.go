package app_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/models"
)

// toastOf sends an action as the overview's menu does and returns its status
// and the toast its HX-Trigger header asks for (zero when none).
func (u *uiBundle) toastOf(t *testing.T, method, path string, id uuid.UUID) (int, struct{ Message, Kind string }) {
	t.Helper()
	req, err := http.NewRequest(method, u.h.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", rowTarget(id))
	req.Header.Set("X-CSRF-Token", u.b.CSRF)
	res := u.b.Do(req)
	var trigger struct {
		Toast struct{ Message, Kind string }
	}
	if h := res.Header.Get("HX-Trigger"); h != "" {
		require.NoError(t, json.Unmarshal([]byte(h), &trigger), h)
	}
	return res.StatusCode, trigger.Toast
}

func TestBatchActionsAnswerWithAToast(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)

	id := u.completeDraft(t, "Toasted")
	code, tst := u.toastOf(t, http.MethodPost, "/batches/"+id.String()+"/run", id)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "success", tst.Kind)
	require.Equal(t, "Batch queued to run.", tst.Message)

	code, tst = u.toastOf(t, http.MethodPost, "/batches/"+id.String()+"/run", id)
	require.Equal(t, http.StatusConflict, code)
	require.Empty(t, tst.Message, "a refused action explains itself in place, not in a toast")

	u.setStatus(t, id, models.StatusProcessing)
	code, tst = u.toastOf(t, http.MethodPost, "/batches/"+id.String()+"/cancel", id)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "info", tst.Kind)
	require.Contains(t, tst.Message, "cancelled")

	code, tst = u.toastOf(t, http.MethodPost, "/batches/"+id.String()+"/clone", id)
	require.Equal(t, http.StatusNoContent, code)
	require.Contains(t, tst.Message, "Copy created")

	u.setStatus(t, id, models.StatusFinished)
	code, tst = u.toastOf(t, http.MethodDelete, "/batches/"+id.String(), id)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "Batch deleted, with its files.", tst.Message)
}
