package app

import (
	"bufio"
	"context"
	"errors"
	"io"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
)

// Check all records: the stream reports progress at most every
// checkProgressInterval and shows the checkGroupsShown most frequent failures.
const (
	checkProgressInterval = 250 * time.Millisecond
	checkGroupsShown      = 20
)

// batchCheck is the "Check all records" panel: running (its stream starts
// as the panel lands in the page), or, with cancel=1, stopped. Replacing the
// running panel closes its stream, which stops the check on the server.
func (s *Server) batchCheck(c *fiber.Ctx) error {
	id, err := batchParam(c)
	if err != nil {
		return err
	}
	if _, err := models.BatchByID(c.UserContext(), s.db, identity(c).AccountID, id); err != nil {
		return err
	}
	v := components.CheckAllView{BatchID: id.String(), State: "running"}
	if c.Query("cancel") != "" {
		v.State = "cancelled"
	}
	return renderComponent(c, components.CheckAll(v))
}

// batchCheckEvents streams "Check all records": the batch's whole input is
// read and mapped as Run would map it (effective column map, key field),
// inserting nothing. "progress" events carry the count so far, "done" the
// good and bad counts with failures grouped by field and message. The check
// stops when the page goes (a failed flush) or the server shuts down.
func (s *Server) batchCheckEvents(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := batchParam(c)
	if err != nil {
		return err
	}
	b, err := models.BatchByID(ctx, s.db, identity(c).AccountID, id)
	if err != nil {
		return err
	}
	m, err := s.matchBatch(ctx, s.db, b)
	if err != nil {
		return err
	}
	if m.iface == nil || m.input == nil {
		return NewHTTPError(fiber.StatusUnprocessableEntity, "Choose an interface and an input before checking the records.")
	}
	opts, fields, key, inputKey, size := jobs.IngestOptions(m.iface, b.Format), m.mappedFields(), m.keyField, m.input.StorageKey, m.input.Size
	view := components.CheckAllView{BatchID: b.ID.String(), State: "running"}
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	shutdown := c.Context().Done()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-shutdown:
				cancel()
			case <-ctx.Done():
			}
		}()
		w.WriteString(": checking\n\n")
		writeEvent(w, "progress", renderString(components.CheckAllStatus(view)))
		if w.Flush() != nil {
			return
		}
		// Ending the stream without "done" would make the EventSource
		// reconnect and start over, so a failed check says so and ends.
		failed := func(what string, err error) {
			s.log.Warn(what, "batch_id", view.BatchID, "error", err)
			writeEvent(w, "done", renderString(components.CheckAllStatus(components.CheckAllView{BatchID: view.BatchID,
				State: "done", PayloadError: "The records could not be checked. Try again in a moment."})))
			_ = w.Flush()
		}
		r, err := s.store.Open(ctx, inputKey)
		if err != nil {
			failed("opening an input to check", err)
			return
		}
		defer r.Close()
		cr := &countingReader{r: r}
		last := time.Now()
		res, err := jobs.CheckRecords(cr, opts, fields, key, func(n int64) bool {
			if ctx.Err() != nil {
				return false
			}
			if time.Since(last) < checkProgressInterval {
				return true
			}
			last = time.Now()
			view.Checked = n
			if size > 0 {
				view.Percent = int(min(100, cr.n*100/size))
			}
			writeEvent(w, "progress", renderString(components.CheckAllStatus(view)))
			return w.Flush() == nil
		})
		if errors.Is(err, jobs.ErrCheckStopped) {
			return
		}
		if err != nil {
			failed("checking the records of a batch", err)
			return
		}
		writeEvent(w, "done", renderString(components.CheckAllStatus(checkResultView(view.BatchID, res))))
		_ = w.Flush()
	})
	return nil
}

// checkResultView shows a check's result: counts and the most frequent failures.
func checkResultView(batchID string, res jobs.CheckResult) components.CheckAllView {
	v := components.CheckAllView{BatchID: batchID, State: "done", Good: res.Good, Bad: res.Bad, More: res.Other}
	if res.Payload != nil {
		v.PayloadError = "The input cannot be read: " + res.Payload.Error() + ". The counts are of the records before it."
	}
	for i, g := range res.Groups {
		if i >= checkGroupsShown {
			v.More += g.Count
			continue
		}
		v.Groups = append(v.Groups, components.CheckAllGroup{Count: g.Count, Field: g.Field, Message: g.Message})
	}
	return v
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
