package app

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// checkTextInput refuses, before any handler sees it, a request whose text
// input holds a NUL character or bytes that are not UTF-8: query parameters
// on every route, and the url-encoded form or JSON document of routes that
// read their body whole. PostgreSQL cannot store NUL in text and refuses
// invalid UTF-8, so such input would otherwise fail deep in a handler as a
// 500; one check here answers 400 for every route at once. Streamed bodies
// (batch payloads, uploads) are data, not text input: their readers judge
// their encoding, and the names sent with them are checked by the models.
func (s *Server) checkTextInput(c *fiber.Ctx) error {
	var bad string
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		if bad == "" && (!plainText(k) || !plainText(v)) {
			bad = fmt.Sprintf("the query parameter %q", strings.ToValidUTF8(string(k), "�"))
		}
	})
	if bad == "" && streamed(c) == nil {
		bad = badBodyText(c)
	}
	if bad != "" {
		return NewHTTPError(fiber.StatusBadRequest,
			"Text must be UTF-8 without NUL characters; "+bad+" is not. Correct it and send again.")
	}
	return c.Next()
}

// badBodyText names what in a whole-read body is not plain text, or "".
func badBodyText(c *fiber.Ctx) string {
	if bodiless(c) {
		return ""
	}
	ct := strings.ToLower(string(c.Request().Header.ContentType()))
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		var bad string
		c.Request().PostArgs().VisitAll(func(k, v []byte) {
			if bad == "" && (!plainText(k) || !plainText(v)) {
				bad = fmt.Sprintf("the form field %q", strings.ToValidUTF8(string(k), "�"))
			}
		})
		return bad
	case strings.HasPrefix(ct, fiber.MIMEApplicationJSON) || strings.Contains(ct, "+json"):
		if body := c.Body(); !utf8.Valid(body) || jsonHasNUL(body) {
			return "the JSON document"
		}
	}
	return ""
}

// plainText reports whether b is UTF-8 without NUL.
func plainText(b []byte) bool {
	return bytes.IndexByte(b, 0) < 0 && utf8.Valid(b)
}

// jsonHasNUL reports whether a JSON document holds a NUL character: raw (not
// valid JSON either) or escaped as \u0000 inside a string.
func jsonHasNUL(doc []byte) bool {
	if bytes.IndexByte(doc, 0) >= 0 {
		return true
	}
	for i := 0; i < len(doc); i++ {
		if doc[i] != '\\' || i+1 >= len(doc) {
			continue
		}
		// An escape: \uXXXX, or one character (\\ included) skipped whole.
		if doc[i+1] == 'u' && i+6 <= len(doc) && string(doc[i+2:i+6]) == "0000" {
			return true
		}
		i++
	}
	return false
}
