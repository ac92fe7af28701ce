package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OTLP/HTTP collector that keeps the spans it receives.
type otlpReceiver struct {
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (r *otlpReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var export coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(raw, &export); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	for _, rs := range export.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			r.spans = append(r.spans, ss.Spans...)
		}
	}
	r.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func (r *otlpReceiver) named(name string) []*tracepb.Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*tracepb.Span
	for _, s := range r.spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// TestTracesGoToTheOTLPCollector runs `flowbatch serve` with
// OTEL_EXPORTER_OTLP_ENDPOINT pointing at a collector in the test, sends a
// batch and finds the request's span, the job's spans, and the link from the
// job's work back to the request that queued it.
func TestTracesGoToTheOTLPCollector(t *testing.T) {
	t.Parallel()
	receiver := &otlpReceiver{}
	collector := httptest.NewServer(receiver)
	t.Cleanup(collector.Close)
	s := startServer(t, 1, "OTEL_EXPORTER_OTLP_ENDPOINT="+collector.URL, "OTEL_BSP_SCHEDULE_DELAY=50")

	doc, err := s.postV2(bytes.NewReader(contactsJSON(10)), http.Header{"X-Batch-Status": {"READY"}})
	require.NoError(t, err)
	id, _ := doc["id"].(string)
	require.Eventually(t, func() bool {
		doc, err := s.get("/api/v1/batches/" + id)
		return err == nil && doc["status"] == "FINISHED"
	}, 60*time.Second, 50*time.Millisecond)

	var request, work []*tracepb.Span
	require.Eventually(t, func() bool {
		request = receiver.named("POST /api/v2/interfaces/:id/batch")
		work = receiver.named("river.work/process_batch")
		return len(request) == 1 && len(work) >= 1
	}, 30*time.Second, 50*time.Millisecond, "request and job spans exported")
	require.Equal(t, tracepb.Span_SPAN_KIND_SERVER, request[0].Kind)
	linked := false
	for _, l := range work[0].Links {
		linked = linked || bytes.Equal(l.TraceId, request[0].TraceId)
	}
	require.True(t, linked, "the job's work links back to the request that queued it")
	require.NotEmpty(t, receiver.named("GET /api/v1/batches/:id"))
}
