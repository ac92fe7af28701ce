package app_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/models"
)

// uiBundle is a server with a signed-in starter account.
type uiBundle struct {
	h    *apptest.Harness
	acct apptest.Account
	b    *apptest.Browser
}

func setupUI(t *testing.T, opts ...apptest.Option) *uiBundle {
	t.Helper()
	h := apptest.New(t, opts...)
	acct := h.CreateAccount(t, "ui@example.com", true)
	b := h.SignIn(t, acct)
	b.Get("/")
	return &uiBundle{h: h, acct: acct, b: b}
}

func (u *uiBundle) interfaceID(t *testing.T, name string) string {
	t.Helper()
	ins, err := models.ListInterfaces(context.Background(), u.h.DB, u.acct.ID, false)
	require.NoError(t, err)
	for _, in := range ins {
		if in.Name == name {
			return in.ID.String()
		}
	}
	t.Fatalf("no interface %q", name)
	return ""
}

var wizardLocation = regexp.MustCompile(`^/batches/([0-9a-f-]{36})/wizard/format$`)

// newDraft goes through step 1 and returns the new batch's ID.
func (u *uiBundle) newDraft(t *testing.T, name string) uuid.UUID {
	t.Helper()
	res := u.b.PostForm("/batches/new", url.Values{"name": {name}, "description": {"from a test"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	m := wizardLocation.FindStringSubmatch(res.Header.Get("Location"))
	require.NotNil(t, m, res.Header.Get("Location"))
	return uuid.MustParse(m[1])
}

const twoContacts = `[{"external_id":"A-1","first_name":"Ada","age":36},{"external_id":"A-2","first_name":"Bob","age":"old"}]`

// completeDraft goes through every step with a pasted JSON payload.
func (u *uiBundle) completeDraft(t *testing.T, name string) uuid.UUID {
	t.Helper()
	id := u.newDraft(t, name)
	base := "/batches/" + id.String() + "/wizard/"
	steps := []struct {
		step string
		form url.Values
		next string
	}{
		{"format", url.Values{"format": {"json"}}, "interface"},
		{"interface", url.Values{"interface_id": {u.interfaceID(t, "Contacts JSON")}}, "upload"},
		{"upload", url.Values{"mode": {"paste"}, "payload": {twoContacts}}, "names"},
		{"names", url.Values{"input_name": {"contacts.json"}, "output_name": {""}}, "overview"},
	}
	for _, s := range steps {
		res := u.b.PostForm(base+s.step, s.form)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, "step %s: %s", s.step, res.Body)
		require.Equal(t, base+s.next, res.Header.Get("Location"))
	}
	return id
}

func TestWizardSavesEveryStepAndRuns(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.completeDraft(t, "Spring contacts")
	ctx := context.Background()
	b, err := models.BatchByID(ctx, u.h.DB, u.acct.ID, id)
	require.NoError(t, err)
	require.Equal(t, models.StatusDraft, b.Status)
	require.Equal(t, models.FormatJSON, b.Format)
	require.NotNil(t, b.FlowID, "the flow comes from the interface")
	require.Equal(t, "contacts.json", b.InputName)

	// Reload of any step shows the saved values.
	page := u.b.Get("/batches/" + id.String() + "/wizard/information")
	require.Equal(t, http.StatusOK, page.StatusCode)
	require.Contains(t, page.Body, `value="Spring contacts"`)
	require.Contains(t, page.Body, `aria-current="step"`)
	page = u.b.Get("/batches/" + id.String() + "/wizard/names")
	require.Contains(t, page.Body, `value="contacts.json"`)

	ov := u.b.Get("/batches/" + id.String() + "/wizard/overview")
	require.Equal(t, http.StatusOK, ov.StatusCode)
	require.Contains(t, ov.Body, `data-summary="Records">2<`)
	require.Contains(t, ov.Body, `&#34;external_id&#34;:&#34;A-1&#34;`)
	require.Contains(t, ov.Body, `data-mapping-error`)
	require.Contains(t, ov.Body, "age")
	require.Contains(t, ov.Body, "Test in designer (first 20 records)")

	res := u.b.PostForm("/batches/"+id.String()+"/wizard/overview", url.Values{"action": {"run"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	require.Equal(t, "/batches/"+id.String(), res.Header.Get("Location"))
	b, err = models.BatchByID(ctx, u.h.DB, u.acct.ID, id)
	require.NoError(t, err)
	require.Equal(t, models.StatusReady, b.Status)

	// A READY batch is shown read-only and cannot be changed.
	view := u.b.Get("/batches/" + id.String() + "/wizard/information")
	require.Contains(t, view.Body, "can no longer be changed")
	require.Contains(t, view.Body, "<fieldset disabled")
	res = u.b.PostForm("/batches/"+id.String()+"/wizard/information", url.Values{"name": {"Changed"}})
	require.Equal(t, http.StatusConflict, res.StatusCode)
	require.Contains(t, res.Body, "Only DRAFT batches can be edited.")
}

func TestWizardDesignerRunsFlagTheBatch(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.completeDraft(t, "Try it")
	res := u.b.PostForm("/batches/"+id.String()+"/wizard/overview", url.Values{"action": {"designer"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	b, err := models.BatchByID(context.Background(), u.h.DB, u.acct.ID, id)
	require.NoError(t, err)
	require.True(t, b.Designer)
	require.Equal(t, models.StatusReady, b.Status)
}

func TestWizardShowsMessagesNextToFields(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)

	res := u.b.PostForm("/batches/new", url.Values{"name": {"  "}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, `id="batch-name-error"`)
	require.Contains(t, res.Body, "Enter a name for the batch.")

	id := u.newDraft(t, "Checks")
	base := "/batches/" + id.String() + "/wizard/"
	res = u.b.PostForm(base+"format", url.Values{"format": {"yaml"}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, "Choose JSON, XML or CSV.")

	res = u.b.PostForm(base+"interface", url.Values{"interface_id": {u.interfaceID(t, "Contacts CSV")}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, "This interface reads CSV, not JSON.")

	res = u.b.PostForm(base+"upload", url.Values{"mode": {"paste"}, "payload": {"[\n  {\"a\": 1},\n  {\"a\": 2\n"}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, `id="batch-payload-error"`)
	require.Regexp(t, `Invalid JSON at byte \d+ \(line \d+\)`, res.Body)
	require.Contains(t, res.Body, "{&#34;a&#34;: 2", "the pasted text is kept")

	res = u.b.PostForm(base+"names", url.Values{"input_name": {"../etc/passwd"}, "output_name": {"out\x01.json"}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, "Names cannot contain / or \\.")
	require.Contains(t, res.Body, "Names cannot contain control characters")

	res = u.b.PostForm(base+"names", url.Values{"input_name": {""}, "output_name": {"process.log"}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, "process.log is the name of the batch&#39;s process log; choose another.")

	// htmx posts get the same form back with 200, swapped into #wizard.
	htmx := u.b.HTMX(http.MethodPost, base+"names", url.Values{"input_name": {".."}})
	require.Equal(t, http.StatusOK, htmx.StatusCode)
	require.NotContains(t, htmx.Body, "<html")
	require.Contains(t, htmx.Body, `id="batch-input-name-error"`)
}

func TestWizardHTMXStepsPushTheirURL(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.newDraft(t, "Pushed")
	base := "/batches/" + id.String() + "/wizard/"
	res := u.b.HTMX(http.MethodPost, base+"format", url.Values{"format": {"csv"}})
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.Equal(t, base+"interface", res.Header.Get("HX-Push-Url"))
	require.Contains(t, res.Body, "Contacts CSV")
	require.NotContains(t, res.Body, "Contacts JSON", "only interfaces of the chosen format")

	frag := u.b.HTMX(http.MethodGet, base+"format", nil)
	require.NotContains(t, frag.Body, "<html")
	require.Regexp(t, `value="csv" checked`, frag.Body)
}

func TestWizardUploadStreamsAFileAndPicksFromFileManager(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.newDraft(t, "Uploaded")

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "contacts.json")
	require.NoError(t, err)
	_, _ = fw.Write([]byte(twoContacts))
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, u.h.URL+"/batches/"+id.String()+"/input", &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-CSRF-Token", u.b.CSRF)
	req.Header.Set("HX-Request", "true")
	res := u.b.Do(req)
	require.Equal(t, http.StatusNoContent, res.StatusCode, res.Body)
	require.Equal(t, "/batches/"+id.String()+"/wizard/names", res.Header.Get("HX-Redirect"))

	page := u.b.Get("/batches/" + id.String() + "/wizard/upload")
	require.Contains(t, page.Body, "Current input: <strong>input.json</strong>")
	require.Contains(t, page.Body, "samples/contacts.json", "the file manager's JSON files are offered")
	require.NotContains(t, page.Body, "samples/contacts.csv")

	m := regexp.MustCompile(`<option value="([0-9a-f-]{36})">samples/contacts.json`).FindStringSubmatch(page.Body)
	require.NotNil(t, m)
	res = u.b.PostForm("/batches/"+id.String()+"/wizard/upload", url.Values{"mode": {"file"}, "file_id": {m[1]}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	files, err := models.BatchFiles(context.Background(), u.h.DB, u.acct.ID, id)
	require.NoError(t, err)
	require.Len(t, files, 1)
	require.Greater(t, files[0].Size, int64(len(twoContacts)), "the sample replaced the upload")

	// Without the CSRF header the upload is refused.
	req, err = http.NewRequest(http.MethodPost, u.h.URL+"/batches/"+id.String()+"/input", strings.NewReader("x"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	require.Equal(t, http.StatusForbidden, u.b.Do(req).StatusCode)
}

// noWorkers keeps batches READY: nothing processes them.
func noWorkers(c *config.Config) { c.Workers = 0 }

func TestWizardReadsCSVAndXMLWithTheInterfaceOptions(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	for _, tc := range []struct {
		format, iface, good, bad, badMsg string
	}{
		{"csv", "Contacts CSV", "external_id,first_name,age\nC-1,Ada,36\nC-2,Bob,41\n", "external_id,first_name\n\"C-1,Ada\n", "Invalid CSV at byte"},
		{"xml", "Contacts XML", "<contacts><contact><external_id>X-1</external_id><age>3</age></contact><contact><external_id>X-2</external_id></contact></contacts>", "<contacts><contact><external_id>X-1</contact>", "Invalid XML at byte"},
	} {
		id := u.newDraft(t, "Format "+tc.format)
		base := "/batches/" + id.String() + "/wizard/"
		require.Equal(t, http.StatusSeeOther, u.b.PostForm(base+"format", url.Values{"format": {tc.format}}).StatusCode)
		require.Equal(t, http.StatusSeeOther, u.b.PostForm(base+"interface", url.Values{"interface_id": {u.interfaceID(t, tc.iface)}}).StatusCode)
		res := u.b.PostForm(base+"upload", url.Values{"mode": {"paste"}, "payload": {tc.bad}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, tc.format)
		require.Contains(t, res.Body, tc.badMsg)
		require.Equal(t, http.StatusSeeOther, u.b.PostForm(base+"upload", url.Values{"mode": {"paste"}, "payload": {tc.good}}).StatusCode)
		ov := u.b.Get(base + "overview")
		require.Contains(t, ov.Body, `data-summary="Records">2<`, tc.format)
		require.Contains(t, ov.Body, `data-summary="Input file">input.`+tc.format, tc.format)
	}
}
