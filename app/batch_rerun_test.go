package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/models"
)

var regexpWizardOverview = regexp.MustCompile(`^/batches/([0-9a-f-]{36})/wizard/overview$`)

// withWorkers runs the engine in the test server.
func withWorkers(c *config.Config) { c.Workers = 1 }

// outcomeDoc is the part of the batch document about how it ended.
type outcomeDoc struct {
	ID     uuid.UUID `json:"id"`
	Status string    `json:"status"`
	Counts struct {
		Total, Processed, Inserted, Updated, Failed int64
	} `json:"counts"`
	Outcome       *string                 `json:"outcome"`
	ErrorSummary  []models.ErrorGroup     `json:"error_summary"`
	ParentBatchID *uuid.UUID              `json:"parent_batch_id"`
	Files         []struct{ Kind string } `json:"files"`
}

// waitEnded polls the batch document until the batch has ended.
func (b *batchAPIBundle) waitEnded(t *testing.T, id uuid.UUID) outcomeDoc {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		res := b.h.API(t, b.key, http.MethodGet, "/api/v1/batches/"+id.String(), nil, nil)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		var d outcomeDoc
		require.NoError(t, json.Unmarshal([]byte(res.Body), &d))
		if d.Status == "FINISHED" || d.Status == "ERROR" {
			return d
		}
		require.True(t, time.Now().Before(deadline), "batch %s still %s", id, d.Status)
		time.Sleep(50 * time.Millisecond)
	}
}

// rerunCase is a payload of five contacts of which fail on
// their age, and how to fix them in the failed records file.
type rerunCase struct {
	name, contentType string
	iface             func(b *batchAPIBundle) uuid.UUID
	payload           string
	fix               *strings.Replacer
}

var rerunCases = []rerunCase{
	{
		name: "csv", contentType: "text/csv", iface: func(b *batchAPIBundle) uuid.UUID { return b.csvID },
		payload: "external_id,first_name,age\nR-1,Ann,30\nR-2,Bob,old\nR-3,Cy,31\nR-4,Di,=1+1\nR-5,Ed,32\n",
		fix:     strings.NewReplacer(",old,", ",40,", ",'=1+1,", ",41,"),
	},
	{
		name: "json", contentType: "application/json", iface: func(b *batchAPIBundle) uuid.UUID { return b.jsonID },
		payload: `[{"external_id":"R-1","first_name":"Ann","age":30},{"external_id":"R-2","first_name":"Bob","age":"old"},` +
			`{"external_id":"R-3","age":31},{"external_id":"R-4","age":"=1+1"},{"external_id":"R-5","age":32}]`,
		fix: strings.NewReplacer(`"old"`, `40`, `"=1+1"`, `41`),
	},
	{
		name: "ndjson", contentType: "application/x-ndjson", iface: func(b *batchAPIBundle) uuid.UUID { return b.jsonID },
		payload: "{\"external_id\":\"R-1\",\"age\":30}\n{\"external_id\":\"R-2\",\"first_name\":\"Bob\",\"age\":\"old\"}\n" +
			"{\"external_id\":\"R-3\",\"age\":31}\n{\"external_id\":\"R-4\",\"age\":\"=1+1\"}\n{\"external_id\":\"R-5\",\"age\":32}\n",
		fix: strings.NewReplacer(`"old"`, `40`, `"=1+1"`, `41`),
	},
	{
		name: "xml", contentType: "application/xml", iface: func(b *batchAPIBundle) uuid.UUID { return b.xmlID },
		payload: `<?xml version="1.0"?><export><contacts>` +
			`<contact><external_id>R-1</external_id><age>30</age></contact>` +
			`<contact id="2"><external_id>R-2</external_id><first_name>Bob</first_name><age>old</age></contact>` +
			`<contact><external_id>R-3</external_id><age>31</age></contact>` +
			`<contact><external_id>R-4</external_id><age>=1+1</age></contact>` +
			`<contact><external_id>R-5</external_id><age>32</age></contact></contacts></export>`,
		fix: strings.NewReplacer(`<age>old</age>`, `<age>40</age>`, `<age>=1+1</age>`, `<age>41</age>`),
	},
}

