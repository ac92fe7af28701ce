package app

import (
	"maps"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// apiOperation is one operation of the HTTP API, as the OpenAPI document and
// the API page describe it. Paths use OpenAPI templating ({id}).
type apiOperation struct {
	Method      string
	Path        string
	Summary     string
	Description string
	Tag         string
	Public      bool     // no API key needed
	Query       []string // names of query parameters, described in queryParams
	Headers     []string // names of request headers, described in headerParams
	Body        map[string]any
	Responses   map[string]any
}

// apiOperations lists every /api/ route. A test checks it against the
// registered routes: add an operation here with every new API route.
func apiOperations() []apiOperation {
	ops := append([]apiOperation(nil), batchAPIOperations...)
	ops = append(ops, catalogAPIOperations...)
	ops = append(ops, mappingAPIOperations...)
	ops = append(ops, fileAPIOperations...)
	return append(ops, webhookAPIOperations...)
}

var batchDocRef = ref("Batch")

var batchAPIOperations = []apiOperation{
	{
		Method: "POST", Path: "/api/v1/interfaces/{id}/batch", Tag: "Batches",
		Summary: "Send a batch (v1: raw body, JSON, XML, CSV or XLSX)",
		Description: "The raw body in the interface's format becomes the input of a new batch. " +
			"Content-Type must fit the format (application/json, application/xml, text/csv or, for XLSX, " +
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or application/octet-stream), otherwise 415. " +
			"A body whose content is another format (JSON sent to a CSV interface) gets 422 saying so. " +
			"Up to 64 MiB by default (FLOWBATCH_V1_MAX_BYTES); larger bodies get 413.",
		Headers: []string{"X-Batch-Status", "X-Batch-Name", "X-Batch-Designer", "X-Batch-Mapping", "Idempotency-Key"},
		Body: map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": map[string]any{}, "examples": jsonPayloadExamples},
			"application/xml":  map[string]any{"schema": map[string]any{"type": "string"}},
			"text/csv":         map[string]any{"schema": map[string]any{"type": "string"}, "examples": csvPayloadExamples},
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}},
		}},
		Responses: merge(created(), problems("400", "401", "403", "404", "409", "413", "415", "422", "429", "507")),
	},
	{
		Method: "POST", Path: "/api/v2/interfaces/{id}/batch", Tag: "Batches",
		Summary: "Send a batch (v2: multipart file or raw body, every format, streamed)",
		Description: "multipart/form-data with the payload in the part `file` (optional parts name, description, " +
			"input_name, output_name, flow_id, designer; other parts are ignored), or a raw body with the format's Content-Type. " +
			"Interfaces of every format (JSON, XML, CSV, XLSX); XML gets the same refusals as v1 (no DTD, no external entities). " +
			"A payload whose content is another format gets 422 saying so. Up to 1 GiB by default (FLOWBATCH_V2_MAX_BYTES), " +
			"streamed to storage; `Content-Encoding: gzip` is accepted, the limit applying to the decompressed bytes.",
		Headers: []string{"X-Batch-Status", "X-Batch-Name", "X-Batch-Designer", "X-Batch-Mapping", "Content-Encoding", "Idempotency-Key"},
		Body: map[string]any{"required": true, "content": map[string]any{
			"multipart/form-data": map[string]any{
				"schema": map[string]any{
					"type":     "object",
					"required": []string{"file"},
					"properties": map[string]any{
						"file":        map[string]any{"type": "string", "contentMediaType": "application/octet-stream", "description": "The payload (JSON, XML, CSV or XLSX)."},
						"name":        map[string]any{"type": "string", "maxLength": 120, "description": "Batch name; overrides X-Batch-Name."},
						"description": map[string]any{"type": "string", "maxLength": 2000},
						"input_name":  map[string]any{"type": "string", "maxLength": 120, "description": "Name of the input file (default: the uploaded file's name, else input.<format>)."},
						"output_name": map[string]any{"type": "string", "maxLength": 120, "description": "Name of the output file (default output.json)."},
						"flow_id":     map[string]any{"type": "string", "format": "uuid", "description": "Flow to insert into (default: the interface's flow)."},
						"designer":    map[string]any{"type": "boolean", "description": "A designer batch processes only its first 20 records."},
						"mapping":     map[string]any{"type": "string", "description": "A column map as JSON (see ColumnMap); overrides X-Batch-Mapping."},
					},
				},
			},
			"application/json": map[string]any{"schema": map[string]any{}, "examples": jsonPayloadExamples},
			"application/xml":  map[string]any{"schema": map[string]any{"type": "string"}},
			"text/csv":         map[string]any{"schema": map[string]any{"type": "string"}, "examples": csvPayloadExamples},
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}},
		}},
		Responses: merge(created(), problems("400", "401", "403", "404", "409", "413", "415", "422", "429", "507")),
	},
	{
		Method: "GET", Path: "/api/v1/batches", Tag: "Batches",
		Summary:     "List batches, newest first",
		Description: "One page at a time: pass the answer's next_cursor as cursor for the next page (null on the last page).",
		Query:       []string{"status", "limit", "cursor"},
		Responses: merge(map[string]any{"200": jsonResponse("A page of batches.", map[string]any{
			"type": "object",
			"properties": map[string]any{
				"data":        map[string]any{"type": "array", "items": batchDocRef},
				"next_cursor": map[string]any{"type": []string{"string", "null"}},
			},
		})}, problems("400", "401", "429")),
	},
	{
		Method: "GET", Path: "/api/v1/batches/{id}", Tag: "Batches",
		Summary:     "The batch report",
		Description: "Status, counts, the four timestamps, durations and files with download URLs.",
		Responses:   merge(map[string]any{"200": jsonResponse("The batch.", batchDocRef)}, problems("401", "404", "429")),
	},
	{
		Method: "DELETE", Path: "/api/v1/batches/{id}", Tag: "Batches",
		Summary:     "Delete a batch and its files",
		Description: "Only DRAFT, FINISHED and ERROR batches (409 otherwise). Records already inserted stay in their flow.",
		Responses:   merge(map[string]any{"204": map[string]any{"description": "Deleted."}}, problems("401", "404", "409", "429")),
	},
	{
		Method: "POST", Path: "/api/v1/batches/{id}/run", Tag: "Batches",
		Summary:     "Run a DRAFT batch",
		Description: "The batch becomes READY and is queued. 409 unless DRAFT; 422 naming what is missing (interface, flow, input).",
		Responses:   merge(map[string]any{"200": jsonResponse("The batch, now READY.", batchDocRef)}, problems("401", "404", "409", "422", "429", "507")),
	},
	{
		Method: "POST", Path: "/api/v1/batches/{id}/clone", Tag: "Batches",
		Summary:     "Clone a batch",
		Description: "A new DRAFT with the batch's settings and input, from any status.",
		Headers:     []string{"Idempotency-Key"},
		Responses:   merge(created(), problems("400", "401", "404", "409", "422", "429", "507")),
	},
	{
		Method: "POST", Path: "/api/v1/batches/{id}/cancel", Tag: "Batches",
		Summary:     "Cancel a PROCESSING batch",
		Description: "The worker stops at its next chunk and the batch ends ERROR \"cancelled\" with the files of what it did; a READY batch (still waiting for a worker) ends at once. 409 unless READY or PROCESSING.",
		Responses:   merge(map[string]any{"202": jsonResponse("Cancellation requested.", batchDocRef)}, problems("401", "404", "409", "429")),
	},
	{
		Method: "GET", Path: "/api/v1/batches/{id}/files/{kind}", Tag: "Batches",
		Summary: "Download a file of a batch",
		Description: "kind is input, output, process, error or failed. 404 when the batch has no such file (e.g. no error file). " +
			"The input and the failed records have the format's content type, output.json application/json, process.log and error.log application/x-ndjson. " +
			"ETag, If-None-Match and Range as for /api/v1/files/{id}/content.",
		Headers:   downloadHeaders,
		Responses: merge(downloadResponses("application/json", "application/xml", "text/csv", "application/x-ndjson"), problems("401", "404", "429")),
	},
	{
		Method: "POST", Path: "/api/v1/batches/{id}/rerun-failed", Tag: "Batches",
		Summary: "Re-run the failed records of a batch",
		Description: "A new DRAFT batch (201) with the batch's interface, flow and format whose input is the batch's failed records file " +
			"(kind failed), linked by parent_batch_id. Send a raw body in the batch's format (the corrected records, Content-Type as for v1) " +
			"to use it instead. X-Batch-Status: READY queues the new batch at once. 409 when the batch has not ended or no record failed.",
		Headers:   []string{"X-Batch-Status", "Idempotency-Key"},
		Responses: merge(created(), problems("400", "401", "404", "409", "413", "415", "422", "429", "507")),
	},
	{
		Method: "GET", Path: "/api/openapi.json", Tag: "Meta", Public: true,
		Summary:   "This OpenAPI document",
		Responses: map[string]any{"200": jsonResponse("The OpenAPI 3.1 document.", map[string]any{"type": "object"})},
	},
}

