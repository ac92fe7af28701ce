package app

import (
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
	return append(ops, fileAPIOperations...)
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
		Headers: []string{"X-Batch-Status", "X-Batch-Name", "X-Batch-Designer"},
		Body: map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": map[string]any{}},
			"application/xml":  map[string]any{"schema": map[string]any{"type": "string"}},
			"text/csv":         map[string]any{"schema": map[string]any{"type": "string"}},
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}},
		}},
		Responses: merge(created(), problems("400", "401", "403", "404", "413", "415", "422", "429")),
	},
	{
		Method: "POST", Path: "/api/v2/interfaces/{id}/batch", Tag: "Batches",
		Summary: "Send a batch (v2: multipart file or raw body, every format, streamed)",
		Description: "multipart/form-data with the payload in the part `file` (optional parts name, description, " +
			"input_name, output_name, flow_id, designer; other parts are ignored), or a raw body with the format's Content-Type. " +
			"Interfaces of every format (JSON, XML, CSV, XLSX); XML gets the same refusals as v1 (no DTD, no external entities). " +
			"A payload whose content is another format gets 422 saying so. Up to 1 GiB by default (FLOWBATCH_V2_MAX_BYTES), " +
			"streamed to storage; `Content-Encoding: gzip` is accepted, the limit applying to the decompressed bytes.",
		Headers: []string{"X-Batch-Status", "X-Batch-Name", "X-Batch-Designer", "Content-Encoding"},
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
					},
				},
			},
			"application/json": map[string]any{"schema": map[string]any{}},
			"application/xml":  map[string]any{"schema": map[string]any{"type": "string"}},
			"text/csv":         map[string]any{"schema": map[string]any{"type": "string"}},
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}},
		}},
		Responses: merge(created(), problems("400", "401", "403", "404", "413", "415", "422", "429")),
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
		Responses:   merge(map[string]any{"200": jsonResponse("The batch, now READY.", batchDocRef)}, problems("401", "404", "409", "422", "429")),
	},
	{
		Method: "POST", Path: "/api/v1/batches/{id}/clone", Tag: "Batches",
		Summary:     "Clone a batch",
		Description: "A new DRAFT with the batch's settings and input, from any status.",
		Responses:   merge(created(), problems("401", "404", "429")),
	},
	{
		Method: "POST", Path: "/api/v1/batches/{id}/cancel", Tag: "Batches",
		Summary:     "Cancel a PROCESSING batch",
		Description: "The worker stops at its next chunk and the batch ends ERROR \"cancelled\" with the files of what it did. 409 unless PROCESSING.",
		Responses:   merge(map[string]any{"202": jsonResponse("Cancellation requested.", batchDocRef)}, problems("401", "404", "409", "429")),
	},
	{
		Method: "GET", Path: "/api/v1/batches/{id}/files/{kind}", Tag: "Batches",
		Summary:     "Download a file of a batch",
		Description: "kind is input, output, process or error. 404 when the batch has no such file (e.g. no error file).",
		Responses: merge(map[string]any{"200": map[string]any{
			"description": "The file's content, with its content type and name (Content-Disposition).",
			"content":     map[string]any{"application/octet-stream": map[string]any{"schema": map[string]any{"type": "string"}}},
		}}, problems("401", "404", "429")),
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

var headerParams = map[string]map[string]any{
	"X-Batch-Status":   {"description": "READY queues the batch in the same request (case-insensitive); without it the batch stays DRAFT. Any other value: 400.", "schema": map[string]any{"type": "string", "enum": []string{"READY"}}},
	"X-Batch-Name":     {"description": "The batch's name (default: the interface's name and the UTC time).", "schema": map[string]any{"type": "string", "maxLength": 120}},
	"X-Batch-Designer": {"description": "true for a designer batch: only its first 20 records are processed.", "schema": map[string]any{"type": "boolean", "default": false}},
	"Content-Encoding": {"description": "gzip to send the payload compressed; the size limit applies to the decompressed bytes.", "schema": map[string]any{"type": "string", "enum": []string{"gzip"}}},
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func jsonResponse(description string, schema any) map[string]any {
	return map[string]any{"description": description, "content": map[string]any{"application/json": map[string]any{"schema": schema}}}
}

func created() map[string]any {
	r := jsonResponse("Created: the new batch; Location is its URL.", batchDocRef)
	r["headers"] = map[string]any{"Location": map[string]any{"description": "URL of the batch.", "schema": map[string]any{"type": "string", "format": "uri"}}}
	return map[string]any{"201": r}
}

var problemText = map[string]string{
	"400": "Bad request (a header or form value is not valid, malformed multipart, too many parts).",
	"401": "No API key, or an unknown or revoked one.",
	"403": "The interface does not have the scope batch.",
	"404": "No such resource in your account.",
	"409": "Not allowed in the batch's status.",
	"413": "The payload is larger than the limit, named in detail.",
	"415": "The Content-Type does not fit the interface's format.",
	"422": "Invalid input (see errors), an empty payload (no records), or a batch that cannot run yet.",
	"429": "Too many requests for this API key; see Retry-After.",
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
				"kind":         map[string]any{"type": "string", "enum": []string{"input", "output", "process", "error"}},
				"name":         map[string]any{"type": "string"},
				"folder":       map[string]any{"type": "string"},
				"size":         map[string]any{"type": "integer"},
				"content_type": map[string]any{"type": "string"},
				"sha256":       map[string]any{"type": "string"},
				"url":          map[string]any{"type": "string", "format": "uri"},
				"created_at":   map[string]any{"type": "string", "format": "date-time"},
			}}},
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
			"summary": op.Summary, "tags": []string{op.Tag}, "responses": op.Responses,
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
				"or `X-API-Key: <key>`. Errors are application/problem+json (RFC 9457).",
		},
		"servers": []any{map[string]any{"url": s.cfg.BaseURL}},
		"security": []any{
			map[string]any{"bearer": []string{}},
			map[string]any{"apiKey": []string{}},
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": merge(apiSchemas, catalogSchemas, fileSchemas),
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