func TestFailedRecordsFixedAndRerunFinishClean(t *testing.T) {
	t.Parallel()
	for _, rc := range rerunCases {
		t.Run(rc.name, func(t *testing.T) {
			t.Parallel()
			b := setupBatchAPI(t, withWorkers)
			ready := http.Header{"X-Batch-Status": {"READY"}}
			res := b.post(t, v1Path(rc.iface(b)), rc.contentType, strings.NewReader(rc.payload), ready)
			require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
			parent := b.waitEnded(t, decodeBatch(t, res).ID)
			require.Equal(t, "FINISHED", parent.Status)
			require.Equal(t, "with_errors", *parent.Outcome)
			require.EqualValues(t, 2, parent.Counts.Failed)
			require.Equal(t, []models.ErrorGroup{{Field: "age", Message: "expected an integer", Count: 2, Examples: []int64{1, 3}}}, parent.ErrorSummary)

			failed := b.h.API(t, b.key, http.MethodGet, "/api/v1/batches/"+parent.ID.String()+"/files/failed", nil, nil)
			require.Equal(t, http.StatusOK, failed.StatusCode, failed.Body)
			require.Contains(t, failed.Body, "R-2")
			require.Contains(t, failed.Body, "R-4")
			require.NotContains(t, failed.Body, "R-3")
			fixed := rc.fix.Replace(failed.Body)
			require.NotEqual(t, failed.Body, fixed)

			res = b.post(t, "/api/v1/batches/"+parent.ID.String()+"/rerun-failed", rc.contentType, strings.NewReader(fixed), ready)
			require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
			child := b.waitEnded(t, decodeBatch(t, res).ID)
			require.Equal(t, "FINISHED", child.Status)
			require.Equal(t, "clean", *child.Outcome, "%+v", child)
			require.EqualValues(t, 2, child.Counts.Total)
			require.EqualValues(t, 2, child.Counts.Inserted)
			require.Zero(t, child.Counts.Failed)
			require.Equal(t, parent.ID, *child.ParentBatchID)
			require.Empty(t, child.ErrorSummary)
			require.Equal(t, 5, countRows(t, b.h, "SELECT count(*) FROM records WHERE flow_id = $1 AND key LIKE 'R-%'", b.flowID))
		})
	}
}

