package app_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
)

// TestRateLimitHoldsAcrossProcesses hammers two web processes on one
// database with one key: exactly the limit passes, however the requests
// interleave.
func TestRateLimitHoldsAcrossProcesses(t *testing.T) {
	t.Parallel()
	const limit, sent = 40, 160
	h := apptest.New(t, func(c *config.Config) { c.APIRateLimit = limit; c.Workers = 0 })
	acct := h.CreateAccount(t, "limit@example.com", false)
	urls := []string{h.URL, h.Peer(t)}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	window := func() (start time.Time) {
		require.NoError(t, h.Pool.QueryRow(context.Background(), "SELECT date_trunc('minute', clock_timestamp())").Scan(&start))
		return start
	}
	// A run that straddles two windows may pass twice the limit; it is
	// repeated with a fresh key (the second run cannot straddle again).
	for attempt := 0; ; attempt++ {
		require.Less(t, attempt, 2)
		key := h.APIKey(t, acct)
		before := window()
		passed, refused := hammer(t, client, urls, key, sent)
		if !window().Equal(before) {
			continue
		}
		require.EqualValues(t, limit, passed, "requests passed in one window")
		require.EqualValues(t, sent-limit, refused)
		return
	}
}

// hammer sends n GET requests with key from 16 goroutines, alternating
// between the servers at urls, and counts the 200 and 429 answers.
func hammer(t *testing.T, client *http.Client, urls []string, key string, n int) (passed, refused int64) {
	var ok, tooMany atomic.Int64
	var wg sync.WaitGroup
	work := make(chan string)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for base := range work {
				req, err := http.NewRequest(http.MethodGet, base+"/api/v1/batches", nil)
				if err != nil {
					t.Error(err)
					continue
				}
				req.Header.Set("Authorization", "Bearer "+key)
				res, err := client.Do(req)
				if err != nil {
					t.Error(err)
					continue
				}
				res.Body.Close()
				switch res.StatusCode {
				case http.StatusOK:
					ok.Add(1)
				case http.StatusTooManyRequests:
					tooMany.Add(1)
				}
			}
		}()
	}
	for i := range n {
		work <- urls[i%len(urls)]
	}
	close(work)
	wg.Wait()
	return ok.Load(), tooMany.Load()
}

// TestRateLimitHeaders checks the headers of answers under and over the limit.
func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) { c.APIRateLimit = 2; c.Workers = 0 })
	acct := h.CreateAccount(t, "headers@example.com", false)
	// Windows are whole minutes of the clock: three requests that straddle
	// the turn of a minute are tried again with a fresh key.
	for tries := 1; !rateLimitSequenceInOneWindow(t, h, h.APIKey(t, acct)); tries++ {
		require.Less(t, tries, 3, "two turns of the minute in a few requests")
	}
}

// rateLimitSequenceInOneWindow sends the limit's two requests and a third
// under key, checking the headers of each; it reports false, checking no
// more, when a new window began during the sequence.
func rateLimitSequenceInOneWindow(t *testing.T, h *apptest.Harness, key string) bool {
	firstReset := 61
	for want := 1; want >= 0; want-- {
		res := h.API(t, key, http.MethodGet, "/api/v1/batches", nil, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "2", res.Header.Get("X-RateLimit-Limit"))
		reset, err := strconv.Atoi(res.Header.Get("X-RateLimit-Reset"))
		require.NoError(t, err)
		require.True(t, reset >= 1 && reset <= 60, "reset %d", reset)
		if reset > firstReset {
			return false
		}
		firstReset = reset
		require.Equal(t, strconv.Itoa(want), res.Header.Get("X-RateLimit-Remaining"))
	}
	res := h.API(t, key, http.MethodGet, "/api/v1/batches", nil, nil)
	if res.StatusCode == http.StatusOK {
		reset, err := strconv.Atoi(res.Header.Get("X-RateLimit-Reset"))
		require.NoError(t, err)
		require.Greater(t, reset, firstReset, "a third request in the window passed")
		return false
	}
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	require.Equal(t, "0", res.Header.Get("X-RateLimit-Remaining"))
	wait, err := strconv.Atoi(res.Header.Get("Retry-After"))
	require.NoError(t, err)
	require.True(t, wait >= 1 && wait <= 60, "Retry-After %d", wait)
	return true
}
