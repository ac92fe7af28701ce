package models

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWaitsForWorker(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { at := now.Add(-d); return &at }
	cases := []struct {
		name      string
		status    Status
		ready     *time.Time
		lastTaken time.Time
		want      bool
	}{
		{"ready long, never taken", StatusReady, ago(5 * time.Minute), time.Time{}, true},
		{"ready long, last taken long ago", StatusReady, ago(5 * time.Minute), *ago(3 * time.Minute), true},
		{"ready long, a batch taken just now", StatusReady, ago(5 * time.Minute), *ago(10 * time.Second), false},
		{"ready moments ago", StatusReady, ago(30 * time.Second), time.Time{}, false},
		{"ready exactly the grace", StatusReady, ago(WorkerWaitAfter), time.Time{}, true},
		{"processing", StatusProcessing, ago(5 * time.Minute), time.Time{}, false},
		{"ready without ready_at", StatusReady, nil, time.Time{}, false},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, WaitsForWorker(tc.status, tc.ready, tc.lastTaken, now), tc.name)
	}
}
