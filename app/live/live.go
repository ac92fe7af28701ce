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
	select {
	case s.ready <- struct{}{}:
	default:
	}
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

// Run listens until ctx ends, reconnecting after failures, then ends every subscription.
func (h *Hub) Run(ctx context.Context) {
	defer h.shutdown()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := h.listen(ctx)
		if ctx.Err() != nil {
			return
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

// listen holds one dedicated connection (not one of the pool's) for LISTEN.
func (h *Hub) listen(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, h.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{models.BatchEventsChannel}.Sanitize()); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
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
