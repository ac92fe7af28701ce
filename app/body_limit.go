package app

import (
	"regexp"
	"unsafe"

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
	{regexp.MustCompile(`^/api/v1/batches/[^/]+/rerun-failed$`), func(c *config.Config) upload.Options { return upload.Options{MaxBytes: c.V1MaxBytes} }},
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
// headers alone, before the client sends the body: a body its route would
// refuse for its length (413) or for being chunked to a non-streaming route
// (411) is answered 417 Expectation Failed, with a problem document saying
// which, instead of "100 Continue". fasthttp then closes the connection
// without reading the body or calling the handler. The streamed routes'
// handlers still check every limit themselves; this only saves the client
// the upload.
func (s *Server) expectContinue(h *fasthttp.RequestHeader) bool {
	c := s.app.AcquireCtx(requestCtxOf(h))
	defer s.app.ReleaseCtx(c)
	var err error
	switch r := streamed(c); {
	case bodiless(c):
	case r != nil:
		opts := r.limits(s.cfg)
		if int64(h.ContentLength()) > upload.MaxContentLength(c, opts) {
			err = upload.TooLarge(opts.MaxBytes)
		}
	default:
		err = formBodyRefused(c)
	}
	if err == nil {
		return true
	}
	h.SetConnectionClose()
	_ = s.errorHandler(c, &HTTPError{Status: fiber.StatusExpectationFailed, Title: "Expectation Failed",
		Detail: classify(err).Detail + " The body was not read.", Err: err})
	return false
}

// requestCtxOf returns the RequestCtx whose request header h is. fasthttp
// calls a Server's ContinueHandler with &ctx.Request.Header of the
// connection's current ctx and nothing else; the refusal needs that ctx to
// carry its problem document.
func requestCtxOf(h *fasthttp.RequestHeader) *fasthttp.RequestCtx {
	const offset = unsafe.Offsetof((*fasthttp.RequestCtx)(nil).Request) + unsafe.Offsetof((*fasthttp.Request)(nil).Header)
	return (*fasthttp.RequestCtx)(unsafe.Add(unsafe.Pointer(h), -int(offset)))
}

// drainLimit is how much of a refused streamed body is read and dropped so
// that the client, still sending, gets to read the answer; beyond it the
// connection is closed.
const drainLimit = 1 << 20