var queryParams = map[string]map[string]any{
	"archived": {"description": "true to include archived ones.", "schema": map[string]any{"type": "boolean", "default": false}},
	"folder":   {"description": "Folder path, e.g. samples or batch/<name>-<id> (\"\" is the root).", "schema": map[string]any{"type": "string"}},
	"sort":     {"description": "Sort column.", "schema": map[string]any{"type": "string", "enum": []string{"name", "size", "date"}}},
	"desc":     {"description": "true for descending order.", "schema": map[string]any{"type": "boolean"}},
	"page":     {"description": "Page number, from 1.", "schema": map[string]any{"type": "integer", "minimum": 1}},
	"per_page": {"description": "Entries per page.", "schema": map[string]any{"type": "integer", "minimum": 1}},
	"status":   {"description": "Only batches in this status.", "schema": map[string]any{"type": "string", "enum": []string{"DRAFT", "READY", "PROCESSING", "FINISHED", "ERROR"}}},
	"limit":    {"description": "Batches per page (1–200, default 50).", "schema": map[string]any{"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
	"cursor":   {"description": "The next_cursor of the previous page.", "schema": map[string]any{"type": "string"}},
}

// jsonPayloadExamples and csvPayloadExamples show a payload and the empty
// ones the API accepts: they make a batch that ends FINISHED with 0 records.
var jsonPayloadExamples = map[string]any{
	"records": map[string]any{"summary": "Two records", "value": []any{
		map[string]any{"external_id": "c1", "email": "ada@example.com"}, map[string]any{"external_id": "c2", "email": "grace@example.com"},
	}},
	"empty": map[string]any{"summary": "No records: accepted, the batch ends FINISHED with 0 records", "value": []any{}},
}

var csvPayloadExamples = map[string]any{
	"records":    map[string]any{"summary": "A header row and two records", "value": "external_id,email\nc1,ada@example.com\nc2,grace@example.com\n"},
	"headerOnly": map[string]any{"summary": "Only the header row: accepted, the batch ends FINISHED with 0 records", "value": "external_id,email\n"},
}

var headerParams = map[string]map[string]any{
	"X-Batch-Status":   {"description": "READY queues the batch in the same request (case-insensitive); without it the batch stays DRAFT. Any other value: 400.", "schema": map[string]any{"type": "string", "enum": []string{"READY"}}},
	"X-Batch-Name":     {"description": "The batch's name (default: the interface's name and the UTC time).", "schema": map[string]any{"type": "string", "maxLength": 120}},
	"X-Batch-Designer": {"description": "true for a designer batch: only its first 20 records are processed.", "schema": map[string]any{"type": "boolean", "default": false}},
	"X-Batch-Mapping":  {"description": "A column map as JSON, field name → column name (null for none); checked against the input (422). See ColumnMap.", "schema": map[string]any{"type": "string"}},
	"Content-Encoding": {"description": "gzip to send the payload compressed; the size limit applies to the decompressed bytes.", "schema": map[string]any{"type": "string", "enum": []string{"gzip"}}},
	"Range":            {"description": "One byte range, e.g. bytes=0-1023 or bytes=-500 (several ranges get the whole file).", "schema": str},
	"If-None-Match":    {"description": "The ETag of the copy you have: 304 when it is still current.", "schema": str},
	"If-Range":         {"description": "With Range: the ETag of the copy you have; the range is sent only if it is still current, else the whole file.", "schema": str},
	"Idempotency-Key": {"description": "Makes the request safe to retry: the same key with the same request within 24 hours gets the first answer again (header Idempotent-Replayed: true); " +
		"with a different request 422; while the first is still running 409. 1 to 255 visible ASCII characters (a UUID works well); otherwise 400.",
		"schema": map[string]any{"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7E]+$"}},
}

// responseHeaders describes, by name, the headers the API sends.
var responseHeaders = map[string]map[string]any{
	"Location":              {"description": "URL of the new resource.", "schema": map[string]any{"type": "string", "format": "uri-reference"}},
	"ETag":                  {"description": "The file's SHA-256 in quotes (a weak tag for a file stored without one).", "schema": str},
	"Content-Disposition":   {"description": "attachment; filename=\"<ASCII name>\"; filename*=UTF-8''<exact name, percent-encoded>.", "schema": str},
	"Content-Range":         {"description": "bytes <first>-<last>/<size> on 206; bytes */<size> on 416.", "schema": str},
	"X-Content-SHA256":      {"description": "Hex SHA-256 of the whole file.", "schema": str},
	"Accept-Ranges":         {"description": "bytes", "schema": str},
	"Last-Modified":         {"description": "When the file last changed.", "schema": str},
	"Retry-After":           {"description": "Seconds until the rate-limit window starts over.", "schema": map[string]any{"type": "integer", "minimum": 0}},
	"WWW-Authenticate":      {"description": "Bearer realm=\"flowbatch\".", "schema": str},
	"X-RateLimit-Limit":     {"description": "Requests this API key may send per window (FLOWBATCH_API_RATE_LIMIT a minute).", "schema": map[string]any{"type": "integer", "minimum": 0}},
	"X-RateLimit-Remaining": {"description": "Requests left in the current window.", "schema": map[string]any{"type": "integer", "minimum": 0}},
	"X-RateLimit-Reset":     {"description": "Seconds until the window starts over.", "schema": map[string]any{"type": "integer", "minimum": 0}},
}

// rateLimitHeaders are sent on every answer to a request with a valid API key.
var rateLimitHeaders = []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}

// withHeaders returns a copy of response r that also declares the named
// response headers, required or not.
func withHeaders(r map[string]any, required bool, names ...string) map[string]any {
	out := maps.Clone(r)
	hs := map[string]any{}
	if old, ok := r["headers"].(map[string]any); ok {
		maps.Copy(hs, old)
	}
	for _, name := range names {
		hs[name] = merge(responseHeaders[name], map[string]any{"required": required})
	}
	out["headers"] = hs
	return out
}

// operationResponses are op's own responses plus those every operation of
// its kind may give: 431 to all; 417 where there is a body; 411 and 413
// where the body is read whole;
// behind a key 401 with WWW-Authenticate, 429 with Retry-After, and the
// X-RateLimit-* headers on every answer that got past the key check.
func operationResponses(op apiOperation) map[string]any {
	extra := []string{"431"}
	if op.Body != nil {
		extra = append(extra, "417")
	}
	if op.Body != nil && !slices.ContainsFunc(streamedRoutes, func(r streamedRoute) bool { return r.path.MatchString(op.Path) }) {
		extra = append(extra, "411", "413")
	}
	if !op.Public {
		extra = append(extra, "401", "429")
	}
	out := merge(problems(extra...), op.Responses)
	if op.Public {
		return out
	}
	for code, r := range out {
		resp := r.(map[string]any)
		switch code {
		case "401":
			resp = withHeaders(resp, true, "WWW-Authenticate")
		case "429":
			resp = withHeaders(resp, true, "Retry-After")
		}
		if code != "401" && code != "431" {
			resp = withHeaders(resp, false, rateLimitHeaders...)
		}
		out[code] = resp
	}
	return out
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func jsonResponse(description string, schema any) map[string]any {
	return map[string]any{"description": description, "content": map[string]any{"application/json": map[string]any{"schema": schema}}}
}

func created() map[string]any {
	return map[string]any{"201": withHeaders(jsonResponse("Created: the new batch; Location is its URL.", batchDocRef), true, "Location")}
}

var problemText = map[string]string{
	"400": "Bad request (a header or form value is not valid, malformed multipart, too many parts).",
	"401": "No API key, or an unknown or revoked one.",
	"403": "The interface does not have the scope batch.",
	"404": "No such resource in your account.",
	"409": "Not allowed in the batch's status, or a request with the same Idempotency-Key is in progress.",
	"411": "A chunked body sent to an operation that reads its body whole: send it with Content-Length.",
	"413": "The body is larger than the operation's limit, named in detail (4 MiB for JSON documents). Also an upload larger than the space left in the account's storage quota.",
	"417": "Sent with Expect: 100-continue, a body the operation would refuse from its headers alone (a Content-Length over the limit, named in detail; a chunked body where Content-Length is needed): answered before the body is sent, and the connection closes.",
	"416": "The range starts beyond the end of the file; Content-Range gives the file's size.",
	"415": "The Content-Type does not fit the interface's format.",
	"422": "Invalid input (see errors), an empty or whitespace-only payload (no records; `[]` and a CSV with only its header row are accepted and end FINISHED with 0 records), a payload whose content is of another format than the interface's, a batch that cannot run yet, or an Idempotency-Key sent before with another request.",
	"429": "Too many requests for this API key; see Retry-After.",
	"431": "The request line and headers are larger than 16 KiB.",
	"507": "The account's files fill its storage quota (FLOWBATCH_ACCOUNT_QUOTA); delete files or batches to make room.",
}

func problems(codes ...string) map[string]any {
	m := make(map[string]any, len(codes))
	for _, code := range codes {
		m[code] = map[string]any{"description": problemText[code], "content": map[string]any{
			"application/problem+json": map[string]any{"schema": ref("Problem")},
		}}
	}
	return m
}

func merge(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

var nullableTime = map[string]any{"type": []string{"string", "null"}, "format": "date-time"}
var nullableSeconds = map[string]any{"type": []string{"number", "null"}}

var apiSchemas = map[string]any{
	"Problem": map[string]any{
		"type":     "object",
		"required": []string{"type", "title", "status"},
		"properties": map[string]any{
			"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"},
			"status": map[string]any{"type": "integer"}, "detail": map[string]any{"type": "string"},
			"instance": map[string]any{"type": "string"},
			"errors":   map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}, "description": "One message per invalid field."},
		},
	},
	"Batch": map[string]any{
		"type": "object",
		"properties": map[string]any{
			"id":            map[string]any{"type": "string", "format": "uuid"},
			"url":           map[string]any{"type": "string", "format": "uri"},
			"name":          map[string]any{"type": "string"},
			"description":   map[string]any{"type": "string"},
			"status":        map[string]any{"type": "string", "enum": []string{"DRAFT", "READY", "PROCESSING", "FINISHED", "ERROR"}},
			"format":        map[string]any{"type": "string", "enum": []string{"json", "xml", "csv"}},
			"source":        map[string]any{"type": "string", "enum": []string{"ui", "api_v1", "api_v2"}},
			"designer":      map[string]any{"type": "boolean"},
			"interface_id":  map[string]any{"type": []string{"string", "null"}, "format": "uuid"},
			"flow_id":       map[string]any{"type": []string{"string", "null"}, "format": "uuid"},
			"error_message": map[string]any{"type": "string"},
			"counts": map[string]any{"type": "object", "properties": map[string]any{
				"total": map[string]any{"type": "integer"}, "processed": map[string]any{"type": "integer"},
				"inserted": map[string]any{"type": "integer"}, "updated": map[string]any{"type": "integer"},
				"failed": map[string]any{"type": "integer"},
			}},
			"created_at":  map[string]any{"type": "string", "format": "date-time"},
			"ready_at":    nullableTime,
			"started_at":  nullableTime,
			"finished_at": nullableTime,
			"durations": map[string]any{"type": "object", "properties": map[string]any{
				"queue_seconds":      nullableSeconds,
				"processing_seconds": nullableSeconds,
				"total_seconds":      nullableSeconds,
			}},
			"files": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
				"kind":         map[string]any{"type": "string", "enum": []string{"input", "output", "process", "error", "failed"}},
				"name":         map[string]any{"type": "string"},
				"folder":       map[string]any{"type": "string"},
				"size":         map[string]any{"type": "integer"},
				"content_type": map[string]any{"type": "string"},
				"sha256":       map[string]any{"type": "string"},
				"url":          map[string]any{"type": "string", "format": "uri"},
				"created_at":   map[string]any{"type": "string", "format": "date-time"},
			}}},
			"outcome": map[string]any{"type": []string{"string", "null"}, "enum": []any{"clean", "with_errors", "all_failed", "cancelled", "error", nil},
				"description": "How the batch ended, null until it has: FINISHED clean, with_errors (some records failed) or all_failed; ERROR cancelled or error."},
			"error_summary": map[string]any{"type": "array", "description": "The largest groups of failed records (at most 20), by field and message, largest first.",
				"items": map[string]any{"type": "object", "properties": map[string]any{
					"field":    map[string]any{"type": "string", "description": "\"\" when the whole record is at fault."},
					"message":  map[string]any{"type": "string"},
					"count":    map[string]any{"type": "integer"},
					"examples": map[string]any{"type": "array", "items": map[string]any{"type": "integer"}, "description": "0-based indices of the group's first records."},
				}}},
			"parent_batch_id": map[string]any{"type": []string{"string", "null"}, "format": "uuid", "description": "The batch whose failed records this batch re-runs."},
		},
	},
}

