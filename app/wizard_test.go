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
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

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
	return u.completeDraftWith(t, name, twoContacts)
}

// completeDraftWith goes through every step, pasting payload as JSON.
func (u *uiBundle) completeDraftWith(t *testing.T, name, payload string) uuid.UUID {
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
		{"upload", url.Values{"mode": {"paste"}, "payload": {payload}}, "names"},
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
	require.Equal(t, "A-1", text(tableByID(t, ov.Body, "preview").cell(t, 0, "external_id")))
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
	require.Contains(t, res.Body, "Choose JSON, XML, CSV or XLSX.")

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

// wizardTo makes a draft of format through the interface named iface, up to the upload step.
func (u *uiBundle) wizardTo(t *testing.T, format, iface string) (uuid.UUID, string) {
	t.Helper()
	id := u.newDraft(t, "Read "+format)
	base := "/batches/" + id.String() + "/wizard/"
	require.Equal(t, http.StatusSeeOther, u.b.PostForm(base+"format", url.Values{"format": {format}}).StatusCode)
	require.Equal(t, http.StatusSeeOther, u.b.PostForm(base+"interface", url.Values{"interface_id": {iface}}).StatusCode)
	return id, base
}

// uploadInput posts a file to the batch's input as the wizard's drop zone does.
func (u *uiBundle) uploadInput(t *testing.T, id uuid.UUID, name string, content []byte) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	require.NoError(t, err)
	_, _ = fw.Write(content)
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, u.h.URL+"/batches/"+id.String()+"/input", &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-CSRF-Token", u.b.CSRF)
	req.Header.Set("HX-Request", "true")
	return u.b.Do(req)
}

// A JSON file is refused by a CSV batch, whichever way it comes in.
func TestWizardRefusesAnInputOfAnotherFormat(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id, base := u.wizardTo(t, "csv", u.interfaceID(t, "Contacts CSV"))
	const sentence = "The file is JSON, but the batch reads CSV: send a CSV file, or use an interface that reads JSON."

	res := u.b.PostForm(base+"upload", url.Values{"mode": {"paste"}, "payload": {twoContacts}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, htmlText(sentence))

	res = u.uploadInput(t, id, "contacts.csv", []byte(twoContacts))
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, htmlText(sentence))

	file := &models.File{AccountID: u.acct.ID, Folder: "samples", Name: "not really.csv"}
	obj, err := u.h.Store.Put(context.Background(), strings.NewReader(twoContacts), "text/csv")
	require.NoError(t, err)
	file.Size, file.SHA256, file.StorageKey = obj.Size, obj.SHA256, obj.Key
	require.NoError(t, models.CreateFile(context.Background(), u.h.DB, file))
	res = u.b.PostForm(base+"upload", url.Values{"mode": {"file"}, "file_id": {file.ID.String()}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, htmlText(sentence))

	files, err := models.BatchFiles(context.Background(), u.h.DB, u.acct.ID, id)
	require.NoError(t, err)
	require.Empty(t, files, "nothing was attached")
}

// The upload step shows what it found in a Latin-1 file with semicolons and
// lets the person change it; the overview previews the records decoded.
func TestWizardShowsAndChangesHowTheInputIsRead(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id, base := u.wizardTo(t, "csv", u.interfaceID(t, "Contacts CSV"))
	latin1 := []byte("external_id;first_name;age\nC-1;J\xfcrgen;36\nC-2;Fran\xe7oise;41\n")
	require.Equal(t, http.StatusNoContent, u.uploadInput(t, id, "people.csv", latin1).StatusCode)

	page := u.b.Get(base + "upload")
	require.Contains(t, page.Body, `data-detected="Encoding">Windows-1252 (found at the start; the whole file decides)<`)
	require.Contains(t, page.Body, `data-detected="Delimiter">; (semicolon) (found)<`)
	require.Contains(t, page.Body, `<span class="font-mono" id="read-columns">external_id, first_name, age</span>`)
	ov := u.b.Get(base + "overview")
	require.Contains(t, ov.Body, `data-summary="Encoding">Windows-1252<`)
	require.Contains(t, ov.Body, "Jürgen")
	require.Contains(t, ov.Body, "Françoise")

	// Read as commas, the file has one column: the records lose their fields.
	res := u.b.PostForm("/batches/"+id.String()+"/read-options", url.Values{"delimiter": {","}, "encoding": {"iso-8859-1"}, "header": {"yes"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	b, err := models.BatchByID(context.Background(), u.h.DB, u.acct.ID, id)
	require.NoError(t, err)
	require.Equal(t, ",", b.ReadOptions.Delimiter)
	require.Equal(t, "iso-8859-1", b.ReadOptions.Encoding)
	require.True(t, *b.ReadOptions.Header)
	page = u.b.Get(base + "upload")
	require.Contains(t, page.Body, `data-detected="Encoding">ISO-8859-1 (Latin-1)<`)
	require.Contains(t, page.Body, `<option value="," selected>`)

	bad := u.b.PostForm("/batches/"+id.String()+"/read-options", url.Values{"encoding": {"ebcdic"}})
	require.Equal(t, http.StatusUnprocessableEntity, bad.StatusCode)
	require.Contains(t, bad.Body, "Choose auto, utf-8, windows-1252, iso-8859-1 or utf-16.")
}

func TestWizardReadsAWorkbook(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	ctx := context.Background()
	iface := &models.Interface{AccountID: u.acct.ID, Name: "Contacts XLSX", Format: models.FormatXLSX, CSVHeader: true,
		Scopes: models.Scopes{models.ScopeBatch}, Fields: models.Fields{
			{Name: "external_id", Source: "external_id", Type: models.TypeString, Required: true},
			{Name: "born", Source: "born", Type: models.TypeDate},
		}}
	require.NoError(t, models.SaveInterface(ctx, u.h.DB, iface))
	f := excelize.NewFile()
	require.NoError(t, f.SetSheetRow("Sheet1", "A1", &[]any{"notes"}))
	_, err := f.NewSheet("Contacts")
	require.NoError(t, err)
	require.NoError(t, f.SetSheetRow("Contacts", "A1", &[]any{"external_id", "born"}))
	require.NoError(t, f.SetSheetRow("Contacts", "A2", &[]any{"W-1", time.Date(1990, 7, 14, 0, 0, 0, 0, time.UTC)}))
	book, err := f.WriteToBuffer()
	require.NoError(t, err)

	id, base := u.wizardTo(t, "xlsx", iface.ID.String())
	page := u.b.Get(base + "upload")
	require.Contains(t, page.Body, `accept=".xlsx"`)
	require.Contains(t, page.Body, `aria-labelledby="paste-title" hidden`, "a workbook cannot be pasted")
	require.Equal(t, http.StatusNoContent, u.uploadInput(t, id, "contacts.xlsx", book.Bytes()).StatusCode)
	page = u.b.Get(base + "upload")
	require.Contains(t, page.Body, `data-detected="Sheets">Sheet1, Contacts<`)
	require.Contains(t, page.Body, `data-detected="Sheet read">Sheet1<`)

	res := u.b.PostForm("/batches/"+id.String()+"/read-options", url.Values{"sheet": {"Contacts"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	ov := u.b.Get(base + "overview")
	require.Contains(t, ov.Body, `data-summary="Records">1<`)
	require.Contains(t, ov.Body, "1990-07-14")
	require.NotContains(t, ov.Body, `data-summary="Encoding"`)
}
