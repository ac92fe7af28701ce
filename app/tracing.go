package app

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// traceRequests returns the middleware that makes a server span of every
// request, continuing the caller's trace (W3C traceparent) when it sends one.
// Handlers pass c.UserContext() on, so database work and the River jobs a
// request inserts belong to its trace.
func traceRequests(tp trace.TracerProvider) fiber.Handler {
	tracer := tp.Tracer("github.com/flowbatch/flowbatch/app")
	propagator := propagation.TraceContext{}
	return func(c *fiber.Ctx) error {
		// Span data outlives the handler (exporters batch it): copy what
		// fasthttp's reused buffers hold.
		method := utils.CopyString(c.Method())
		ctx := propagator.Extract(c.UserContext(), headerCarrier{&c.Request().Header})
		ctx, span := tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", method), attribute.String("url.path", utils.CopyString(c.Path()))))
		defer span.End()
		c.SetUserContext(ctx)
		err := c.Next()
		status := c.Response().StatusCode()
		if err != nil {
			status = classify(err).Status
		}
		route := c.Route().Path
		span.SetName(method + " " + route)
		span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", status))
		if status >= 500 {
			span.SetStatus(codes.Error, strconv.Itoa(status))
		}
		return err
	}
}

// headerCarrier reads a request's headers for the trace propagator.
type headerCarrier struct{ h *fasthttp.RequestHeader }

func (c headerCarrier) Get(key string) string { return string(c.h.Peek(key)) }

func (c headerCarrier) Set(key, value string) { c.h.Set(key, value) }

func (c headerCarrier) Keys() []string {
	var keys []string
	c.h.VisitAll(func(k, _ []byte) { keys = append(keys, string(k)) })
	return keys
}
