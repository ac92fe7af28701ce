package app_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/models"
)

// csvDraft makes a CSV draft through the Contacts CSV interface with
// payload uploaded as a file (uploads are not parsed on the way in).
func (u *uiBundle) csvDraft(t *testing.T, name, payload string) uuid.UUID {
	t.Helper()
	id := u.newDraft(t, name)
	base := "/batches/" + id.String() + "/wizard/"
	require.Equal(t, http.StatusSeeOther, u.b.PostForm(base+"format", url.Values{"format": {"csv"}}).StatusCode)
	require.Equal(t, http.StatusSeeOther, u.b.PostForm(base+"interface", url.Values{"interface_id": {u.interfaceID(t, "Contacts CSV")}}).StatusCode)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "people.csv")
	require.NoError(t, err)
	_, _ = fw.Write([]byte(payload))
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, u.h.URL+"/batches/"+id.String()+"/input", &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-CSRF-Token", u.b.CSRF)
	res := u.b.Do(req)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	return id
}

func TestWizardColumnPanelProposesAndSavesTheMap(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	// Surname is only a suggestion for last_name; the Id column has no
	// sure match, so required external_id has no column.
	id := u.csvDraft(t, "Human headers", "Id,First Name,Surname,E-mail,Notes\nc-1,Ann,Lee,ann@example.com,vip\nc-2,Bob,Ray,bob@example.com,\n")
	overview := "/batches/" + id.String() + "/wizard/overview"
	ov := u.b.Get(overview)
	require.Equal(t, http.StatusOK, ov.StatusCode)
	require.Contains(t, ov.Body, `<tr data-field="first_name">`)
	require.Regexp(t, `name="col.first_name"[^>]*>\s*<option value="">— none —</option>\s*<option value="Id">Id</option><option value="First Name" selected>`, ov.Body)
	require.Contains(t, ov.Body, `data-match="normalised">Matched<`)
	require.Contains(t, ov.Body, `data-match="suggested">Suggested: save to use<`)
	require.Contains(t, ov.Body, "Ann · Bob", "sample values of the chosen column")
	require.Contains(t, ov.Body, "Suggested columns for last_name are not used until you save the columns.")
	require.Contains(t, ov.Body, "3 columns of the file are not read: Id, Surname, Notes.")
	require.Contains(t, ov.Body, "Required field external_id has no column.")
	require.Regexp(t, `<button type="submit" name="action" value="run" class="btn-primary" disabled>`, ov.Body)

	// Run is refused on the server too, with the same sentence.
	res := u.b.HTMX(http.MethodPost, overview, url.Values{"action": {"run"}})
	require.Contains(t, res.Body, "Required field external_id has no column. Choose its column before running.")
	require.Equal(t, models.StatusDraft, u.batch(t, id).Status)

	// An unknown column is refused with a sentence; nothing is saved.
	res = u.b.HTMX(http.MethodPost, "/batches/"+id.String()+"/mapping", url.Values{"col.external_id": {"Nope"}})
	require.Contains(t, res.Body, `The columns were not saved. external_id: The input has no column &#34;Nope&#34;.`)
	require.Nil(t, u.batch(t, id).ColumnMap)

	form := url.Values{"col.external_id": {"Id"}, "col.first_name": {"First Name"}, "col.last_name": {"Surname"},
		"col.email": {"E-mail"}, "col.age": {""}, "col.active": {""}, "col.birthday": {""}}
	res = u.b.PostForm("/batches/"+id.String()+"/mapping", form)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	require.Equal(t, overview, res.Header.Get("Location"))
	require.Equal(t, models.ColumnMap{"external_id": "Id", "first_name": "First Name", "last_name": "Surname", "email": "E-mail",
		"age": "", "active": "", "birthday": ""}, u.batch(t, id).ColumnMap)
	ov = u.b.Get(overview)
	require.Contains(t, ov.Body, "1 column of the file is not read: Notes.")
	require.NotContains(t, ov.Body, "has no column")
	preview := tableByID(t, ov.Body, "preview")
	require.Equal(t, []string{"#", "Line", "external_id", "first_name", "last_name", "email"}, preview.Head, "the preview maps through the batch's map")
	require.Equal(t, "Lee", text(preview.cell(t, 0, "last_name")))
	require.Contains(t, ov.Body, `id="check-all"`)

	res = u.b.PostForm(overview, url.Values{"action": {"run"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	report := u.b.Get("/batches/" + id.String())
	require.Contains(t, report.Body, `id="report-columns"`)
	require.Regexp(t, `<td class="td">last_name</td><td class="td">Surname</td>`, report.Body)
}

func TestWizardColumnsCanBecomeTheInterfaceSources(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.csvDraft(t, "To interface", "External ID,First Name,Surname,E-mail,age,active,birthday\nc-1,Ann,Lee,a@x,3,true,2000-01-01\n")
	form := url.Values{"to_interface": {"1"}, "col.external_id": {"External ID"}, "col.first_name": {"First Name"},
		"col.last_name": {"Surname"}, "col.email": {"E-mail"}, "col.age": {""}, "col.active": {"active"}, "col.birthday": {"birthday"}}
	res := u.b.HTMX(http.MethodPost, "/batches/"+id.String()+"/mapping", form)
	require.Contains(t, res.Body, "The columns were not saved. age: Enter where the value comes from.", "the interface form's rules apply")

	form.Set("col.age", "age")
	res = u.b.HTMX(http.MethodPost, "/batches/"+id.String()+"/mapping", form)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.Nil(t, u.batch(t, id).ColumnMap, "the interface carries the map now")
	in, err := models.InterfaceByID(context.Background(), u.h.DB, u.acct.ID, uuid.MustParse(u.interfaceID(t, "Contacts CSV")))
	require.NoError(t, err)
	sources := map[string]string{}
	for _, f := range in.Fields {
		sources[f.Name] = f.Source
	}
	require.Equal(t, "External ID", sources["external_id"])
	require.Equal(t, "Surname", sources["last_name"])
	require.Contains(t, res.Body, `data-match="exact">Exact match<`)
}

func TestWizardDoesNotOfferRunForAnUnreadableInput(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	var b strings.Builder
	b.WriteString("external_id,first_name\n")
	for i := range 300 {
		fmt.Fprintf(&b, "c-%d,Name %d\n", i, i)
	}
	b.WriteString("c-x,\"broken\n")
	id := u.csvDraft(t, "Broken", b.String())
	overview := "/batches/" + id.String() + "/wizard/overview"
	ov := u.b.Get(overview)
	require.Contains(t, ov.Body, "The input cannot be read: invalid CSV at byte")
	require.Regexp(t, `value="run" class="btn-primary" disabled>`, ov.Body)
	require.NotContains(t, ov.Body, `id="check-all"`)
	res := u.b.PostForm(overview, url.Values{"action": {"run"}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, "Run is not possible until the input is fixed.")
	require.Equal(t, models.StatusDraft, u.batch(t, id).Status)

	// The menu's and the report's Run refuse it too.
	res = u.b.HTMX(http.MethodPost, "/batches/"+id.String()+"/run", nil)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, "Run is not possible until the input is fixed.")
	require.Equal(t, models.StatusDraft, u.batch(t, id).Status)
}

func TestCheckAllRecordsStreamsCountsAndGroupedErrors(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	var b strings.Builder
	b.WriteString("external_id,first_name,age\n")
	for i := range 3000 {
		switch {
		case i%30 == 0:
			fmt.Fprintf(&b, "c-%d,Ann,old\n", i)
		case i == 7:
			b.WriteString(",Nobody,3\n")
		default:
			fmt.Fprintf(&b, "c-%d,Ann,%d\n", i, i%90)
		}
	}
	id := u.csvDraft(t, "Check me", b.String())
	panel := u.b.HTMX(http.MethodGet, "/batches/"+id.String()+"/check", nil)
	require.Contains(t, panel.Body, `sse-connect="/events/batches/`+id.String()+`/check"`)
	require.Contains(t, panel.Body, `sse-close="done"`)

	stream := u.b.Get("/events/batches/" + id.String() + "/check")
	require.Equal(t, "text/event-stream", stream.Header.Get("Content-Type"))
	require.Contains(t, stream.Body, "event: progress")
	done := stream.Body[strings.Index(stream.Body, "event: done"):]
	require.Contains(t, done, "<strong>2,899</strong> good records, <strong>101</strong> bad records.")
	require.Contains(t, done, "<li>100 × age: expected an integer</li>")
	require.Contains(t, done, "<li>1 × external_id: required field missing</li>")

	cancelled := u.b.HTMX(http.MethodGet, "/batches/"+id.String()+"/check?cancel=1", nil)
	require.Contains(t, cancelled.Body, "Check cancelled.")
	require.NotContains(t, cancelled.Body, "sse-connect")
}

func (u *uiBundle) batch(t *testing.T, id uuid.UUID) *models.Batch {
	t.Helper()
	b, err := models.BatchByID(context.Background(), u.h.DB, u.acct.ID, id)
	require.NoError(t, err)
	return b
}
