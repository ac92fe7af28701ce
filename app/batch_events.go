package app

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/app/live"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/pages"
)

// Live stream timing: a comment line keeps proxies and the browser from
// closing an idle stream; after each write the stream pauses so that a burst
// of changes reaches the page as one update per batch.
const (
	sseHeartbeat = 15 * time.Second
	sseCoalesce  = 200 * time.Millisecond
	// clockSkew widens the catch-up window of the overview stream, whose
	// page time comes from the web process and updated_at from PostgreSQL.
	clockSkew = 250 * time.Millisecond
)

// rendered is what one batch event looks like on a page, rendered once per
// event for every subscriber.
type rendered struct {
	status   models.Status
	created  time.Time
	row      string
	progress string
}

// renderEvent loads the batch an event names and renders its row and progress panel.
func (s *Server) renderEvent(ev *live.Event) (rendered, error) {
	v, err := ev.Load(func() (any, error) {
		if ev.Deleted {
			return rendered{row: renderString(components.RemovedRow(ev.BatchID.String()))}, nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		it, err := models.BatchListItemByID(ctx, s.db, ev.AccountID, ev.BatchID)
		if err != nil {
			return nil, err
		}
		bv := s.rowView(it, time.Now())
		if err := s.markWorkerWait(ctx, &bv); err != nil {
			return nil, err
		}
		return rendered{status: bv.Status, created: bv.Created, row: renderString(components.BatchRow(bv)), progress: renderString(components.BatchProgress(bv))}, nil
	})
	if err != nil {
		return rendered{}, err
	}
	return v.(rendered), nil
}

func renderString(c templ.Component) string {
	var buf bytes.Buffer
	_ = c.Render(context.Background(), &buf) // writes to memory only
	return buf.String()
}

// writeEvent writes one SSE event; data may span lines.
func writeEvent(w *bufio.Writer, name, data string) {
	w.WriteString("event: " + name + "\n")
	for _, line := range bytes.Split([]byte(data), []byte("\n")) {
		w.WriteString("data: ")
		w.Write(line)
		w.WriteByte('\n')
	}
	w.WriteByte('\n')
}

// batchEvents streams the rows of the account's batches as they change.
// The page passes the time it was rendered (since, Unix milliseconds); rows
// changed after it are sent at once. A batch created after it is sent once as
// "batch-new", which the first page of the unfiltered overview puts on top;
// later changes of it go to its row like any other's.
func (s *Server) batchEvents(c *fiber.Ctx) error {
	acct := identity(c).AccountID
	sub := s.live.Subscribe(acct, uuid.Nil)
	var missed []*live.Event
	var renderedAt time.Time
	if since := c.QueryInt("since"); since > 0 {
		renderedAt = time.UnixMilli(int64(since))
		var err error
		if missed, err = s.changedSince(c.UserContext(), acct, renderedAt); err != nil {
			sub.Close()
			return err
		}
	}
	announced := map[uuid.UUID]bool{}
	send := func(w *bufio.Writer, ev *live.Event, r rendered) {
		if !renderedAt.IsZero() && r.created.After(renderedAt) && !announced[ev.BatchID] && !ev.Deleted {
			announced[ev.BatchID] = true
			writeEvent(w, "batch-new", r.row)
			return
		}
		writeEvent(w, "batch-"+ev.BatchID.String(), r.row)
	}
	resync := func(since time.Time) []*live.Event {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		evs, err := s.changedSince(ctx, acct, since)
		if err != nil {
			s.log.Warn("catching up a live overview", "account_id", acct, "error", err)
		}
		return evs
	}
	// The tabs count the page's search, so they are counted per stream: one
	// GROUP BY after each burst of changes, which the pause after every write
	// bounds to five a second.
	tabs := models.OverviewQuery{Status: models.Status(c.Query("status")), Search: c.Query("q"), Errors: c.Query("errors") == "1"}
	tabs.Normalize()
	afterBurst := func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		tally, err := models.OverviewCounts(ctx, s.db, acct, tabs)
		if err != nil {
			s.log.Warn("counting a live overview's tabs", "account_id", acct, "error", err)
			return
		}
		writeEvent(w, "tabs", renderString(pages.BatchTabs(pages.BatchTabsView{Query: tabs, Counts: tally.Counts, All: tally.All, WithErrors: tally.WithErrors})))
	}
	return s.stream(c, sub, send, afterBurst, resync, missed)
}

