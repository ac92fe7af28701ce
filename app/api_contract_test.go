package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/models"
)

// contractCase is one call of an API operation and the status it must get.
// The contract test sends it to a real server and validates the answer
// against the OpenAPI document.
type contractCase struct {
	// op names the operation as the document does: method and path template.
	op     string
	name   string
	status int
	// req builds the request; it may create what it needs through f.
	req func(f *contractFixture) contractRequest
}

// contractRequest is the request of a contractCase. The fixture's API key is
// sent unless noKey is set.
type contractRequest struct {
	path    string
	header  http.Header
	body    string
	noKey   bool
	chunked bool
}

// contractCases are the calls of TestAPIAnswersMatchTheOpenAPIDocument.
// Every operation of the document needs at least one success (2xx) and one
// error (4xx) here, or the test fails naming it.
//
// To add an operation: describe it in apiOperations (the route test keeps
// document and routes equal), then append its cases (see rerun-failed).
//
// A case gets its own resources from the fixture (f.batch, f.flow,
// f.iface, f.file, or new helpers beside them), so cases do not depend on
// each other's order. A request header such as Idempotency-Key goes in
// contractRequest.header; document it in headerParams and list it in the
// operation's Headers. Response headers the document must declare when the
// server sends them are listed in contractHeaders; add a new one there and in
// responseHeaders. The X-RateLimit-* headers are declared but not required,
// so the test passes whether or not the limiter sends them.
var contractCases = []contractCase{
	// Batches.
	{op: "POST /api/v1/interfaces/{id}/batch", name: "JSON", status: http.StatusCreated, req: func(f *contractFixture) contractRequest {
		return withType(withBody(v1Path(f.jsonID), contactsJSON), "application/json")
	}},
	{op: "POST /api/v1/interfaces/{id}/batch", name: "empty JSON array", status: http.StatusCreated, req: func(f *contractFixture) contractRequest {
		return withType(withBody(v1Path(f.jsonID), "[]"), "application/json")
	}},
	{op: "POST /api/v1/interfaces/{id}/batch", name: "header-only CSV", status: http.StatusCreated, req: func(f *contractFixture) contractRequest {
		return withType(withBody(v1Path(f.csvID), "external_id,first_name,age\n"), "text/csv")
	}},
	{op: "POST /api/v1/interfaces/{id}/batch", name: "bad X-Batch-Status", status: http.StatusBadRequest, req: func(f *contractFixture) contractRequest {
		r := withType(withBody(v1Path(f.jsonID), contactsJSON), "application/json")
		r.header.Set("X-Batch-Status", "DRAFT")
		return r
	}},
	{op: "POST /api/v1/interfaces/{id}/batch", name: "no key", status: http.StatusUnauthorized, req: func(f *contractFixture) contractRequest {
		r := withType(withBody(v1Path(f.jsonID), contactsJSON), "application/json")
		r.noKey = true
		return r
	}},
	{op: "POST /api/v1/interfaces/{id}/batch", name: "no batch scope", status: http.StatusForbidden, req: func(f *contractFixture) contractRequest {
		return withType(withBody("/api/v1/interfaces/"+f.iface("api")+"/batch", contactsJSON), "application/json")
	}},
	{op: "POST /api/v1/interfaces/{id}/batch", name: "unknown interface", status: http.StatusNotFound, req: func(f *contractFixture) contractRequest {
		return withType(withBody(v1Path(uuid.New()), contactsJSON), "application/json")
	}},
	{op: "POST /api/v1/interfaces/{id}/batch", name: "over the limit, Expect: 100-continue", status: http.StatusExpectationFailed, req: func(f *contractFixture) contractRequest {
		r := withType(withBody(v1Path(f.jsonID), "["+strings.Repeat(`{"external_id":"x"},`, contractMaxBytes/10)+"{}]"), "application/json")
		r.header.Set("Expect", "100-continue")
		return r
	}},
	{op: "POST /api/v1/interfaces/{id}/batch", name: "wrong content type", status: http.StatusUnsupportedMediaType, req: func(f *contractFixture) contractRequest {
		return withType(withBody(v1Path(f.jsonID), contactsJSON), "text/plain")
	}},
	{op: "POST /api/v1/interfaces/{id}/batch", name: "whitespace only", status: http.StatusUnprocessableEntity, req: func(f *contractFixture) contractRequest {
		return withType(withBody(v1Path(f.jsonID), " \n"), "application/json")
	}},
	{op: "POST /api/v2/interfaces/{id}/batch", name: "multipart", status: http.StatusCreated, req: func(f *contractFixture) contractRequest {
		return multipartPost(f, v2Path(f.csvID), formPart{name: "name", value: "Contract"}, formPart{name: "file", fileName: "c.csv", value: contactsCSV})
	}},
	{op: "POST /api/v2/interfaces/{id}/batch", name: "two file parts", status: http.StatusBadRequest, req: func(f *contractFixture) contractRequest {
		return multipartPost(f, v2Path(f.jsonID), formPart{name: "file", fileName: "a.json", value: "[]"}, formPart{name: "file", fileName: "b.json", value: "[]"})
	}},
	{op: "POST /api/v2/interfaces/{id}/batch", name: "file over the limit", status: http.StatusRequestEntityTooLarge, req: func(f *contractFixture) contractRequest {
		return multipartPost(f, v2Path(f.jsonID), formPart{name: "file", fileName: "a.json", value: strings.Repeat(" ", contractMaxBytes+1)})
	}},
	{op: "POST /api/v2/interfaces/{id}/batch", name: "XML interface, raw body", status: http.StatusCreated, req: func(f *contractFixture) contractRequest {
		return withType(withBody(v2Path(f.xmlID), contactsXML), "application/xml")
	}},
	{op: "POST /api/v2/interfaces/{id}/batch", name: "wrong content type", status: http.StatusUnsupportedMediaType, req: func(f *contractFixture) contractRequest {
		return withType(withBody(v2Path(f.xmlID), contactsXML), "text/plain")
	}},
	{op: "POST /api/v2/interfaces/{id}/batch", name: "no file part", status: http.StatusUnprocessableEntity, req: func(f *contractFixture) contractRequest {
		return multipartPost(f, v2Path(f.jsonID), formPart{name: "name", value: "Nothing"})
	}},
	{op: "GET /api/v1/batches", name: "first page", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		f.batch(models.StatusDraft)
		return call("/api/v1/batches?limit=1")
	}},
	{op: "GET /api/v1/batches", name: "bad status", status: http.StatusBadRequest, req: func(*contractFixture) contractRequest {
		return call("/api/v1/batches?status=DONE")
	}},
	{op: "GET /api/v1/batches/{id}", name: "finished", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return call(batchURL(f.batch(models.StatusFinished)))
	}},
	{op: "GET /api/v1/batches/{id}", name: "unknown", status: http.StatusNotFound, req: func(*contractFixture) contractRequest {
		return call(batchURL(uuid.NewString()))
	}},
	{op: "DELETE /api/v1/batches/{id}", name: "draft", status: http.StatusNoContent, req: func(f *contractFixture) contractRequest {
		return call(batchURL(f.batch(models.StatusDraft)))
	}},
	{op: "DELETE /api/v1/batches/{id}", name: "processing", status: http.StatusConflict, req: func(f *contractFixture) contractRequest {
		return call(batchURL(f.batch(models.StatusProcessing)))
	}},
	{op: "POST /api/v1/batches/{id}/run", name: "draft", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return call(batchURL(f.batch(models.StatusDraft)) + "/run")
	}},
	{op: "POST /api/v1/batches/{id}/run", name: "ready", status: http.StatusConflict, req: func(f *contractFixture) contractRequest {
		return call(batchURL(f.batch(models.StatusReady)) + "/run")
	}},
	{op: "POST /api/v1/batches/{id}/rerun-failed", name: "finished with failures, corrected records", status: http.StatusCreated,
		req: func(f *contractFixture) contractRequest {
			return withType(withBody(batchURL(f.failedBatch())+"/rerun-failed", `[{"external_id":"C-1"}]`), "application/json")
		}},
	{op: "POST /api/v1/batches/{id}/rerun-failed", name: "draft", status: http.StatusConflict, req: func(f *contractFixture) contractRequest {
		return call(batchURL(f.batch(models.StatusDraft)) + "/rerun-failed")
	}},
	{op: "GET /api/v1/batches/{id}/columns", name: "draft", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return call(batchURL(f.batch(models.StatusDraft)) + "/columns")
	}},
	{op: "GET /api/v1/batches/{id}/columns", name: "unknown", status: http.StatusNotFound, req: func(*contractFixture) contractRequest {
		return call(batchURL(uuid.NewString()) + "/columns")
	}},
	{op: "PUT /api/v1/batches/{id}/mapping", name: "draft", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return withType(withBody(batchURL(f.batch(models.StatusDraft))+"/mapping", `{"first_name":"first_name","age":null}`), "application/json")
	}},
	{op: "PUT /api/v1/batches/{id}/mapping", name: "unknown column", status: http.StatusUnprocessableEntity, req: func(f *contractFixture) contractRequest {
		return withType(withBody(batchURL(f.batch(models.StatusDraft))+"/mapping", `{"first_name":"Nope"}`), "application/json")
	}},
	{op: "PUT /api/v1/batches/{id}/mapping", name: "ready", status: http.StatusConflict, req: func(f *contractFixture) contractRequest {
		return withType(withBody(batchURL(f.batch(models.StatusReady))+"/mapping", `{}`), "application/json")
	}},
	{op: "PUT /api/v1/batches/{id}/mapping", name: "not an object", status: http.StatusBadRequest, req: func(f *contractFixture) contractRequest {
		return withType(withBody(batchURL(f.batch(models.StatusDraft))+"/mapping", `[1]`), "application/json")
	}},
	{op: "POST /api/v1/batches/{id}/clone", name: "finished", status: http.StatusCreated, req: func(f *contractFixture) contractRequest {
		return call(batchURL(f.batch(models.StatusFinished)) + "/clone")
	}},
	{op: "POST /api/v1/batches/{id}/clone", name: "unknown", status: http.StatusNotFound, req: func(*contractFixture) contractRequest {
		return call(batchURL(uuid.NewString()) + "/clone")
	}},
	{op: "POST /api/v1/batches/{id}/cancel", name: "processing", status: http.StatusAccepted, req: func(f *contractFixture) contractRequest {
		return call(batchURL(f.batch(models.StatusProcessing)) + "/cancel")
	}},
	{op: "POST /api/v1/batches/{id}/cancel", name: "draft", status: http.StatusConflict, req: func(f *contractFixture) contractRequest {
		return call(batchURL(f.batch(models.StatusDraft)) + "/cancel")
	}},
	{op: "GET /api/v1/batches/{id}/files/{kind}", name: "input", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return call(batchURL(f.batch(models.StatusDraft)) + "/files/input")
	}},
	{op: "GET /api/v1/batches/{id}/files/{kind}", name: "range", status: http.StatusPartialContent, req: func(f *contractFixture) contractRequest {
		return withHeader(call(batchURL(f.batch(models.StatusDraft))+"/files/input"), "Range", "bytes=-10")
	}},
	{op: "GET /api/v1/batches/{id}/files/{kind}", name: "not modified", status: http.StatusNotModified, req: func(f *contractFixture) contractRequest {
		return withHeader(call(batchURL(f.batch(models.StatusDraft))+"/files/input"), "If-None-Match", `"`+sha(contactsJSON)+`"`)
	}},
	{op: "GET /api/v1/batches/{id}/files/{kind}", name: "range beyond the end", status: http.StatusRequestedRangeNotSatisfiable, req: func(f *contractFixture) contractRequest {
		return withHeader(call(batchURL(f.batch(models.StatusDraft))+"/files/input"), "Range", "bytes=100000-")
	}},
	{op: "GET /api/v1/batches/{id}/files/{kind}", name: "no error file", status: http.StatusNotFound, req: func(f *contractFixture) contractRequest {
		return call(batchURL(f.batch(models.StatusFinished)) + "/files/error")
	}},
	{op: "GET /api/openapi.json", name: "document", status: http.StatusOK, req: func(*contractFixture) contractRequest {
		return contractRequest{path: "/api/openapi.json", noKey: true}
	}},
	{op: "GET /api/openapi.json", name: "headers over 16 KiB", status: http.StatusRequestHeaderFieldsTooLarge, req: func(*contractFixture) contractRequest {
		return withHeader(contractRequest{path: "/api/openapi.json", noKey: true}, "X-Padding", strings.Repeat("a", 17<<10))
	}},

	// Flows.
	{op: "GET /api/v1/flows", name: "list", status: http.StatusOK, req: func(*contractFixture) contractRequest {
		return call("/api/v1/flows?archived=true")
	}},
	{op: "GET /api/v1/flows", name: "revoked or unknown key", status: http.StatusUnauthorized, req: func(*contractFixture) contractRequest {
		return withHeader(contractRequest{path: "/api/v1/flows", noKey: true}, "Authorization", "Bearer fb_unknown")
	}},
	{op: "POST /api/v1/flows", name: "create", status: http.StatusCreated, req: func(*contractFixture) contractRequest {
		return jsonBody("/api/v1/flows", `{"name":"Orders `+uuid.NewString()+`","key_field":"order_id"}`)
	}},
	{op: "POST /api/v1/flows", name: "malformed JSON", status: http.StatusBadRequest, req: func(*contractFixture) contractRequest {
		return jsonBody("/api/v1/flows", `{"name":`)
	}},
	{op: "POST /api/v1/flows", name: "chunked", status: http.StatusLengthRequired, req: func(*contractFixture) contractRequest {
		r := jsonBody("/api/v1/flows", `{"name":"Chunked"}`)
		r.chunked = true
		return r
	}},
	{op: "POST /api/v1/flows", name: "over 4 MiB, Expect: 100-continue", status: http.StatusExpectationFailed, req: func(*contractFixture) contractRequest {
		return withHeader(jsonBody("/api/v1/flows", `{"description":"`+strings.Repeat("x", 5<<20)+`"}`), "Expect", "100-continue")
	}},
	{op: "POST /api/v1/flows", name: "no name", status: http.StatusUnprocessableEntity, req: func(*contractFixture) contractRequest {
		return jsonBody("/api/v1/flows", `{"name":""}`)
	}},
	{op: "GET /api/v1/flows/{id}", name: "flow", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return call("/api/v1/flows/" + f.flowID.String())
	}},
	{op: "GET /api/v1/flows/{id}", name: "unknown", status: http.StatusNotFound, req: func(*contractFixture) contractRequest {
		return call("/api/v1/flows/" + uuid.NewString())
	}},
	{op: "PATCH /api/v1/flows/{id}", name: "description", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return jsonBody("/api/v1/flows/"+f.flow(), `{"description":"Changed"}`)
	}},
	{op: "PATCH /api/v1/flows/{id}", name: "empty name", status: http.StatusUnprocessableEntity, req: func(f *contractFixture) contractRequest {
		return jsonBody("/api/v1/flows/"+f.flow(), `{"name":""}`)
	}},
	{op: "DELETE /api/v1/flows/{id}", name: "unused flow", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return call("/api/v1/flows/" + f.flow())
	}},
	{op: "DELETE /api/v1/flows/{id}", name: "used by a draft", status: http.StatusConflict, req: func(f *contractFixture) contractRequest {
		f.batch(models.StatusDraft)
		return call("/api/v1/flows/" + f.flowID.String())
	}},

	// Webhooks. The harness works no jobs, so nothing is ever delivered.
	{op: "GET /api/v1/webhooks", name: "list", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		f.webhook()
		return call("/api/v1/webhooks")
	}},
	{op: "GET /api/v1/webhooks", name: "no key", status: http.StatusUnauthorized, req: func(*contractFixture) contractRequest {
		return contractRequest{path: "/api/v1/webhooks", noKey: true}
	}},
	{op: "POST /api/v1/webhooks", name: "create", status: http.StatusCreated, req: func(*contractFixture) contractRequest {
		return jsonBody("/api/v1/webhooks", `{"url":"https://hooks.example.invalid/flowbatch","events":["batch.finished","batch.failed"]}`)
	}},
	{op: "POST /api/v1/webhooks", name: "loopback target", status: http.StatusUnprocessableEntity, req: func(*contractFixture) contractRequest {
		return jsonBody("/api/v1/webhooks", `{"url":"http://127.0.0.1/hook","events":["batch.finished"]}`)
	}},
	{op: "GET /api/v1/webhooks/{id}", name: "webhook", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return call("/api/v1/webhooks/" + f.webhook())
	}},
	{op: "GET /api/v1/webhooks/{id}", name: "unknown", status: http.StatusNotFound, req: func(*contractFixture) contractRequest {
		return call("/api/v1/webhooks/" + uuid.NewString())
	}},
	{op: "PATCH /api/v1/webhooks/{id}", name: "disable", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return jsonBody("/api/v1/webhooks/"+f.webhook(), `{"description":"ERP","enabled":false}`)
	}},
	{op: "PATCH /api/v1/webhooks/{id}", name: "no events", status: http.StatusUnprocessableEntity, req: func(f *contractFixture) contractRequest {
		return jsonBody("/api/v1/webhooks/"+f.webhook(), `{"events":[]}`)
	}},
	{op: "DELETE /api/v1/webhooks/{id}", name: "webhook", status: http.StatusNoContent, req: func(f *contractFixture) contractRequest {
		return call("/api/v1/webhooks/" + f.webhook())
	}},
	{op: "DELETE /api/v1/webhooks/{id}", name: "unknown", status: http.StatusNotFound, req: func(*contractFixture) contractRequest {
		return call("/api/v1/webhooks/" + uuid.NewString())
	}},
	{op: "GET /api/v1/webhooks/{id}/deliveries", name: "log", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return call("/api/v1/webhooks/" + f.webhook() + "/deliveries")
	}},
	{op: "GET /api/v1/webhooks/{id}/deliveries", name: "unknown", status: http.StatusNotFound, req: func(*contractFixture) contractRequest {
		return call("/api/v1/webhooks/" + uuid.NewString() + "/deliveries")
	}},
	{op: "POST /api/v1/webhooks/{id}/test", name: "ping", status: http.StatusAccepted, req: func(f *contractFixture) contractRequest {
		return call("/api/v1/webhooks/" + f.webhook() + "/test")
	}},
	{op: "POST /api/v1/webhooks/{id}/test", name: "unknown", status: http.StatusNotFound, req: func(*contractFixture) contractRequest {
		return call("/api/v1/webhooks/" + uuid.NewString() + "/test")
	}},

	// Interfaces.
	{op: "GET /api/v1/interfaces", name: "list", status: http.StatusOK, req: func(*contractFixture) contractRequest {
		return call("/api/v1/interfaces")
	}},
	{op: "GET /api/v1/interfaces", name: "no key", status: http.StatusUnauthorized, req: func(*contractFixture) contractRequest {
		return contractRequest{path: "/api/v1/interfaces", noKey: true}
	}},
	{op: "POST /api/v1/interfaces", name: "create", status: http.StatusCreated, req: func(f *contractFixture) contractRequest {
		return jsonBody("/api/v1/interfaces", f.ifaceJSON("batch"))
	}},
	{op: "POST /api/v1/interfaces", name: "unknown member", status: http.StatusBadRequest, req: func(*contractFixture) contractRequest {
		return jsonBody("/api/v1/interfaces", `{"name":"X","colour":"blue"}`)
	}},
	{op: "POST /api/v1/interfaces", name: "no format", status: http.StatusUnprocessableEntity, req: func(*contractFixture) contractRequest {
		return jsonBody("/api/v1/interfaces", `{"name":"No format"}`)
	}},
	{op: "GET /api/v1/interfaces/{id}", name: "interface", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return call("/api/v1/interfaces/" + f.xmlID.String())
	}},
	{op: "GET /api/v1/interfaces/{id}", name: "not a UUID", status: http.StatusNotFound, req: func(*contractFixture) contractRequest {
		return call("/api/v1/interfaces/contacts")
	}},
	{op: "PATCH /api/v1/interfaces/{id}", name: "description", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return jsonBody("/api/v1/interfaces/"+f.iface("batch"), `{"description":"Changed"}`)
	}},
	{op: "PATCH /api/v1/interfaces/{id}", name: "XML without record element", status: http.StatusUnprocessableEntity, req: func(f *contractFixture) contractRequest {
		return jsonBody("/api/v1/interfaces/"+f.iface("batch"), `{"format":"xml"}`)
	}},
	{op: "DELETE /api/v1/interfaces/{id}", name: "unused interface", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return call("/api/v1/interfaces/" + f.iface("batch"))
	}},
	{op: "DELETE /api/v1/interfaces/{id}", name: "unknown", status: http.StatusNotFound, req: func(*contractFixture) contractRequest {
		return call("/api/v1/interfaces/" + uuid.NewString())
	}},

	// Files.
	{op: "GET /api/v1/files", name: "batch folder", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		f.batch(models.StatusDraft)
		return call("/api/v1/files?folder=batch&sort=name&desc=true&page=1&per_page=10")
	}},
	{op: "GET /api/v1/files", name: "bad folder", status: http.StatusNotFound, req: func(*contractFixture) contractRequest {
		return call("/api/v1/files?folder=..%2Fetc")
	}},
	{op: "POST /api/v1/files", name: "upload", status: http.StatusCreated, req: func(f *contractFixture) contractRequest {
		return multipartPost(f, "/api/v1/files", formPart{name: "file", fileName: "notes-" + uuid.NewString() + ".txt", value: "hello"})
	}},
	{op: "POST /api/v1/files", name: "no such folder", status: http.StatusNotFound, req: func(f *contractFixture) contractRequest {
		return multipartPost(f, "/api/v1/files?folder=nowhere", formPart{name: "file", fileName: "notes.txt", value: "hello"})
	}},
	{op: "POST /api/v1/files", name: "not multipart", status: http.StatusUnsupportedMediaType, req: func(*contractFixture) contractRequest {
		return jsonBody("/api/v1/files", "{}")
	}},
	{op: "GET /api/v1/files/{id}", name: "file", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return call("/api/v1/files/" + f.file())
	}},
	{op: "GET /api/v1/files/{id}", name: "unknown", status: http.StatusNotFound, req: func(*contractFixture) contractRequest {
		return call("/api/v1/files/" + uuid.NewString())
	}},
	{op: "GET /api/v1/files/{id}/content", name: "content", status: http.StatusOK, req: func(f *contractFixture) contractRequest {
		return call("/api/v1/files/" + f.file() + "/content")
	}},
	{op: "GET /api/v1/files/{id}/content", name: "range", status: http.StatusPartialContent, req: func(f *contractFixture) contractRequest {
		return withHeader(call("/api/v1/files/"+f.file()+"/content"), "Range", "bytes=0-1")
	}},
	{op: "GET /api/v1/files/{id}/content", name: "not modified", status: http.StatusNotModified, req: func(f *contractFixture) contractRequest {
		return withHeader(call("/api/v1/files/"+f.file()+"/content"), "If-None-Match", `"`+sha("hello")+`"`)
	}},
	{op: "GET /api/v1/files/{id}/content", name: "range beyond the end", status: http.StatusRequestedRangeNotSatisfiable, req: func(f *contractFixture) contractRequest {
		return withHeader(call("/api/v1/files/"+f.file()+"/content"), "Range", "bytes=10-")
	}},
	{op: "GET /api/v1/files/{id}/content", name: "unknown", status: http.StatusNotFound, req: func(*contractFixture) contractRequest {
		return call("/api/v1/files/" + uuid.NewString() + "/content")
	}},
	{op: "DELETE /api/v1/files/{id}", name: "file", status: http.StatusNoContent, req: func(f *contractFixture) contractRequest {
		return call("/api/v1/files/" + f.file())
	}},
	{op: "DELETE /api/v1/files/{id}", name: "a batch's input", status: http.StatusConflict, req: func(f *contractFixture) contractRequest {
		return call("/api/v1/files/" + f.batchFileID(f.batch(models.StatusDraft), models.KindInput))
	}},
}

