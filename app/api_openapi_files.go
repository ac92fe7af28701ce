package app

// fileAPIOperations describe the file manager routes in the OpenAPI document
// and on the API page.
var fileAPIOperations = []apiOperation{
	{
		Method: "GET", Path: "/api/v1/files", Tag: "Files", Summary: "List a folder",
		Description: "A page of the folder, sub-folders first, as in the file manager; folder=batch/… lists a batch's files.",
		Query:       []string{"folder", "sort", "desc", "page", "per_page"},
		Responses: merge(map[string]any{"200": jsonResponse("The folder's page.", map[string]any{
			"type": "object",
			"properties": map[string]any{
				"folder":        str,
				"folders":       map[string]any{"type": "array", "items": map[string]any{"type": "object"}},
				"data":          map[string]any{"type": "array", "items": ref("File")},
				"page":          map[string]any{"type": "integer"},
				"per_page":      map[string]any{"type": "integer"},
				"pages":         map[string]any{"type": "integer"},
				"total_folders": map[string]any{"type": "integer"},
				"total_files":   map[string]any{"type": "integer"},
			},
		})}, problems("401", "404", "429")),
	},
	{
		Method: "POST", Path: "/api/v1/files", Tag: "Files", Summary: "Upload files",
		Description: "multipart/form-data with one or more file parts, streamed to storage, into ?folder=. All files are stored or none.",
		Query:       []string{"folder"},
		Body: map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{
			"schema": map[string]any{
				"type": "object",
				"properties": map[string]any{"file": map[string]any{
					"type": "array", "items": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"},
					"description": "The files, one part each. A file in a part of another name is stored too.",
				}},
				"additionalProperties": true,
			},
		}}},
		Responses: merge(map[string]any{"201": jsonResponse("The stored files.", listOf(ref("File")))}, problems("400", "401", "404", "409", "413", "415", "422", "429", "507")),
	},
	{
		Method: "GET", Path: "/api/v1/files/{id}", Tag: "Files", Summary: "A file's details",
		Responses: merge(map[string]any{"200": jsonResponse("The file.", ref("File"))}, problems("401", "404", "429")),
	},
	{
		Method: "GET", Path: "/api/v1/files/{id}/content", Tag: "Files", Summary: "Download a file",
		Description: "The bytes as stored, with the file's content type (HTML, SVG and XSLT as application/octet-stream), " +
			"its SHA-256 as ETag, If-None-Match (304) and one byte range (206; 416 beyond the end).",
		Headers:   downloadHeaders,
		Responses: merge(downloadResponses("*/*"), problems("401", "404", "429")),
	},
	{
		Method: "DELETE", Path: "/api/v1/files/{id}", Tag: "Files", Summary: "Delete a file",
		Description: "A batch's file is refused with 409: it goes with its batch.",
		Responses:   merge(map[string]any{"204": map[string]any{"description": "Deleted."}}, problems("401", "404", "409", "429")),
	},
}

// downloadHeaders are the request headers of a download (sendFile).
var downloadHeaders = []string{"Range", "If-Range", "If-None-Match"}

// downloadResponses are the answers of an operation that sends a file with
// sendFile, in the given content types ("*/*": the file's own).
func downloadResponses(types ...string) map[string]any {
	// No schema: the bytes are the file's as stored, whatever their type.
	content := map[string]any{}
	for _, t := range types {
		content[t] = map[string]any{}
	}
	file := func(description string) map[string]any {
		r := map[string]any{"description": description, "content": content}
		r = withHeaders(r, true, "ETag", "Content-Disposition", "Accept-Ranges", "Last-Modified")
		return withHeaders(r, false, "X-Content-SHA256")
	}
	notSatisfiable := withHeaders(problems("416")["416"].(map[string]any), true, "Content-Range")
	return map[string]any{
		"200": file("The file's bytes."),
		"206": withHeaders(file("The requested byte range."), true, "Content-Range"),
		"304": withHeaders(map[string]any{"description": "Not modified: If-None-Match names the current ETag."}, true, "ETag"),
		"416": notSatisfiable,
	}
}

var fileSchemas = map[string]any{
	"File": map[string]any{"type": "object", "properties": map[string]any{
		"id": map[string]any{"type": "string", "format": "uuid"}, "folder": str, "name": str,
		"size": map[string]any{"type": "integer"}, "content_type": str, "sha256": str,
		"batch_id":    map[string]any{"type": []string{"string", "null"}, "format": "uuid"},
		"kind":        map[string]any{"type": []string{"string", "null"}, "enum": []any{"input", "output", "process", "error", nil}},
		"created_at":  map[string]any{"type": "string", "format": "date-time"},
		"updated_at":  map[string]any{"type": "string", "format": "date-time"},
		"content_url": str,
	}},
}
