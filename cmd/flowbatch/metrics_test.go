package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMetricsAreServedApartFromTheApp runs `flowbatch serve` with
// FLOWBATCH_METRICS_ADDR, processes a batch through the API and checks the
// families an operator's dashboards and alerts rely on.
func TestMetricsAreServedApartFromTheApp(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	metricsAddr := ln.Addr().String()
	require.NoError(t, ln.Close())
	s := startServer(t, 1, "FLOWBATCH_METRICS_ADDR="+metricsAddr, "FLOWBATCH_LOG_FORMAT=json")

	doc, err := s.postV2(bytes.NewReader(contactsJSON(25)), http.Header{"X-Batch-Status": {"READY"}})
	require.NoError(t, err)
	id, _ := doc["id"].(string)
	require.Eventually(t, func() bool {
		doc, err := s.get("/api/v1/batches/" + id)
		return err == nil && doc["status"] == "FINISHED"
	}, 60*time.Second, 50*time.Millisecond)

	res, err := http.Get(s.url + "/metrics")
	require.NoError(t, err)
	appBody, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	res.Body.Close()
	require.NotContains(t, string(appBody), "# HELP", "metrics are not served by the app")

	scrape := func() string {
		res, err := http.Get("http://" + metricsAddr + "/metrics")
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return string(body)
	}
	// The job's completion event reaches the metrics just after the batch is FINISHED.
	var body string
	require.Eventually(t, func() bool {
		body = scrape()
		return regexp.MustCompile(`(?m)^flowbatch_job_attempts_total\{kind="process_batch",result="completed"\} 1$`).MatchString(body)
	}, 10*time.Second, 50*time.Millisecond, "process_batch completion counted")
	res, err = http.Get("http://" + metricsAddr + "/debug/pprof/")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusNotFound, res.StatusCode, "profiles are served only with FLOWBATCH_PPROF")
	for _, want := range []string{
		`^flowbatch_http_requests_total\{method="POST",route="/api/v2/interfaces/:id/batch",status="201"\} 1$`,
		`^flowbatch_http_request_duration_seconds_count\{method="GET",route="/api/v1/batches/:id"\} [1-9]`,
		`^flowbatch_batches_created_total\{source="api_v2"\} 1$`,
		`^flowbatch_batches_finished_total\{outcome="clean",source="api_v2",status="FINISHED"\} 1$`,
		`^flowbatch_records_processed_total\{result="inserted"\} 25$`,
		`^flowbatch_records_processed_total\{result="failed"\} 0$`,
		`^flowbatch_chunk_duration_seconds_count [1-9]`,
		`^flowbatch_batch_processing_seconds_count 1$`,
		`^flowbatch_job_run_seconds_count\{kind="process_batch"\} 1$`,
		`^flowbatch_job_queue_wait_seconds_count\{kind="process_batch"\} 1$`,
		`^flowbatch_upload_bytes_total [1-9]`,
		`^flowbatch_sse_clients 0$`,
		`^flowbatch_jobs_scrape_error 0$`,
		`^flowbatch_db_pool_max_connections [1-9]`,
		`^flowbatch_db_pool_acquires_total [1-9]`,
		`^go_goroutines [1-9]`,
		`^process_resident_memory_bytes [1-9]`,
	} {
		require.Regexp(t, regexp.MustCompile("(?m)"+want), body)
	}
}

// TestProfilesServedOnTheMetricsListener: with FLOWBATCH_PPROF, Go's
// profiles are served on the metrics listener, never by the app.
func TestProfilesServedOnTheMetricsListener(t *testing.T) {
	t.Parallel()
	metricsAddr := freeAddr(t)
	s := startServer(t, 0, "FLOWBATCH_METRICS_ADDR="+metricsAddr, "FLOWBATCH_PPROF=true")
	get := func(url string) (int, string) {
		res, err := http.Get(url)
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(body)
	}
	status, body := get("http://" + metricsAddr + "/debug/pprof/goroutine?debug=1")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "goroutine profile:")
	status, _ = get("http://" + metricsAddr + "/debug/pprof/profile?seconds=1")
	require.Equal(t, http.StatusOK, status)
	_, body = get(s.url + "/debug/pprof/goroutine?debug=1")
	require.NotContains(t, body, "goroutine profile:", "the app does not serve profiles")
}

// TestMetricsCountABatchCancelledBeforeAWorkerTookIt: a READY batch that is
// cancelled while no worker runs is ended by the web process, which counts
// it as a worker counts the batches it ends.
func TestMetricsCountABatchCancelledBeforeAWorkerTookIt(t *testing.T) {
	t.Parallel()
	metricsAddr := freeAddr(t)
	s := startServer(t, 0, "FLOWBATCH_METRICS_ADDR="+metricsAddr)
	doc, err := s.postV2(bytes.NewReader(contactsJSON(5)), http.Header{"X-Batch-Status": {"READY"}})
	require.NoError(t, err)
	id, _ := doc["id"].(string)
	req, err := http.NewRequest(http.MethodPost, s.url+"/api/v1/batches/"+id+"/cancel", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.key)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusAccepted, res.StatusCode)
	doc, err = s.get("/api/v1/batches/" + id)
	require.NoError(t, err)
	require.Equal(t, "ERROR", doc["status"])

	res, err = http.Get("http://" + metricsAddr + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Regexp(t, regexp.MustCompile(`(?m)^flowbatch_batches_finished_total\{outcome="cancelled",source="api_v2",status="ERROR"\} 1$`), string(body))
}