// contractMaxBytes is the upload limit of the contract test's server (v1 and
// v2), small so that 413 costs little.
const contractMaxBytes = 32 << 10

// XML payloads are text to the document: validate them as a file's content,
// as kin-openapi does for CSV.
func init() { openapi3filter.RegisterBodyDecoder("application/xml", openapi3filter.FileBodyDecoder) }

func TestAPIAnswersMatchTheOpenAPIDocument(t *testing.T) {
	t.Parallel()
	f := &contractFixture{batchAPIBundle: setupBatchAPI(t, func(c *config.Config) {
		c.V1MaxBytes, c.V2MaxBytes = contractMaxBytes, contractMaxBytes
	})}
	v := newContractValidator(t, f.h)
	success, failure := map[string]bool{}, map[string]bool{}
	for _, tc := range contractCases {
		t.Run(tc.op+" "+tc.name, func(t *testing.T) {
			f.t = t
			status := v.check(t, tc.op+" ("+tc.name+")", tc.op, f.key, tc.req(f))
			require.Equal(t, tc.status, status)
			switch {
			case status >= 200 && status < 300:
				success[tc.op] = true
			case status >= 400 && status < 500:
				failure[tc.op] = true
			}
		})
	}
	for _, op := range v.operations() {
		require.True(t, success[op], "%s has no success case in contractCases", op)
		require.True(t, failure[op], "%s has no error case in contractCases", op)
	}
}

