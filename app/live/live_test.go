package live

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/db/dbtest"
	"github.com/flowbatch/flowbatch/models"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestSubscriptionsSeeTheirAccountOrBatchOnly(t *testing.T) {
	t.Parallel()
	h := NewHub(nil, quietLog())
	acct, other := uuid.New(), uuid.New()
	b1, b2 := uuid.New(), uuid.New()
	all := h.Subscribe(acct, uuid.Nil)
	one := h.Subscribe(acct, b1)
	defer all.Close()
	defer one.Close()

	h.Publish(models.BatchEvent{AccountID: other, BatchID: b1, Status: models.StatusReady})
	h.Publish(models.BatchEvent{AccountID: acct, BatchID: b2, Status: models.StatusReady})
	h.Publish(models.BatchEvent{AccountID: acct, BatchID: b1, Status: models.StatusReady})

	got := all.Take()
	require.Len(t, got, 2)
	require.Equal(t, b2, got[0].BatchID)
	require.Equal(t, b1, got[1].BatchID)
	got = one.Take()
	require.Len(t, got, 1)
	require.Equal(t, b1, got[0].BatchID)
}

func TestBurstsAreCoalescedPerBatch(t *testing.T) {
	t.Parallel()
	h := NewHub(nil, quietLog())
	acct, id := uuid.New(), uuid.New()
	s := h.Subscribe(acct, uuid.Nil)
	defer s.Close()
	for _, st := range []models.Status{models.StatusReady, models.StatusProcessing, models.StatusProcessing, models.StatusFinished} {
		h.Publish(models.BatchEvent{AccountID: acct, BatchID: id, Status: st})
	}
	select {
	case <-s.Ready():
	default:
		t.Fatal("no signal for waiting events")
	}
	got := s.Take()
	require.Len(t, got, 1)
	require.Equal(t, models.StatusFinished, got[0].Status)
	require.Empty(t, s.Take())
}

func TestSlowSubscribersAreDroppedNotWaitedFor(t *testing.T) {
	t.Parallel()
	h := NewHub(nil, quietLog())
	acct := uuid.New()
	slow := h.Subscribe(acct, uuid.Nil)
	fast := h.Subscribe(acct, uuid.Nil)
	defer fast.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range MaxPending + 1 {
			h.Publish(models.BatchEvent{AccountID: acct, BatchID: uuid.New()})
			fast.Take()
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("publishing blocked on a slow subscriber")
	}
	select {
	case <-slow.Done():
	default:
		t.Fatal("the slow subscriber was kept")
	}
	require.Equal(t, 1, h.Subscribers())
}

func TestEventLoadRunsOnceForAllSubscribers(t *testing.T) {
	t.Parallel()
	ev := &Event{}
	calls := 0
	for range 3 {
		v, err := ev.Load(func() (any, error) { calls++; return "row", nil })
		require.NoError(t, err)
		require.Equal(t, "row", v)
	}
	require.Equal(t, 1, calls)
}

func TestRunDeliversNotificationsAndClosesSubscriptionsOnStop(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	h := NewHub(tdb.Pool, quietLog())
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { h.Run(ctx); close(stopped) }()

	acct, id := uuid.New(), uuid.New()
	s := h.Subscribe(acct, uuid.Nil)
	ev := models.BatchEvent{AccountID: acct, BatchID: id, Status: models.StatusProcessing}
	// The LISTEN may not be in place yet: notify until the event arrives.
	require.Eventually(t, func() bool {
		_, err := tdb.Pool.Exec(context.Background(), models.NotifySQL, models.BatchEventsChannel, ev.Payload())
		require.NoError(t, err)
		select {
		case <-s.Ready():
			got := s.Take()
			return len(got) == 1 && got[0].BatchID == id && got[0].Status == models.StatusProcessing
		case <-time.After(100 * time.Millisecond):
			return false
		}
	}, 10*time.Second, 10*time.Millisecond)

	cancel()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
	select {
	case <-s.Done():
	default:
		t.Fatal("subscription still open after the hub stopped")
	}
	late := h.Subscribe(acct, uuid.Nil)
	select {
	case <-late.Done():
	default:
		t.Fatal("a subscription after shutdown stays open")
	}
}

// terminateListener ends the hub's LISTEN connection from the server side, as
// a database restart or a network fault would.
func terminateListener(t *testing.T, tdb *dbtest.DB) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int
		err := tdb.Pool.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND query = 'LISTEN "' || $1 || '"'`, models.BatchEventsChannel).Scan(&n)
		require.NoError(t, err)
		return n == 1
	}, 10*time.Second, 10*time.Millisecond)
}

func TestRunMarksSubscriptionsForResyncWhenListeningAgain(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	h := NewHub(tdb.Pool, quietLog())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := h.Subscribe(uuid.New(), uuid.Nil)
	started := time.Now()
	go h.Run(ctx)

	// The first LISTEN covers what happened since the hub started.
	<-s.Ready()
	since, ok := s.TakeResync()
	require.True(t, ok)
	require.WithinRange(t, since, started.Add(-time.Second), time.Now())

	// After a loss, it covers what happened since the last notification heard.
	acct2 := uuid.New()
	s2 := h.Subscribe(acct2, uuid.Nil)
	ev := models.BatchEvent{AccountID: acct2, BatchID: uuid.New(), Status: models.StatusReady}
	_, err := tdb.Pool.Exec(context.Background(), models.NotifySQL, models.BatchEventsChannel, ev.Payload())
	require.NoError(t, err)
	<-s2.Ready()
	require.Len(t, s2.Take(), 1)
	heard := time.Now()
	terminateListener(t, tdb)
	select {
	case <-s.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("no resync after the connection came back")
	}
	since, ok = s.TakeResync()
	require.True(t, ok)
	require.True(t, since.Before(heard), "the resync starts at the last notification heard")
	require.True(t, since.After(started), "not at the start of the hub")
	_, ok = s.TakeResync()
	require.False(t, ok, "taking the mark clears it")
}
