package app

// mappingAPIOperations describe the column matching routes in the OpenAPI
// document and on the API page.
var mappingAPIOperations = []apiOperation{
	{
		Method: "GET", Path: "/api/v1/batches/{id}/columns", Tag: "Batches",
		Summary: "The input's columns and the proposed column of each field",
		Description: "Columns as seen in the input's first records (CSV header names, JSON keys and dotted paths, XML element paths and @attributes) " +
			"with up to 3 sample values; for each field of the interface the proposed column and its kind (exact, normalised, suggested, none) " +
			"and the column that will be read. Without a column map only exact and normalised matches are read, never suggested ones.",
		Responses: merge(map[string]any{"200": jsonResponse("The columns and the proposed map.", ref("Columns"))}, problems("401", "404", "429")),
	},
	{
		Method: "PUT", Path: "/api/v1/batches/{id}/mapping", Tag: "Batches",
		Summary: "Set a DRAFT batch's column map",
		Description: "A JSON object of field name → column name (null for no column). It overrides the interface's sources for this batch; " +
			"fields it leaves out read their exact or normalised match. 409 unless DRAFT; 422 naming unknown fields, unknown columns, " +
			"or a required field (or the flow's key field) left without a column. `{}` removes every choice.",
		Body: map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": ref("ColumnMap")}}},
		Responses: merge(map[string]any{"200": jsonResponse("The columns, with the new map.", ref("Columns"))},
			problems("400", "401", "404", "409", "422", "429")),
	},
}

var mappingSchemas = map[string]any{
	"ColumnMap": map[string]any{
		"type":                 "object",
		"description":          "Field name → column name; null (or \"\") for a field that reads no column.",
		"additionalProperties": map[string]any{"type": []string{"string", "null"}},
		"example":              map[string]any{"external_id": "External ID", "email": "E-mail", "note": nil},
	},
	"Columns": map[string]any{"type": "object", "properties": map[string]any{
		"columns": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
			"name": str, "position": map[string]any{"type": "integer"},
			"samples": map[string]any{"type": "array", "items": str},
		}}},
		"fields": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
			"name": str, "source": str, "required": map[string]any{"type": "boolean"},
			"proposed": map[string]any{"type": "object", "properties": map[string]any{
				"column": map[string]any{"type": []string{"string", "null"}},
				"kind":   map[string]any{"type": "string", "enum": []string{"exact", "normalised", "suggested", "none"}},
			}},
			"column": map[string]any{"type": []string{"string", "null"}, "description": "The column that will be read."},
		}}},
		"column_map":              map[string]any{"oneOf": []any{ref("ColumnMap"), map[string]any{"type": "null"}}},
		"unread_columns":          map[string]any{"type": "array", "items": str},
		"required_without_column": map[string]any{"type": "array", "items": str},
		"payload_error":           map[string]any{"type": []string{"string", "null"}},
	}},
}
