package app

// webhookAPIOperations describe the webhook routes in the OpenAPI document
// and on the API page.
var webhookAPIOperations = []apiOperation{
	{
		Method: "GET", Path: "/api/v1/webhooks", Tag: "Webhooks", Summary: "List webhooks",
		Description: "The account's webhooks, oldest first. Secrets are not shown, only their first characters.",
		Responses:   merge(map[string]any{"200": jsonResponse("The webhooks.", listOf(ref("Webhook")))}, problems("401", "429")),
	},
	{
		Method: "POST", Path: "/api/v1/webhooks", Tag: "Webhooks", Summary: "Create a webhook",
		Description: "url (http or https; loopback, private and link-local addresses only with FLOWBATCH_WEBHOOK_ALLOW_PRIVATE) " +
			"and events (batch.finished, batch.failed, batch.cancelled). The answer carries the signing secret, shown this once.",
		Body: jsonBody(ref("WebhookInput")),
		Responses: merge(map[string]any{"201": map[string]any{
			"description": "The new webhook with its secret; Location is its URL.",
			"headers":     map[string]any{"Location": map[string]any{"description": "URL of the webhook.", "schema": str}},
			"content":     map[string]any{"application/json": map[string]any{"schema": ref("Webhook")}},
		}}, problems("400", "401", "422", "429")),
	},
	{
		Method: "GET", Path: "/api/v1/webhooks/{id}", Tag: "Webhooks", Summary: "A webhook",
		Responses: merge(map[string]any{"200": jsonResponse("The webhook.", ref("Webhook"))}, problems("401", "404", "429")),
	},
	{
		Method: "PATCH", Path: "/api/v1/webhooks/{id}", Tag: "Webhooks", Summary: "Change a webhook",
		Description: "Members left out keep their value. enabled: true enables a disabled webhook again and clears its failure count.",
		Body:        jsonBody(ref("WebhookInput")),
		Responses:   merge(map[string]any{"200": jsonResponse("The webhook.", ref("Webhook"))}, problems("400", "401", "404", "422", "429")),
	},
	{
		Method: "DELETE", Path: "/api/v1/webhooks/{id}", Tag: "Webhooks", Summary: "Delete a webhook",
		Description: "With its delivery log; deliveries still queued are dropped.",
		Responses:   merge(map[string]any{"204": map[string]any{"description": "Deleted."}}, problems("401", "404", "429")),
	},
	{
		Method: "GET", Path: "/api/v1/webhooks/{id}/deliveries", Tag: "Webhooks", Summary: "A webhook's delivery log",
		Description: "The newest 100 attempts, newest first: one entry per attempt, the attempts of one delivery sharing delivery_id.",
		Responses:   merge(map[string]any{"200": jsonResponse("The attempts.", listOf(ref("WebhookDelivery")))}, problems("401", "404", "429")),
	},
	{
		Method: "POST", Path: "/api/v1/webhooks/{id}/test", Tag: "Webhooks", Summary: "Send a test event",
		Description: "Queues a ping (tried once, also when the webhook is disabled); its attempt appears in the delivery log.",
		Responses: merge(map[string]any{"202": jsonResponse("The ping is queued.", map[string]any{
			"type":     "object",
			"required": []string{"delivery_id", "event"},
			"properties": map[string]any{
				"delivery_id": map[string]any{"type": "string", "format": "uuid"},
				"event":       map[string]any{"type": "string", "enum": []string{"ping"}},
			},
		})}, problems("401", "404", "429")),
	},
}

var webhookEvent = map[string]any{"type": "string", "enum": []string{"batch.finished", "batch.failed", "batch.cancelled"}}

var webhookSchemas = map[string]any{
	"Webhook": map[string]any{
		"type": "object",
		"required": []string{"id", "url", "description", "events", "enabled", "disabled_at", "disabled_reason",
			"failed_deliveries", "secret_prefix", "last_delivery_at", "created_at", "updated_at"},
		"properties": map[string]any{
			"id": map[string]any{"type": "string", "format": "uuid"}, "url": map[string]any{"type": "string", "format": "uri"},
			"description":       str,
			"events":            map[string]any{"type": "array", "items": webhookEvent},
			"enabled":           map[string]any{"type": "boolean"},
			"disabled_at":       nullableTime,
			"disabled_reason":   str,
			"failed_deliveries": map[string]any{"type": "integer", "description": "Deliveries in a row that failed every attempt; 3 disable the webhook."},
			"secret_prefix":     str,
			"secret":            map[string]any{"type": "string", "description": "The signing secret: only in the answer that creates the webhook."},
			"last_delivery_at":  nullableTime,
			"created_at":        map[string]any{"type": "string", "format": "date-time"},
			"updated_at":        map[string]any{"type": "string", "format": "date-time"},
		},
	},
	"WebhookInput": map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"properties": map[string]any{
			"url":         map[string]any{"type": "string", "maxLength": 2000},
			"description": map[string]any{"type": "string", "maxLength": 2000},
			"events":      map[string]any{"type": "array", "items": webhookEvent, "minItems": 1},
			"enabled":     map[string]any{"type": "boolean"},
		},
	},
	"WebhookDelivery": map[string]any{
		"type": "object",
		"required": []string{"id", "delivery_id", "event", "batch_id", "attempt", "status", "response_code",
			"duration_ms", "error", "next_retry_at", "created_at"},
		"properties": map[string]any{
			"id":            map[string]any{"type": "string", "format": "uuid"},
			"delivery_id":   map[string]any{"type": "string", "format": "uuid", "description": "The Flowbatch-Delivery header: the same for every attempt of a delivery."},
			"event":         map[string]any{"type": "string", "enum": []string{"batch.finished", "batch.failed", "batch.cancelled", "ping"}},
			"batch_id":      map[string]any{"type": []string{"string", "null"}, "format": "uuid"},
			"attempt":       map[string]any{"type": "integer", "minimum": 1},
			"status":        map[string]any{"type": "string", "enum": []string{"succeeded", "failed", "skipped"}},
			"response_code": map[string]any{"type": []string{"integer", "null"}},
			"duration_ms":   map[string]any{"type": "integer"},
			"error":         str,
			"next_retry_at": nullableTime,
			"created_at":    map[string]any{"type": "string", "format": "date-time"},
		},
	},
}
