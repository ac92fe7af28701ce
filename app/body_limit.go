package app

import (
	"regexp"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/app/upload"
)

// formBodyLimit caps the body of every route that reads it whole (forms,
// JSON API documents, pasted payloads).
const formBodyLimit = 4 << 20

// preReadLimit is how much of any body the server buffers before the handler
// runs (Fiber's BodyLimit with StreamRequestBody); beyond it bodies stream.
// It bounds the memory of concurrent uploads before their handlers start.
const preReadLimit = 64 << 10

// streamedRoutes are the routes whose handlers read the body as a stream
// through package upload, with their own limits. Add a route here when it
// streams; every other route gets at most formBodyLimit bytes.
var streamedRoutes = []*regexp.Regexp{
	regexp.MustCompile(`^/api/v[12]/interfaces/[^/]+/batch$`),
	regexp.MustCompile(`^/api/v1/files$`),
	regexp.MustCompile(`^/files/upload$`),
	regexp.MustCompile(`^/batches/[^/]+/input$`),
}

// isStreamed reports whether the route at path reads its body as a stream.
func isStreamed(path string) bool {
	for _, re := range streamedRoutes {
		if re.MatchString(path) {
			return true
		}
	}
	return false
}

// limitBody refuses, before anything reads it, a body that a non-streaming
// route would otherwise pull whole into memory.
func (s *Server) limitBody(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if isStreamed(c.Path()) {
		err := c.Next()
		if !upload.Drain(c, drainLimit) {
			c.Response().SetConnectionClose()
		}
		return err
	}
	n := c.Request().Header.ContentLength()
	if n > formBodyLimit {
		c.Response().SetConnectionClose()
		return upload.TooLarge(formBodyLimit)
	}
	if n == -1 { // chunked: the length is unknown until it has all been read
		c.Response().SetConnectionClose()
		return NewHTTPError(fiber.StatusLengthRequired, "Send this request with a Content-Length header.")
	}
	return c.Next()
}

// drainLimit is how much of a refused streamed body is read and dropped so
// that the client, still sending, gets to read the answer; beyond it the
// connection is closed.
const drainLimit = 1 << 20
