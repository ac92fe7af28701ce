package app

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Toast kinds. Errors are not toasts: they stay in place (#flash or next
// to the field) until the person acts.
const (
	toastSuccess = "success"
	toastInfo    = "info"
)

// toast asks the page to show a short message in its toast region
// (static/js/app.js), through htmx's HX-Trigger response header:
// {"toast":{"message":…,"kind":…,"target":"body"}}. htmx fires the event on
// the target: the body, not the element that asked, which may have left the
// page before the answer came (a live update replaced its row) and would
// take the event with it. A page the answer redirects to shows it after
// loading.
func toast(c *fiber.Ctx, kind, msg string) {
	// Marshalling strings cannot fail.
	b, _ := json.Marshal(map[string]map[string]string{"toast": {"message": msg, "kind": kind, "target": "body"}})
	c.Set("HX-Trigger", asciiJSON(string(b)))
}

// asciiJSON escapes every non-ASCII character of a JSON text as \uXXXX:
// browsers read response headers as Latin-1, so a batch named “Größen” must
// travel as escapes.
func asciiJSON(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80:
			sb.WriteRune(r)
		case r < 0x10000:
			fmt.Fprintf(&sb, `\u%04x`, r)
		default:
			r -= 0x10000
			fmt.Fprintf(&sb, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		}
	}
	return sb.String()
}