// openAPIDocument builds the OpenAPI 3.1 document of the API.
func (s *Server) openAPIDocument() map[string]any {
	paths := map[string]any{}
	for _, op := range apiOperations() {
		item, _ := paths[op.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[op.Path] = item
		}
		var params []any
		for _, name := range pathParams(op.Path) {
			params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, name := range op.Query {
			params = append(params, merge(map[string]any{"name": name, "in": "query"}, queryParams[name]))
		}
		for _, name := range op.Headers {
			params = append(params, merge(map[string]any{"name": name, "in": "header"}, headerParams[name]))
		}
		o := map[string]any{
			"summary": op.Summary, "tags": []string{op.Tag}, "responses": operationResponses(op),
			"operationId": strings.ToLower(op.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", ".", "_").Replace(op.Path),
		}
		if op.Description != "" {
			o["description"] = op.Description
		}
		if params != nil {
			o["parameters"] = params
		}
		if op.Body != nil {
			o["requestBody"] = op.Body
		}
		if op.Public {
			o["security"] = []any{}
		}
		item[strings.ToLower(op.Method)] = o
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Flowbatch API",
			"version": "1",
			"description": "Send batches of records and follow them to the end. Authenticate with `Authorization: Bearer <key>` " +
				"or `X-API-Key: <key>`. Errors are application/problem+json (RFC 9457), including 404 for an /api/ path " +
				"that no operation has and 405, with Allow, for a method the path does not take. Every answer to a request " +
				"with a valid key carries X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset.",
		},
		"servers": []any{map[string]any{"url": s.cfg.BaseURL}},
		"security": []any{
			map[string]any{"bearer": []string{}},
			map[string]any{"apiKey": []string{}},
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": merge(apiSchemas, catalogSchemas, fileSchemas, webhookSchemas, mappingSchemas),
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
				"apiKey": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"},
			},
		},
	}
}

// pathParams are the {names} in an OpenAPI path.
func pathParams(path string) []string {
	var names []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			names = append(names, seg[1:len(seg)-1])
		}
	}
	return names
}

// apiOpenAPI answers GET /api/openapi.json.
func (s *Server) apiOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.JSON(s.openAPIDocument())
}
