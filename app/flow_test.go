package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

func TestFlowPagesCreateEditArchive(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "flows@example.com", false)
	b := h.SignIn(t, a)
	ctx := context.Background()

	list := b.Get("/flows")
	require.Equal(t, http.StatusOK, list.StatusCode)
	require.Contains(t, list.Body, "No flows yet")

	require.Equal(t, http.StatusOK, b.Get("/flows/new").StatusCode)
	res := b.PostForm("/flows", url.Values{"name": {"  Orders "}, "description": {"Shop orders"}, "key_field": {"order_id"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	flows, err := models.ListFlows(ctx, h.DB, a.ID, false)
	require.NoError(t, err)
	require.Len(t, flows, 1)
	f := flows[0]
	require.Equal(t, "Orders", f.Name)
	require.Equal(t, "order_id", f.KeyField)
	require.Equal(t, "/flows/"+f.ID.String()+"/records", res.Header.Get("Location"))

	list = b.Get("/flows")
	require.Contains(t, list.Body, `id="flow-row-`+f.ID.String()+`"`)
	require.Contains(t, list.Body, "order_id")

	edit := b.Get("/flows/" + f.ID.String() + "/edit")
	require.Equal(t, http.StatusOK, edit.StatusCode)
	require.Contains(t, edit.Body, `value="Orders"`)
	res = b.HTMX(http.MethodPost, "/flows/"+f.ID.String(), url.Values{"name": {"Orders 2024"}, "description": {""}, "key_field": {"order_no"}})
	require.Equal(t, http.StatusNoContent, res.StatusCode, res.Body)
	require.Equal(t, "/flows", res.Header.Get("HX-Redirect"))
	got, err := models.FlowByID(ctx, h.DB, a.ID, f.ID)
	require.NoError(t, err)
	require.Equal(t, "Orders 2024", got.Name)
	require.Equal(t, "order_no", got.KeyField)

	res = b.HTMX(http.MethodPost, "/flows/"+f.ID.String()+"/archive", nil)
	require.Equal(t, http.StatusNoContent, res.StatusCode, res.Body)
	got, err = models.FlowByID(ctx, h.DB, a.ID, f.ID)
	require.NoError(t, err)
	require.NotNil(t, got.ArchivedAt)
	require.NotContains(t, b.Get("/flows").Body, "Orders 2024")
	require.Contains(t, b.Get("/flows?archived=1").Body, "Orders 2024")

	// The name of an archived flow is free again.
	res = b.PostForm("/flows", url.Values{"name": {"orders 2024"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	// The archived flow can still be edited under its name.
	res = b.PostForm("/flows/"+f.ID.String(), url.Values{"name": {"Orders 2024"}, "description": {"kept for history"}, "key_field": {"order_no"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
}

func TestFlowFormValidation(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "flowrules@example.com", true) // starter flow "Contacts"
	b := h.SignIn(t, a)
	b.Get("/flows/new")

	cases := []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"empty name", url.Values{"name": {"  "}}, "name", "Enter a name."},
		{"long name", url.Values{"name": {strings.Repeat("n", 121)}}, "name", "Use at most 120 characters."},
		{"control characters", url.Values{"name": {"a\tb"}}, "name", "Remove control characters"},
		{"taken name, any case", url.Values{"name": {"CONTACTS"}}, "name", "Another flow of your account already has this name."},
		{"long description", url.Values{"name": {"x"}, "description": {strings.Repeat("d", 2001)}}, "description", "Use at most 2000 characters."},
		{"key field not an identifier", url.Values{"name": {"x"}, "key_field": {"external id"}}, "key_field", "Use letters, digits and _"},
	}
	for _, tc := range cases {
		plain := b.PostForm("/flows", tc.form)
		require.Equal(t, http.StatusUnprocessableEntity, plain.StatusCode, tc.name)
		require.Contains(t, plain.Body, `id="`+tc.field+`-error"`, tc.name)
		require.Contains(t, plain.Body, tc.msg, tc.name)
		require.Contains(t, plain.Body, "<html", "a plain post gets the whole page")

		swap := b.HTMX(http.MethodPost, "/flows", tc.form)
		require.Equal(t, http.StatusOK, swap.StatusCode, tc.name)
		require.Contains(t, swap.Body, tc.msg, tc.name)
		require.NotContains(t, swap.Body, "<html", "htmx gets the form alone")
	}
	flows, err := models.ListFlows(context.Background(), h.DB, a.ID, true)
	require.NoError(t, err)
	require.Len(t, flows, 1, "nothing invalid was saved")
}

func TestFlowKeyFieldIsFixedOnceRecordsExist(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "keyfix@example.com", false)
	ctx := context.Background()
	f := &models.Flow{AccountID: a.ID, Name: "People", KeyField: "email"}
	require.NoError(t, models.SaveFlow(ctx, h.DB, f))

	// Without records the key field may change.
	f.KeyField = "external_id"
	require.NoError(t, models.SaveFlow(ctx, h.DB, f))

	insertRecords(t, h, a.ID, f.ID, nil, 1)
	f.KeyField = "email"
	var invalid *models.ValidationError
	require.ErrorAs(t, models.SaveFlow(ctx, h.DB, f), &invalid)
	require.Contains(t, invalid.Fields["key_field"], "already holds records")
	f.KeyField, f.Description = "external_id", "other settings still change"
	require.NoError(t, models.SaveFlow(ctx, h.DB, f))
}

func TestArchiveRefusedWhileOpenBatchesUseIt(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "busy@example.com", true)
	key := h.APIKey(t, a)
	b := h.SignIn(t, a)
	ctx := context.Background()
	flows, err := models.ListFlows(ctx, h.DB, a.ID, false)
	require.NoError(t, err)
	flow := flows[0]
	ifaces, err := models.ListInterfaces(ctx, h.DB, a.ID, false)
	require.NoError(t, err)
	iface := ifaces[0]

	var batches []*models.Batch
	for _, st := range []models.Status{models.StatusDraft, models.StatusReady, models.StatusProcessing, models.StatusFinished} {
		bt := &models.Batch{AccountID: a.ID, Name: "batch " + string(st), Format: models.FormatJSON, Source: models.SourceUI,
			InterfaceID: &iface.ID, FlowID: &flow.ID, Status: st}
		require.NoError(t, models.CreateBatch(ctx, h.DB, bt))
		batches = append(batches, bt)
	}

	b.Get("/flows")
	res := b.HTMX(http.MethodPost, "/flows/"+flow.ID.String()+"/archive", nil)
	require.Equal(t, http.StatusConflict, res.StatusCode)
	require.Contains(t, res.Body, "3 batches in DRAFT, READY or PROCESSING use this flow.")
	api := h.API(t, key, http.MethodDelete, "/api/v1/interfaces/"+iface.ID.String(), nil, nil)
	require.Equal(t, http.StatusConflict, api.StatusCode)
	require.Contains(t, api.Body, "3 batches in DRAFT, READY or PROCESSING use this interface.")

	for _, bt := range batches[:2] {
		require.NoError(t, h.DB.Model(bt).Update("status", models.StatusFinished).Error)
	}
	api = h.API(t, key, http.MethodDelete, "/api/v1/flows/"+flow.ID.String(), nil, nil)
	require.Equal(t, http.StatusConflict, api.StatusCode)
	require.Contains(t, api.Body, "1 batch in DRAFT, READY or PROCESSING uses this flow.")

	require.NoError(t, h.DB.Model(batches[2]).Update("status", models.StatusError).Error)
	res = b.HTMX(http.MethodPost, "/flows/"+flow.ID.String()+"/archive", nil)
	require.Equal(t, http.StatusNoContent, res.StatusCode, res.Body)
	api = h.API(t, key, http.MethodDelete, "/api/v1/interfaces/"+iface.ID.String(), nil, nil)
	require.Equal(t, http.StatusOK, api.StatusCode, api.Body)
	require.Contains(t, api.Body, `"archived_at":"`)

	// Gone from pickers, kept by old batches.
	live, err := models.ListFlows(ctx, h.DB, a.ID, false)
	require.NoError(t, err)
	require.Empty(t, live)
	form := b.Get("/interfaces/new")
	require.NotContains(t, form.Body, `value="`+flow.ID.String()+`"`)
	old, err := models.BatchByID(ctx, h.DB, a.ID, batches[0].ID)
	require.NoError(t, err)
	name, err := models.FlowByID(ctx, h.DB, a.ID, *old.FlowID)
	require.NoError(t, err)
	require.Equal(t, "Contacts", name.Name)
}

// insertRecords writes n records into a flow, as the ingest engine does, and returns their IDs, newest last.
func insertRecords(t testing.TB, h *apptest.Harness, accountID, flowID uuid.UUID, batchID *uuid.UUID, n int) []uuid.UUID {
	t.Helper()
	ids := make([]uuid.UUID, 0, n)
	for i := 0; i < n; i++ {
		id, err := uuid.NewV7()
		require.NoError(t, err)
		key := "k-" + id.String()
		err = h.DB.Exec(`INSERT INTO records (id, account_id, flow_id, batch_id, batch_index, key, data) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, accountID, flowID, batchID, i, key, `{"email":"p`+strings.Repeat("x", i%3)+`@example.com","n":`+strconv.Itoa(i)+`}`).Error
		require.NoError(t, err)
		ids = append(ids, id)
	}
	return ids
}
