// Package live fans the batch events that PostgreSQL announces on
// models.BatchEventsChannel out to the pages that show those batches. One
// Hub per process holds one LISTEN connection; subscribers never touch the
// database to learn about changes.
package live

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/flowbatch/flowbatch/models"
)

// MaxPending is how many distinct batches a subscriber may have waiting
// before it is considered too slow and dropped.
const MaxPending = 1000

// Event is one announced change, shared by every subscriber that receives
// it, so that what they show for it is loaded once (see Load).
type Event struct {
	models.BatchEvent

	once sync.Once
	val  any
	err  error
}

// Load runs fn once per event, whichever subscriber asks first, and returns its result to all.
func (e *Event) Load(fn func() (any, error)) (any, error) {
	e.once.Do(func() { e.val, e.err = fn() })
	return e.val, e.err
}

// Hub listens on one connection and hands events to subscribers.
type Hub struct {
	pool *pgxpool.Pool
	log  *slog.Logger

	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	closed bool
}

// NewHub returns a hub; call Run to start listening.
func NewHub(pool *pgxpool.Pool, log *slog.Logger) *Hub {
	return &Hub{pool: pool, log: log, subs: map[*Subscription]struct{}{}}
}

// Subscription receives the events of one account, or of one of its batches.
// Events for the same batch that arrive before the subscriber takes them are
// coalesced into the latest one.
type Subscription struct {
	hub       *Hub
	accountID uuid.UUID
	batchID   uuid.UUID

	mu      sync.Mutex
	pending map[uuid.UUID]*Event
	order   []uuid.UUID
	resync  time.Time // set when events since then may have been missed
	ready   chan struct{}
	done    chan struct{}
	once    sync.Once
}

// Subscribe registers a subscriber for an account's batches (batchID zero)
// or for one batch. Close it when done.
func (h *Hub) Subscribe(accountID, batchID uuid.UUID) *Subscription {
	s := &Subscription{
		hub: h, accountID: accountID, batchID: batchID,
		pending: map[uuid.UUID]*Event{}, ready: make(chan struct{}, 1), done: make(chan struct{}),
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		s.stop()
		return s
	}
	h.subs[s] = struct{}{}
	return s
}

// Subscribers is the number of open subscriptions.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Ready is signalled when events are waiting to be taken.
func (s *Subscription) Ready() <-chan struct{} { return s.ready }

// Done is closed when the subscription ends: closed by its owner, dropped
// for being too slow, or the hub shutting down.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Take returns the waiting events, oldest batch first, one per batch.
func (s *Subscription) Take() []*Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Event, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.pending[id])
	}
	clear(s.pending)
	s.order = s.order[:0]
	return out
}

// TakeResync reports whether events may have been missed since the returned
// time, because the hub's connection was down, and clears the mark. The
// subscriber then loads what changed since instead of waiting for events.
func (s *Subscription) TakeResync() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	since := s.resync
	s.resync = time.Time{}
	return since, !since.IsZero()
}

// markResync notes that events since since may have been missed.
func (s *Subscription) markResync(since time.Time) {
	s.mu.Lock()
	if s.resync.IsZero() || since.Before(s.resync) {
		s.resync = since
	}
	s.mu.Unlock()
	s.signal()
}

func (s *Subscription) signal() {
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	delete(s.hub.subs, s)
	s.hub.mu.Unlock()
	s.stop()
}

func (s *Subscription) stop() { s.once.Do(func() { close(s.done) }) }

// offer queues ev without blocking; it reports false when the subscriber is too far behind.
func (s *Subscription) offer(ev *Event) bool {
	if ev.AccountID != s.accountID || (s.batchID != uuid.Nil && ev.BatchID != s.batchID) {
		return true
	}
	s.mu.Lock()
	if _, ok := s.pending[ev.BatchID]; !ok {
		if len(s.order) >= MaxPending {
			s.mu.Unlock()
			return false
		}
		s.order = append(s.order, ev.BatchID)
	}
	s.pending[ev.BatchID] = ev
	s.mu.Unlock()
	s.signal()
	return true
}

// Publish hands ev to every matching subscriber; slow ones are dropped.
func (h *Hub) Publish(be models.BatchEvent) {
	ev := &Event{BatchEvent: be}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if !s.offer(ev) {
			delete(h.subs, s)
			s.stop()
			h.log.Warn("dropping a live subscriber that fell behind", "account_id", s.accountID)
		}
	}
}

// Run listens until ctx ends, reconnecting after failures, then ends every
// subscription. Each time LISTEN is in place, the first time included, the
// subscriptions are marked for a resync (see TakeResync) from the last moment
// the hub is sure it heard everything: its start, or the last notification
// received on the connection that was lost (a connection can be dead a while
// before a read fails). NOTIFYs sent to a lost connection are gone for good.
func (h *Hub) Run(ctx context.Context) {
	defer h.shutdown()
	const firstBackoff = 100 * time.Millisecond
	backoff := firstBackoff
	deafSince := time.Now()
	for ctx.Err() == nil {
		heard, err := h.listen(ctx, func() {
			h.resync(deafSince)
			backoff = firstBackoff
		})
		if ctx.Err() != nil {
			return
		}
		if !heard.IsZero() {
			deafSince = heard
		}
		h.log.Warn("batch events connection lost; reconnecting", "error", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// resync marks every subscription for a resync from since.
func (h *Hub) resync(since time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.markResync(since)
	}
}

// listen holds one dedicated connection (not one of the pool's) for LISTEN,
// calling listening once it is in place. It returns when the connection
// fails, with the time of the last notification received on it (or of the
// LISTEN itself; zero when it never got that far).
func (h *Hub) listen(ctx context.Context, listening func()) (heard time.Time, err error) {
	conn, err := pgx.ConnectConfig(ctx, h.pool.Config().ConnConfig.Copy())
	if err != nil {
		return heard, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{models.BatchEventsChannel}.Sanitize()); err != nil {
		return heard, err
	}
	heard = time.Now()
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return heard, err
		}
		heard = time.Now()
		ev, err := models.ParseBatchEvent(n.Payload)
		if err != nil {
			h.log.Warn("ignoring a malformed batch event", "error", err)
			continue
		}
		h.Publish(ev)
	}
}

func (h *Hub) shutdown() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		s.stop()
	}
	clear(h.subs)
}
