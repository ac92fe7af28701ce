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
			"schema": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}},
		}}},
		Responses: merge(map[string]any{"201": jsonResponse("The stored files.", listOf(ref("File")))}, problems("400", "401", "409", "413", "415", "422", "429", "507")),
	},
	{
		Method: "GET", Path: "/api/v1/files/{id}", Tag: "Files", Summary: "A file's details",
		Responses: merge(map[string]any{"200": jsonResponse("The file.", ref("File"))}, problems("401", "404", "429")),
	},
	{
		Method: "GET", Path: "/api/v1/files/{id}/content", Tag: "Files", Summary: "Download a file",
		Description: "With ETag and Range support.",
		Responses: merge(map[string]any{
			"200": map[string]any{"description": "The file's bytes.", "content": map[string]any{"application/octet-stream": map[string]any{"schema": map[string]any{"type": "string"}}}},
			"206": map[string]any{"description": "The requested range."},
		}, problems("401", "404", "429")),
	},
	{
		Method: "DELETE", Path: "/api/v1/files/{id}", Tag: "Files", Summary: "Delete a file",
		Description: "A batch's file is refused with 409: it goes with its batch.",
		Responses:   merge(map[string]any{"204": map[string]any{"description": "Deleted."}}, problems("401", "404", "409", "429")),
	},
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