// changedSince names the account's batches changed after t (the newest page
// of them), as events to send.
func (s *Server) changedSince(ctx context.Context, acct uuid.UUID, t time.Time) ([]*live.Event, error) {
	var ids []uuid.UUID
	err := s.db.WithContext(ctx).Model(&models.Batch{}).
		Where("account_id = ? AND updated_at > ?", acct, t.Add(-clockSkew)).
		Order("updated_at DESC").Limit(models.OverviewPageSize).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("loading batches changed since %s: %w", t, err)
	}
	evs := make([]*live.Event, len(ids))
	for i, id := range ids {
		evs[i] = &live.Event{BatchEvent: models.BatchEvent{AccountID: acct, BatchID: id}}
	}
	return evs, nil
}

// batchEventsOne streams one batch's progress panel, and a "status" event
// whenever its status changes so that the report reloads what depends on it.
func (s *Server) batchEventsOne(c *fiber.Ctx) error {
	acct := identity(c).AccountID
	id, err := batchParam(c)
	if err != nil {
		return err
	}
	if _, err := models.BatchByID(c.UserContext(), s.db, acct, id); err != nil {
		return err
	}
	sub := s.live.Subscribe(acct, id)
	// The status the page was rendered with, so that a change made before
	// the stream opened still reloads what depends on the status.
	last := models.Status(c.Query("status"))
	send := func(w *bufio.Writer, _ *live.Event, r rendered) {
		if r.progress == "" {
			writeEvent(w, "status", "deleted")
			return
		}
		writeEvent(w, "progress", r.progress)
		if r.status != last {
			writeEvent(w, "status", string(r.status))
		}
		last = r.status
	}
	// The page may have missed a change while the stream was opening, or
	// while the hub's connection was down: either way, render the batch as it is.
	current := func(time.Time) []*live.Event {
		return []*live.Event{{BatchEvent: models.BatchEvent{AccountID: acct, BatchID: id}}}
	}
	return s.stream(c, sub, send, nil, current, current(time.Time{}))
}

// stream runs an SSE response for sub until the client goes, the
// subscription is dropped or the server shuts down.
// Events in first are sent as soon as the stream opens; resync names what to
// send when the hub may have missed events since a time (live.TakeResync).
// afterBurst, when not nil, writes after every group of events sent.
func (s *Server) stream(c *fiber.Ctx, sub *live.Subscription, send func(*bufio.Writer, *live.Event, rendered),
	afterBurst func(*bufio.Writer), resync func(since time.Time) []*live.Event, first []*live.Event) error {
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	shutdown := c.Context().Done()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer sub.Close()
		heartbeat := time.NewTicker(sseHeartbeat)
		defer heartbeat.Stop()
		w.WriteString("retry: 2000\n: connected\n\n")
		for _, ev := range first {
			if r, err := s.renderEvent(ev); err == nil {
				send(w, ev, r)
			}
		}
		if len(first) > 0 && afterBurst != nil {
			afterBurst(w)
		}
		// Every write, the first included, is followed by a pause: the page
		// gets at most one update per element per sseCoalesce.
		for {
			if w.Flush() != nil {
				return
			}
			select {
			case <-time.After(sseCoalesce):
			case <-shutdown:
				return
			}
			select {
			case <-shutdown:
				return
			case <-sub.Done():
				return
			case <-heartbeat.C:
				w.WriteString(": ping\n\n")
			case <-sub.Ready():
				evs := sub.Take()
				if since, ok := sub.TakeResync(); ok {
					evs = append(resync(since), evs...)
				}
				for _, ev := range evs {
					r, err := s.renderEvent(ev)
					if err != nil {
						continue // gone meanwhile, or a transient failure: the next event retries
					}
					send(w, ev, r)
				}
				if len(evs) > 0 && afterBurst != nil {
					afterBurst(w)
				}
			}
		}
	})
	return nil
}