func TestRerunFailedByAPICopiesExactlyTheFailedRecords(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t, withWorkers)
	ready := http.Header{"X-Batch-Status": {"READY"}}
	rc := rerunCases[0]
	res := b.post(t, v1Path(b.csvID), rc.contentType, strings.NewReader(rc.payload), ready)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	parent := b.waitEnded(t, decodeBatch(t, res).ID)

	// Without a body the failed records are the input, as they were (the
	// spreadsheet-safe apostrophe is not part of them).
	res = b.post(t, "/api/v1/batches/"+parent.ID.String()+"/rerun-failed", "", nil, nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	draft := decodeBatch(t, res)
	require.Equal(t, "DRAFT", draft.Status)
	require.Equal(t, "Re-run of "+decodeBatch(t, b.h.API(t, b.key, http.MethodGet, "/api/v1/batches/"+parent.ID.String(), nil, nil)).Name, draft.Name)
	input := b.h.API(t, b.key, http.MethodGet, "/api/v1/batches/"+draft.ID.String()+"/files/input", nil, nil)
	require.Equal(t, "external_id,first_name,age,error\nR-2,Bob,old,field age: expected an integer\n"+
		"R-4,Di,=1+1,field age: expected an integer\n", input.Body)

	res = b.post(t, "/api/v1/batches/"+draft.ID.String()+"/run", "", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	child := b.waitEnded(t, draft.ID)
	require.Equal(t, "all_failed", *child.Outcome)
	require.EqualValues(t, 2, child.Counts.Total)
	require.EqualValues(t, 2, child.Counts.Failed)
	require.Equal(t, parent.ID, *child.ParentBatchID)

	// A fixed file that also repeats a record already in the flow updates it.
	res = b.post(t, "/api/v1/batches/"+child.ID.String()+"/rerun-failed", "text/csv",
		strings.NewReader("external_id,first_name,age\nR-1,Ann,50\nR-2,Bob,40\nR-4,Di,41\n"), ready)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	grandchild := b.waitEnded(t, decodeBatch(t, res).ID)
	require.Equal(t, "clean", *grandchild.Outcome)
	require.EqualValues(t, 2, grandchild.Counts.Inserted)
	require.EqualValues(t, 1, grandchild.Counts.Updated)
	require.Equal(t, 5, countRows(t, b.h, "SELECT count(*) FROM records WHERE flow_id = $1 AND key LIKE 'R-%'", b.flowID))

	// A clean batch, or one still a draft, has nothing to re-run.
	for _, id := range []uuid.UUID{grandchild.ID, draft.ID} {
		if id == draft.ID {
			res = b.post(t, v1Path(b.csvID), "text/csv", strings.NewReader(rc.payload), nil)
			id = decodeBatch(t, res).ID
		}
		p := requireProblem(t, b.post(t, "/api/v1/batches/"+id.String()+"/rerun-failed", "", nil, nil), http.StatusConflict)
		require.NotContains(t, p.Detail, "rerun")
	}
}

func TestReportGroupsErrorsAndOffersTheRerun(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t, withWorkers)
	payload := "external_id,first_name,age\nR-1,Ann,30\nR-2,Bob,old\n,NoKey,33\nR-4,Di,\"=HYPERLINK(\"\"http://x\"\")\"\nR-5,Ed,32\n"
	res := b.post(t, v1Path(b.csvID), "text/csv", strings.NewReader(payload), http.Header{"X-Batch-Status": {"READY"}})
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	parent := b.waitEnded(t, decodeBatch(t, res).ID)
	require.EqualValues(t, 3, parent.Counts.Failed)

	br := b.h.SignIn(t, b.acct)
	page := br.Get("/batches/" + parent.ID.String())
	require.Equal(t, http.StatusOK, page.StatusCode)
	require.Contains(t, page.Body, `2 ×`)
	require.Contains(t, page.Body, `age:`)
	require.Contains(t, page.Body, `— records 2, 4`)
	require.Contains(t, page.Body, `1 ×`)
	require.Contains(t, page.Body, `required field missing`)
	require.Contains(t, page.Body, `=HYPERLINK(&#34;http://x&#34;)</code>`, "a formula is shown as text")
	require.Contains(t, page.Body, `3 of 5 failed`)
	require.Contains(t, page.Body, `Re-run failed records`)
	require.Contains(t, page.Body, `/flows/`+b.flowID.String()+`/records?batch=`+parent.ID.String())

	// The list filters by field.
	list := br.HTMX(http.MethodGet, "/batches/"+parent.ID.String()+"/errors?field=external_id", nil)
	require.Equal(t, http.StatusOK, list.StatusCode)
	require.Contains(t, list.Body, "required field missing")
	require.NotContains(t, list.Body, "expected an integer")

	// Re-run opens the new draft in the wizard; the reports link both ways.
	rerun := br.HTMX(http.MethodPost, "/batches/"+parent.ID.String()+"/rerun-failed", url.Values{})
	require.Equal(t, http.StatusNoContent, rerun.StatusCode, rerun.Body)
	m := regexpWizardOverview.FindStringSubmatch(rerun.Header.Get("HX-Redirect"))
	require.NotNil(t, m, rerun.Header.Get("HX-Redirect"))
	childPage := br.Get("/batches/" + m[1])
	require.Contains(t, childPage.Body, "Re-run of <a")
	require.Contains(t, br.Get("/batches/"+parent.ID.String()).Body, "Re-runs:")

	// Records of this batch: only the records it wrote, not another batch's.
	res = b.post(t, v1Path(b.jsonID), "application/json", strings.NewReader(`[{"external_id":"Q-1"}]`), http.Header{"X-Batch-Status": {"READY"}})
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Equal(t, "clean", *b.waitEnded(t, decodeBatch(t, res).ID).Outcome)
	records := br.Get("/flows/" + b.flowID.String() + "/records?batch=" + parent.ID.String())
	require.Equal(t, http.StatusOK, records.StatusCode)
	require.Contains(t, records.Body, "data-batch-filter")
	require.Equal(t, 2, strings.Count(records.Body, `href="/records/`), records.Body)
	other := b.h.CreateAccount(t, "other@example.com", true)
	require.Equal(t, http.StatusNotFound, b.h.SignIn(t, other).Get("/flows/"+b.flowID.String()+"/records?batch="+parent.ID.String()).StatusCode)
}

