package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// apiInterfaceBody turns an interface form into the equivalent API body.
func apiInterfaceBody(t *testing.T, f url.Values) string {
	t.Helper()
	body := map[string]any{
		"name": f.Get("name"), "description": f.Get("description"), "format": f.Get("format"),
		"scopes": f["scopes"], "records_path": f.Get("records_path"), "csv_delimiter": f.Get("csv_delimiter"),
		"csv_header": f.Get("csv_header") != "", "record_element": f.Get("record_element"),
	}
	if body["scopes"] == nil {
		body["scopes"] = []string{}
	}
	if id := f.Get("flow_id"); id != "" {
		body["flow_id"] = id
	}
	fields := []map[string]any{}
	for i := 0; i < 10; i++ {
		p := fmt.Sprintf("fields[%d].", i)
		if f.Get(p+"name") == "" && f.Get(p+"source") == "" {
			continue
		}
		fields = append(fields, map[string]any{"name": f.Get(p + "name"), "source": f.Get(p + "source"),
			"type": f.Get(p + "type"), "required": f.Get(p+"required") != ""})
	}
	body["fields"] = fields
	b, err := json.Marshal(body)
	require.NoError(t, err)
	return string(b)
}

// problemErrors decodes a problem document's field messages.
func problemErrors(t *testing.T, body string) map[string]string {
	t.Helper()
	var p struct {
		Errors map[string]string `json:"errors"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &p), body)
	return p.Errors
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(body), &v), body)
	return v
}

type flowJSON struct {
	ID, Name, Description string
	KeyField              string  `json:"key_field"`
	ArchivedAt            *string `json:"archived_at"`
}

type interfaceJSON struct {
	ID, Name, Format string
	Scopes           []string
	FlowID           *string `json:"flow_id"`
	RecordsPath      string  `json:"records_path"`
	CSVDelimiter     string  `json:"csv_delimiter"`
	CSVHeader        bool    `json:"csv_header"`
	RecordElement    string  `json:"record_element"`
	Encoding         string
	CSVQuote         string `json:"csv_quote"`
	XLSXSheet        string `json:"xlsx_sheet"`
	Fields           []models.Field
	Endpoints        struct{ V1, V2 *string }
	ArchivedAt       *string `json:"archived_at"`
}

func TestAPIFlows(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "apiflows@example.com", false)
	key := h.APIKey(t, a)
	call := func(method, path, body string) *apptest.Response {
		var r *strings.Reader
		if body != "" {
			r = strings.NewReader(body)
			return h.API(t, key, method, path, r, jsonHeader)
		}
		return h.API(t, key, method, path, nil, nil)
	}

	res := call(http.MethodPost, "/api/v1/flows", `{"name":"Contacts","key_field":"external_id"}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	f := decode[flowJSON](t, res.Body)
	require.Equal(t, "Contacts", f.Name)
	require.Equal(t, "external_id", f.KeyField)
	require.Equal(t, "/api/v1/flows/"+f.ID, res.Header.Get("Location"))

	res = call(http.MethodGet, "/api/v1/flows/"+f.ID, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, f, decode[flowJSON](t, res.Body))

	res = call(http.MethodPatch, "/api/v1/flows/"+f.ID, `{"description":"People"}`)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	patched := decode[flowJSON](t, res.Body)
	require.Equal(t, "People", patched.Description)
	require.Equal(t, "Contacts", patched.Name, "absent members keep their value")
	require.Equal(t, "external_id", patched.KeyField)

	res = call(http.MethodPost, "/api/v1/flows", `{"name":"contacts","key_field":"bad key"}`)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	errs := problemErrors(t, res.Body)
	require.Equal(t, "Another flow of your account already has this name.", errs["name"])
	require.Contains(t, errs["key_field"], "Use letters, digits and _")
	res = call(http.MethodPost, "/api/v1/flows", `{}`)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Equal(t, "Enter a name.", problemErrors(t, res.Body)["name"])

	res = call(http.MethodGet, "/api/v1/flows", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	list := decode[struct{ Data []flowJSON }](t, res.Body)
	require.Len(t, list.Data, 1)

	res = call(http.MethodDelete, "/api/v1/flows/"+f.ID, "")
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.NotNil(t, decode[flowJSON](t, res.Body).ArchivedAt)
	res = call(http.MethodGet, "/api/v1/flows", "")
	require.Empty(t, decode[struct{ Data []flowJSON }](t, res.Body).Data)
	res = call(http.MethodGet, "/api/v1/flows?archived=true", "")
	require.Len(t, decode[struct{ Data []flowJSON }](t, res.Body).Data, 1)
}

func TestAPIInterfaces(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "apiifaces@example.com", false)
	key := h.APIKey(t, a)
	post := func(method, path, body string) *apptest.Response {
		return h.API(t, key, method, path, strings.NewReader(body), jsonHeader)
	}
	res := post(http.MethodPost, "/api/v1/flows", `{"name":"Contacts","key_field":"external_id"}`)
	require.Equal(t, http.StatusCreated, res.StatusCode)
	flowID := decode[flowJSON](t, res.Body).ID

	// The example of DESIGN.md.
	res = post(http.MethodPost, "/api/v1/interfaces", `{"name":"Contacts JSON","format":"json","scopes":["batch"],"flow_id":"`+flowID+`",
		"records_path":"","fields":[{"name":"external_id","source":"external_id","type":"string","required":true},
		{"name":"quantity","source":"quantity","type":"integer"}]}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	in := decode[interfaceJSON](t, res.Body)
	require.Equal(t, "json", in.Format)
	require.Equal(t, []string{"batch"}, in.Scopes)
	require.Equal(t, flowID, *in.FlowID)
	require.Len(t, in.Fields, 2)
	require.Equal(t, h.URL+"/api/v1/interfaces/"+in.ID+"/batch", *in.Endpoints.V1)
	require.Equal(t, h.URL+"/api/v2/interfaces/"+in.ID+"/batch", *in.Endpoints.V2)

	// PATCH to XML: the record element is required; v2 takes XML too.
	res = post(http.MethodPatch, "/api/v1/interfaces/"+in.ID, `{"format":"xml"}`)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, problemErrors(t, res.Body)["record_element"], "Enter the name of the element")
	res = post(http.MethodPatch, "/api/v1/interfaces/"+in.ID, `{"format":"xml","record_element":"contact","flow_id":null}`)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	x := decode[interfaceJSON](t, res.Body)
	require.Equal(t, "contact", x.RecordElement)
	require.Nil(t, x.FlowID, "null clears the default flow")
	require.Equal(t, h.URL+"/api/v2/interfaces/"+in.ID+"/batch", *x.Endpoints.V2)
	require.Len(t, x.Fields, 2, "absent fields keep the list")

	// CSV with its options.
	res = post(http.MethodPost, "/api/v1/interfaces", `{"name":"Contacts CSV","format":"csv","csv_delimiter":";","csv_header":false,
		"fields":[{"name":"external_id","source":"1","type":"string"}]}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	c := decode[interfaceJSON](t, res.Body)
	require.Equal(t, ";", c.CSVDelimiter)
	require.False(t, c.CSVHeader)
	require.Equal(t, "auto", c.Encoding, "the encoding defaults to auto")
	require.Equal(t, `"`, c.CSVQuote)

	// XLSX with a sheet; a CSV interface that leaves the delimiter out sniffs it.
	res = post(http.MethodPost, "/api/v1/interfaces", `{"name":"Contacts XLSX","format":"xlsx","xlsx_sheet":"Contacts",
		"fields":[{"name":"external_id","source":"id","type":"string"}]}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Equal(t, "Contacts", decode[interfaceJSON](t, res.Body).XLSXSheet)
	res = post(http.MethodPost, "/api/v1/interfaces", `{"name":"Sniffed","format":"csv","encoding":"windows-1252","csv_quote":"'",
		"fields":[{"name":"external_id","source":"id","type":"string"}]}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	sniffed := decode[interfaceJSON](t, res.Body)
	require.Equal(t, "auto", sniffed.CSVDelimiter)
	require.Equal(t, "windows-1252", sniffed.Encoding)
	require.Equal(t, "'", sniffed.CSVQuote)
	res = post(http.MethodPatch, "/api/v1/interfaces/"+sniffed.ID, `{"encoding":"latin-9","xlsx_sheet":"x"}`)
	require.Equal(t, "Choose auto, utf-8, windows-1252, iso-8859-1 or utf-16.", problemErrors(t, res.Body)["encoding"])
	require.Equal(t, []string{"batch"}, c.Scopes, "scopes default to batch")

	res = h.API(t, key, http.MethodGet, "/api/v1/interfaces", nil, nil)
	require.Len(t, decode[struct{ Data []interfaceJSON }](t, res.Body).Data, 4)
	res = h.API(t, key, http.MethodGet, "/api/v1/interfaces/"+c.ID, nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "Contacts CSV", decode[interfaceJSON](t, res.Body).Name)

	res = h.API(t, key, http.MethodDelete, "/api/v1/interfaces/"+c.ID, nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NotNil(t, decode[interfaceJSON](t, res.Body).ArchivedAt)
	res = h.API(t, key, http.MethodGet, "/api/v1/interfaces", nil, nil)
	require.Len(t, decode[struct{ Data []interfaceJSON }](t, res.Body).Data, 3)
}

func TestAPIMalformedBodies(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	a := h.CreateAccount(t, "malformed@example.com", true)
	key := h.APIKey(t, a)
	cases := map[string]string{
		"":                                  "The body is empty",
		`{"name":`:                          "ends in the middle",
		`{"name":"x",}`:                     "not valid JSON (at byte",
		`["name"]`:                          "must be a JSON object",
		`{"name":5}`:                        "The member name must be a string",
		`{"fields":{"name":"x"}}`:           "The member fields must be an array",
		`{"name":"x","colour":"red"}`:       `The member "colour" is not known here.`,
		`{"name":"x","flow_id":"not-uuid"}`: "flow_id must be a UUID or null.",
		`{"name":"x"} {"name":"y"}`:         "more than one JSON value",
	}
	for body, want := range cases {
		for _, path := range []string{"/api/v1/interfaces", "/api/v1/flows"} {
			if strings.Contains(body, "flow_id") || strings.Contains(body, "fields") {
				if path == "/api/v1/flows" {
					continue
				}
			}
			res := h.API(t, key, http.MethodPost, path, strings.NewReader(body), jsonHeader)
			require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s %q: %s", path, body, res.Body)
			require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
			p := decode[map[string]any](t, res.Body)
			require.Contains(t, p["detail"], want, body)
			require.NotContains(t, p["detail"], "json:", "decoder internals stay in the log")
		}
	}
	list, err := models.ListFlows(context.Background(), h.DB, a.ID, true)
	require.NoError(t, err)
	require.Len(t, list, 1)
}