// The rate limit's answer needs a server with a small limit of its own.
func TestAPIRateLimitAnswerMatchesTheOpenAPIDocument(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t, func(c *config.Config) { c.APIRateLimit = 1 })
	v := newContractValidator(t, b.h)
	require.Equal(t, http.StatusOK, v.check(t, "first", "GET /api/v1/flows", b.key, call("/api/v1/flows")))
	require.Equal(t, http.StatusTooManyRequests, v.check(t, "second", "GET /api/v1/flows", b.key, call("/api/v1/flows")))
}

// contractHeaders are the response headers that the document must declare
// for an answer whenever the server sends them.
var contractHeaders = []string{
	"Location", "ETag", "Content-Range", "Content-Disposition", "X-Content-SHA256", "Accept-Ranges",
	"Retry-After", "WWW-Authenticate", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
}

// contractValidator sends requests to a harness and validates the answers
// against the OpenAPI document the server serves.
type contractValidator struct {
	h      *apptest.Harness
	doc    *openapi3.T
	router routers.Router
	client *http.Client
}

func newContractValidator(t *testing.T, h *apptest.Harness) *contractValidator {
	t.Helper()
	res := h.API(t, "", http.MethodGet, "/api/openapi.json", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(res.Body))
	require.NoError(t, err)
	require.NoError(t, doc.Validate(ctx), "the OpenAPI document is valid")
	doc.Servers = openapi3.Servers{{URL: h.URL}}
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	// Go waits for 100 Continue (or a final answer) before sending a body
	// announced with Expect: 100-continue.
	transport := &http.Transport{ExpectContinueTimeout: 10 * time.Second}
	t.Cleanup(transport.CloseIdleConnections)
	return &contractValidator{h: h, doc: doc, router: router, client: &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// operations lists the document's operations as "METHOD /path".
func (v *contractValidator) operations() []string {
	var ops []string
	for path, item := range v.doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	slices.Sort(ops)
	return ops
}

// check sends r as operation op ("METHOD /path"), validates the answer
// against the document and returns its status.
func (v *contractValidator) check(t *testing.T, name, op, key string, r contractRequest) int {
	t.Helper()
	method, _, _ := strings.Cut(op, " ")
	req, err := http.NewRequest(method, v.h.URL+r.path, strings.NewReader(r.body))
	require.NoError(t, err)
	if r.body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, vals := range r.header {
		req.Header[k] = vals
	}
	if !r.noKey {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if r.chunked {
		req.ContentLength = -1
		req.TransferEncoding = []string{"chunked"}
	}
	res, err := v.client.Do(req)
	require.NoError(t, err, name)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err, name)
	require.NoError(t, res.Body.Close())

	route, params, err := v.router.FindRoute(req)
	require.NoError(t, err, name)
	require.Equal(t, op, route.Method+" "+route.Path, "%s: the request is for another operation", name)
	response := route.Operation.Responses.Status(res.StatusCode)
	require.NotNil(t, response, "%s: status %d is not in the document: %s", name, res.StatusCode, body)
	for _, h := range contractHeaders {
		if res.Header.Get(h) == "" {
			continue
		}
		declared := slices.ContainsFunc(slices.Collect(maps.Keys(response.Value.Headers)), func(k string) bool { return strings.EqualFold(k, h) })
		require.True(t, declared, "%s: the server sends %s with %d, the document does not declare it", name, h, res.StatusCode)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	require.NoError(t, openapi3filter.ValidateResponse(context.Background(), input), "%s: %d %s", name, res.StatusCode, body)
	if res.StatusCode < 300 {
		// A request the server took must fit the document too.
		req.Body = io.NopCloser(strings.NewReader(r.body))
		require.NoError(t, openapi3filter.ValidateRequest(context.Background(), input.RequestValidationInput), "%s: the request does not fit the document", name)
	}
	return res.StatusCode
}

// contractFixture is what the contract cases build their requests from: the
// starter account of setupBatchAPI and helpers that create fresh resources.
type contractFixture struct {
	*batchAPIBundle
	t *testing.T
}

// batch creates a JSON batch through v1 and puts it in status.
func (f *contractFixture) batch(status models.Status) string {
	f.t.Helper()
	id := f.createBatch(f.t)
	f.setStatus(f.t, id, status)
	return id.String()
}

// failedBatch creates a FINISHED JSON batch one of whose records failed.
func (f *contractFixture) failedBatch() string {
	f.t.Helper()
	id := f.batch(models.StatusFinished)
	_, err := f.h.Pool.Exec(context.Background(), "UPDATE batches SET total_count = 2, processed_count = 2, inserted_count = 1, failed_count = 1 WHERE id = $1", id)
	require.NoError(f.t, err)
	return id
}

// flow creates a flow and returns its ID.
func (f *contractFixture) flow() string {
	f.t.Helper()
	res := f.h.API(f.t, f.key, http.MethodPost, "/api/v1/flows", strings.NewReader(`{"name":"Flow `+uuid.NewString()+`"}`), jsonHeader)
	require.Equal(f.t, http.StatusCreated, res.StatusCode, res.Body)
	return decodeID(f.t, res.Body)
}

// webhook creates a webhook and returns its ID.
func (f *contractFixture) webhook() string {
	f.t.Helper()
	res := f.h.API(f.t, f.key, http.MethodPost, "/api/v1/webhooks",
		strings.NewReader(`{"url":"https://hooks.example.invalid/`+uuid.NewString()+`","events":["batch.finished"]}`), jsonHeader)
	require.Equal(f.t, http.StatusCreated, res.StatusCode, res.Body)
	return decodeID(f.t, res.Body)
}

// ifaceJSON is the body of a JSON interface with the given scopes.
func (f *contractFixture) ifaceJSON(scopes ...string) string {
	quoted, err := json.Marshal(scopes)
	require.NoError(f.t, err)
	return `{"name":"Interface ` + uuid.NewString() + `","format":"json","scopes":` + string(quoted) + `,"flow_id":"` + f.flowID.String() +
		`","fields":[{"name":"external_id","source":"external_id","type":"string","required":true}]}`
}

// iface creates a JSON interface with the given scopes and returns its ID.
func (f *contractFixture) iface(scopes ...string) string {
	f.t.Helper()
	res := f.h.API(f.t, f.key, http.MethodPost, "/api/v1/interfaces", strings.NewReader(f.ifaceJSON(scopes...)), jsonHeader)
	require.Equal(f.t, http.StatusCreated, res.StatusCode, res.Body)
	return decodeID(f.t, res.Body)
}

// file uploads a file holding "hello" and returns its ID.
func (f *contractFixture) file() string {
	f.t.Helper()
	ct, body := batchMultipart(f.t, formPart{name: "file", fileName: "hello-" + uuid.NewString() + ".txt", value: "hello"})
	res := f.h.API(f.t, f.key, http.MethodPost, "/api/v1/files", body, http.Header{"Content-Type": {ct}})
	require.Equal(f.t, http.StatusCreated, res.StatusCode, res.Body)
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	require.NoError(f.t, json.Unmarshal([]byte(res.Body), &list))
	return list.Data[0].ID
}

// batchFileID is the file ID of one of a batch's files.
func (f *contractFixture) batchFileID(batchID string, kind models.FileKind) string {
	f.t.Helper()
	var id uuid.UUID
	require.NoError(f.t, f.h.Pool.QueryRow(context.Background(),
		"SELECT id FROM files WHERE batch_id = $1 AND kind = $2", batchID, string(kind)).Scan(&id))
	return id.String()
}

func decodeID(t *testing.T, body string) string {
	t.Helper()
	var doc struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &doc), body)
	return doc.ID
}

func batchURL(id string) string { return "/api/v1/batches/" + id }

// call is a request without a body; the method is the case's operation's.
func call(path string) contractRequest { return contractRequest{path: path} }

func withBody(path, body string) contractRequest {
	return contractRequest{path: path, body: body, header: http.Header{}}
}

func jsonBody(path, body string) contractRequest {
	return withType(withBody(path, body), "application/json")
}

func withType(r contractRequest, contentType string) contractRequest {
	return withHeader(r, "Content-Type", contentType)
}

func withHeader(r contractRequest, name, value string) contractRequest {
	if r.header == nil {
		r.header = http.Header{}
	}
	r.header.Set(name, value)
	return r
}

func multipartPost(f *contractFixture, path string, parts ...formPart) contractRequest {
	ct, body := batchMultipart(f.t, parts...)
	return withType(withBody(path, body.String()), ct)
}