func TestOverviewFiltersBatchesWithErrors(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	ids := map[string]uuid.UUID{}
	for _, name := range []string{"Clean one", "Partial one", "All failed one", "Cancelled one", "Broken one"} {
		ids[name] = u.completeDraft(t, name)
	}
	set := func(name, sql string) {
		require.NoError(t, u.h.DB.Exec("UPDATE batches SET finished_at = now(), "+sql+" WHERE id = ?", ids[name]).Error)
	}
	set("Clean one", "status = 'FINISHED', total_count = 2000, processed_count = 2000, inserted_count = 2000")
	set("Partial one", "status = 'FINISHED', total_count = 2000, processed_count = 2000, inserted_count = 1975, failed_count = 25")
	set("All failed one", "status = 'FINISHED', total_count = 3, processed_count = 3, failed_count = 3")
	set("Cancelled one", "status = 'ERROR', error_message = 'cancelled'")
	set("Broken one", "status = 'ERROR', error_message = 'invalid JSON at byte 12 (line 1): unexpected end of input'")

	all := u.b.Get("/")
	require.Contains(t, all.Body, `data-count="With errors">2<`)
	require.Contains(t, all.Body, "25 of 2,000 failed")
	require.Contains(t, all.Body, "all 3 failed")
	require.Contains(t, all.Body, ">Cancelled<")
	require.Contains(t, all.Body, "invalid JSON at byte 12 (line 1): unexpected end of input")

	page := u.b.Get("/?errors=1")
	require.Equal(t, http.StatusOK, page.StatusCode)
	require.Contains(t, page.Body, "Partial one")
	require.Contains(t, page.Body, "All failed one")
	for _, name := range []string{"Clean one", "Cancelled one", "Broken one"} {
		require.NotContains(t, page.Body, name)
	}
	ov, err := models.ListOverview(context.Background(), u.h.DB, u.acct.ID, models.OverviewQuery{Errors: true, Status: models.StatusError})
	require.NoError(t, err)
	require.EqualValues(t, 2, ov.Matching, "with errors is a tab of its own")
}

// TestRerunFailedHonoursIdempotencyKey retries a re-run as a client whose
// answer got lost would: the same key gives the same batch, once; the same
// key with other corrected records is refused.
func TestRerunFailedHonoursIdempotencyKey(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t, withWorkers)
	rc := rerunCases[0]
	res := b.post(t, v1Path(b.csvID), rc.contentType, strings.NewReader(rc.payload), http.Header{"X-Batch-Status": {"READY"}})
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	parent := b.waitEnded(t, decodeBatch(t, res).ID)
	path := "/api/v1/batches/" + parent.ID.String() + "/rerun-failed"
	fixed := "external_id,first_name,age\nR-2,Bob,40\nR-4,Di,41\n"
	key := http.Header{"Idempotency-Key": {uuid.NewString()}}

	first := b.post(t, path, "text/csv", strings.NewReader(fixed), key)
	require.Equal(t, http.StatusCreated, first.StatusCode, first.Body)
	again := b.post(t, path, "text/csv", strings.NewReader(fixed), key)
	require.Equal(t, http.StatusCreated, again.StatusCode, again.Body)
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	require.Equal(t, decodeBatch(t, first).ID, decodeBatch(t, again).ID, "the same batch, not a second one")
	require.Equal(t, 1, countRows(t, b.h, "SELECT count(*) FROM batches WHERE parent_batch_id = $1", parent.ID))

	requireProblem(t, b.post(t, path, "text/csv", strings.NewReader("external_id,first_name,age\nR-2,Bob,40\n"), key), http.StatusUnprocessableEntity)
}
