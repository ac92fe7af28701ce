package app

import (
	"regexp"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/app/upload"
)

// formBodyLimit caps the body of every route that reads it whole (forms,
// JSON API documents, pasted payloads).
const formBodyLimit = 4 << 20

// preReadLimit is how much of any body the server buffers before the handler
// runs (Fiber's BodyLimit with StreamRequestBody); beyond it bodies stream.
// It bounds the memory of concurrent uploads before their handlers start.
const preReadLimit = 64 << 10

// streamedRoute is a route whose handler reads the body as a stream through
// package upload, with the limits it reads under (see uploadOptions).
type streamedRoute struct {
	path   *regexp.Regexp
	limits func(*config.Config) upload.Options
}

// streamedRoutes are the routes whose handlers read the body as a stream,
// with their own limits. Add a route here when it streams; every other route
// gets at most formBodyLimit bytes.
var streamedRoutes = []streamedRoute{
	{regexp.MustCompile(`^/api/v1/interfaces/[^/]+/batch$`), func(c *config.Config) upload.Options { return upload.Options{MaxBytes: c.V1MaxBytes} }},
	{regexp.MustCompile(`^/api/v2/interfaces/[^/]+/batch$`), func(c *config.Config) upload.Options { return upload.Options{MaxBytes: c.V2MaxBytes, Gzip: true} }},
	{regexp.MustCompile(`^/api/v1/files$`), func(c *config.Config) upload.Options { return upload.Options{MaxBytes: c.V2MaxBytes} }},
	{regexp.MustCompile(`^/files/upload$`), func(c *config.Config) upload.Options { return upload.Options{MaxBytes: c.V2MaxBytes} }},
	{regexp.MustCompile(`^/batches/[^/]+/input$`), func(c *config.Config) upload.Options { return upload.Options{MaxBytes: c.V2MaxBytes} }},
}

// streamed returns the streamed route c is for, or nil.
func streamed(c *fiber.Ctx) *streamedRoute {
	for i := range streamedRoutes {
		if streamedRoutes[i].path.MatchString(c.Path()) {
			return &streamedRoutes[i]
		}
	}
	return nil
}

// uploadOptions are the limits the handler of a streamed route reads its
// body under, from streamedRoutes, so that expectContinue answers from the
// same numbers. A route missing there gets formBodyLimit, as limitBody
// treats it.
func (s *Server) uploadOptions(c *fiber.Ctx) upload.Options {
	if r := streamed(c); r != nil {
		return r.limits(s.cfg)
	}
	return upload.Options{MaxBytes: formBodyLimit}
}

// limitBody refuses, before anything reads it, a body that a non-streaming
// route would otherwise pull whole into memory.
func (s *Server) limitBody(c *fiber.Ctx) error {
	if bodiless(c) {
		return c.Next()
	}
	if streamed(c) != nil {
		err := c.Next()
		if !upload.Drain(c, drainLimit) {
			c.Response().SetConnectionClose()
		}
		return err
	}
	if err := formBodyRefused(c); err != nil {
		c.Response().SetConnectionClose()
		return err
	}
	return c.Next()
}

// bodiless reports whether c's method is one whose body no route reads.
func bodiless(c *fiber.Ctx) bool {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return true
	}
	return false
}

// formBodyRefused is the error for a body a non-streaming route does not
// read: over formBodyLimit, or chunked (its length unknown until read whole).
func formBodyRefused(c *fiber.Ctx) error {
	n := c.Request().Header.ContentLength()
	if n > formBodyLimit {
		return upload.TooLarge(formBodyLimit)
	}
	if n == -1 {
		return NewHTTPError(fiber.StatusLengthRequired, "Send this request with a Content-Length header.")
	}
	return nil
}

// expectContinue decides a request with `Expect: 100-continue` from its
// headers alone: a body its route would refuse for its length is answered
// 413 (411 when chunked to a non-streaming route) before the client sends
// it, rather than with "100 Continue". The streamed routes' handlers still
// check every limit themselves; this only saves the client the upload.
// fasthttp then writes the answer and closes the connection.
func (s *Server) expectContinue(fctx *fasthttp.RequestCtx) int {
	c := s.app.AcquireCtx(fctx)
	defer s.app.ReleaseCtx(c)
	var err error
	switch r := streamed(c); {
	case bodiless(c):
	case r != nil:
		opts := r.limits(s.cfg)
		if int64(c.Request().Header.ContentLength()) > upload.MaxContentLength(c, opts) {
			err = upload.TooLarge(opts.MaxBytes)
		}
	default:
		err = formBodyRefused(c)
	}
	if err == nil {
		return fiber.StatusContinue
	}
	_ = s.errorHandler(c, err)
	return c.Response().StatusCode()
}

// drainLimit is how much of a refused streamed body is read and dropped so
// that the client, still sending, gets to read the answer; beyond it the
// connection is closed.
const drainLimit = 1 << 20
