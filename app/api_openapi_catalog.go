package app

// catalogAPIOperations describe the flow and interface routes in the OpenAPI
// document and on the API page.
var catalogAPIOperations = []apiOperation{
	{
		Method: "GET", Path: "/api/v1/flows", Tag: "Flows", Summary: "List flows",
		Description: "By name; archived flows too with archived=true.",
		Query:       []string{"archived"},
		Responses:   merge(map[string]any{"200": jsonResponse("The flows.", listOf(ref("Flow")))}, problems("401", "429")),
	},
	{
		Method: "POST", Path: "/api/v1/flows", Tag: "Flows", Summary: "Create a flow",
		Description: "With key_field set, a record whose key already exists in the flow updates it instead of adding one.",
		Body:        jsonBody(ref("FlowInput")),
		Responses:   merge(map[string]any{"201": withHeaders(jsonResponse("The new flow; Location is its URL.", ref("Flow")), true, "Location")}, problems("400", "401", "422", "429")),
	},
	{
		Method: "GET", Path: "/api/v1/flows/{id}", Tag: "Flows", Summary: "A flow",
		Responses: merge(map[string]any{"200": jsonResponse("The flow.", ref("Flow"))}, problems("401", "404", "429")),
	},
	{
		Method: "PATCH", Path: "/api/v1/flows/{id}", Tag: "Flows", Summary: "Change a flow",
		Description: "Members left out keep their value.",
		Body:        jsonBody(ref("FlowInput")),
		Responses:   merge(map[string]any{"200": jsonResponse("The flow.", ref("Flow"))}, problems("400", "401", "404", "422", "429")),
	},
	{
		Method: "DELETE", Path: "/api/v1/flows/{id}", Tag: "Flows", Summary: "Archive a flow",
		Description: "The flow is archived, not erased: its records and old batches keep it. 409 while open batches use it.",
		Responses:   merge(map[string]any{"200": jsonResponse("The archived flow.", ref("Flow"))}, problems("401", "404", "409", "429")),
	},
	{
		Method: "GET", Path: "/api/v1/interfaces", Tag: "Interfaces", Summary: "List interfaces",
		Description: "By name, each with its batch endpoints; archived interfaces too with archived=true.",
		Query:       []string{"archived"},
		Responses:   merge(map[string]any{"200": jsonResponse("The interfaces.", listOf(ref("Interface")))}, problems("401", "429")),
	},
	{
		Method: "POST", Path: "/api/v1/interfaces", Tag: "Interfaces", Summary: "Create an interface",
		Description: "Format json, xml or csv; the scope batch lets it receive batches.",
		Body:        jsonBody(ref("InterfaceInput")),
		Responses:   merge(map[string]any{"201": withHeaders(jsonResponse("The new interface; Location is its URL.", ref("Interface")), true, "Location")}, problems("400", "401", "422", "429")),
	},
	{
		Method: "GET", Path: "/api/v1/interfaces/{id}", Tag: "Interfaces", Summary: "An interface",
		Responses: merge(map[string]any{"200": jsonResponse("The interface.", ref("Interface"))}, problems("401", "404", "429")),
	},
	{
		Method: "PATCH", Path: "/api/v1/interfaces/{id}", Tag: "Interfaces", Summary: "Change an interface",
		Description: "Members left out keep their value.",
		Body:        jsonBody(ref("InterfaceInput")),
		Responses:   merge(map[string]any{"200": jsonResponse("The interface.", ref("Interface"))}, problems("400", "401", "404", "422", "429")),
	},
	{
		Method: "DELETE", Path: "/api/v1/interfaces/{id}", Tag: "Interfaces", Summary: "Archive an interface",
		Description: "The interface is archived, not erased: old batches keep showing it. 409 while open batches use it.",
		Responses:   merge(map[string]any{"200": jsonResponse("The archived interface.", ref("Interface"))}, problems("401", "404", "409", "429")),
	},
}

func listOf(item any) map[string]any {
	return map[string]any{"type": "object", "properties": map[string]any{"data": map[string]any{"type": "array", "items": item}}}
}

func jsonBody(schema any) map[string]any {
	return map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schema}}}
}

var str = map[string]any{"type": "string"}

var fieldSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"name": str, "source": str, "required": map[string]any{"type": "boolean"},
		"type": map[string]any{"type": "string", "enum": []string{"string", "integer", "number", "boolean", "date", "datetime"}},
	},
}

var catalogSchemas = map[string]any{
	"Flow": map[string]any{"type": "object", "properties": map[string]any{
		"id": map[string]any{"type": "string", "format": "uuid"}, "name": str, "description": str, "key_field": str,
		"archived_at": nullableTime, "created_at": map[string]any{"type": "string", "format": "date-time"},
		"updated_at": map[string]any{"type": "string", "format": "date-time"},
	}},
	"FlowInput": map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
		"name": str, "description": str, "key_field": str,
	}},
	"Interface": map[string]any{"type": "object", "properties": map[string]any{
		"id": map[string]any{"type": "string", "format": "uuid"}, "name": str, "description": str,
		"format":       map[string]any{"type": "string", "enum": []string{"json", "xml", "csv"}},
		"scopes":       map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": []string{"batch", "api", "designer"}}},
		"flow_id":      map[string]any{"type": []string{"string", "null"}, "format": "uuid"},
		"records_path": str, "csv_delimiter": str, "csv_header": map[string]any{"type": "boolean"}, "record_element": str,
		"fields": map[string]any{"type": "array", "items": fieldSchema},
		"endpoints": map[string]any{"type": "object", "properties": map[string]any{
			"v1": map[string]any{"type": "string", "format": "uri"},
			"v2": map[string]any{"type": []string{"string", "null"}, "format": "uri"},
		}},
		"archived_at": nullableTime, "created_at": map[string]any{"type": "string", "format": "date-time"},
		"updated_at": map[string]any{"type": "string", "format": "date-time"},
	}},
	"InterfaceInput": map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
		"name": str, "description": str,
		"format":       map[string]any{"type": "string", "enum": []string{"json", "xml", "csv"}},
		"scopes":       map[string]any{"type": "array", "items": str},
		"flow_id":      map[string]any{"type": []string{"string", "null"}, "format": "uuid"},
		"records_path": str, "csv_delimiter": str, "csv_header": map[string]any{"type": "boolean"}, "record_element": str,
		"fields": map[string]any{"type": "array", "items": fieldSchema},
	}},
}
