package main

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
)

// newTracerProvider exports spans over OTLP/HTTP to the collector named by
// OTEL_EXPORTER_OTLP_ENDPOINT (the exporter reads it and the other standard
// OTEL_EXPORTER_OTLP_* variables itself). Call shutdown to flush at exit.
func newTracerProvider(ctx context.Context, process string) (tp *sdktrace.TracerProvider, err error) {
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("starting the trace exporter (OTEL_EXPORTER_OTLP_ENDPOINT): %w", err)
	}
	res := resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName("flowbatch"), semconv.ProcessCommandArgs("flowbatch", process))
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res)), nil
}
