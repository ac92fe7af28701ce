package app_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

// sseEvent is one received server-sent event.
type sseEvent struct {
	name string
	data string
}

// openStream connects b to an SSE endpoint and returns its events as they come.
func openStream(t *testing.T, h *apptest.Harness, b *apptest.Browser, path string) (<-chan sseEvent, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL+path, nil)
	require.NoError(t, err)
	res, err := b.Client.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	events := make(chan sseEvent, 100)
	go func() {
		defer close(events)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				if ev.data != "" {
					ev.data += "\n"
				}
				ev.data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return events, res
}

// nextEvent waits for the next event named name, skipping others.
func nextEvent(t *testing.T, events <-chan sseEvent, name string) sseEvent {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			require.True(t, ok, "stream ended waiting for %s", name)
			if ev.name == name {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event", name)
		}
	}
}

// eventAfter returns the next event named name that contains want, skipping
// those of that name that contain skip (updates still queued from a change a
// test retried); any other event of that name fails the test.
func eventAfter(t *testing.T, events <-chan sseEvent, name, want, skip string) sseEvent {
	t.Helper()
	for {
		ev := nextEvent(t, events, name)
		if strings.Contains(ev.data, want) {
			return ev
		}
		require.Contains(t, ev.data, skip, "a %s event before the one expected", name)
	}
}

// notifyChange announces a change the way the worker does.
func (u *uiBundle) notifyChange(t *testing.T, id uuid.UUID, s models.Status) {
	t.Helper()
	ev := models.BatchEvent{AccountID: u.acct.ID, BatchID: id, Status: s}
	_, err := u.h.Pool.Exec(context.Background(), models.NotifySQL, models.BatchEventsChannel, ev.Payload())
	require.NoError(t, err)
}

func TestOverviewStreamPushesChangedRows(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.completeDraft(t, "Live one")
	other := u.h.CreateAccount(t, "other@example.com", true)
	ob := u.h.SignIn(t, other)
	otherEvents, _ := openStream(t, u.h, ob, "/events/batches")

	events, _ := openStream(t, u.h, u.b, "/events/batches")
	// The LISTEN connection may still be starting: retry the change until it is seen.
	var ev sseEvent
	require.Eventually(t, func() bool {
		u.setStatus(t, id, models.StatusProcessing)
		require.NoError(t, u.h.DB.Exec(`UPDATE batches SET total_count = 10, processed_count = 4 WHERE id = ?`, id).Error)
		u.notifyChange(t, id, models.StatusProcessing)
		select {
		case ev = <-events:
			return true
		case <-time.After(300 * time.Millisecond):
			return false
		}
	}, 30*time.Second, 10*time.Millisecond)
	require.Equal(t, "batch-"+id.String(), ev.name)
	require.Contains(t, ev.data, `<tr id="batch-row-`+id.String()+`"`)
	require.Contains(t, ev.data, `data-status="PROCESSING"`)
	require.Contains(t, ev.data, `<progress class="batch-progress" max="10" value="4"`)

	// The wizard's own changes are announced too, and a deletion removes the row.
	res := u.b.PostForm("/batches/"+id.String()+"/wizard/information", url.Values{"name": {"x"}})
	require.Equal(t, http.StatusConflict, res.StatusCode)
	u.setStatus(t, id, models.StatusFinished)
	code, _ := u.rowAction(t, http.MethodDelete, "/batches/"+id.String(), id)
	require.Equal(t, http.StatusOK, code)
	// Events of the retried change above may still be queued: skip them. (A
	// live row contains "hidden" too, in its closed menu, so match the whole
	// removal row.)
	removed := `<tr id="batch-row-` + id.String() + `" hidden></tr>`
	ev = nextEvent(t, events, "batch-"+id.String())
	for ev.data != removed {
		require.Contains(t, ev.data, `data-status=`, "a row update, not something else")
		ev = nextEvent(t, events, "batch-"+id.String())
	}

	select {
	case ev := <-otherEvents:
		t.Fatalf("another account received %v", ev)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestBatchStreamPushesProgressAndStatusChanges(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.completeDraft(t, "Watched")
	code, _ := u.rowAction(t, http.MethodPost, "/batches/"+id.String()+"/run", id)
	require.Equal(t, http.StatusOK, code)

	events, _ := openStream(t, u.h, u.b, "/events/batches/"+id.String())
	first := nextEvent(t, events, "progress")
	require.Contains(t, first.data, `id="batch-progress-`+id.String()+`"`)
	require.Contains(t, first.data, `data-status="READY"`)

	require.Eventually(t, func() bool {
		u.setStatus(t, id, models.StatusProcessing)
		require.NoError(t, u.h.DB.Exec(`UPDATE batches SET total_count = 100, processed_count = 50 WHERE id = ?`, id).Error)
		u.notifyChange(t, id, models.StatusProcessing)
		select {
		case ev := <-events:
			return ev.name == "progress" && strings.Contains(ev.data, `data-status="PROCESSING"`)
		case <-time.After(300 * time.Millisecond):
			return false
		}
	}, 30*time.Second, 10*time.Millisecond)
	st := nextEvent(t, events, "status")
	require.Equal(t, "PROCESSING", st.data)

	u.setStatus(t, id, models.StatusFinished)
	u.notifyChange(t, id, models.StatusFinished)
	// Events of the retried change above may still be queued: skip them.
	eventAfter(t, events, "progress", `data-status="FINISHED"`, `data-status="PROCESSING"`)
	eventAfter(t, events, "status", "FINISHED", "PROCESSING")

	details := u.b.HTMX(http.MethodGet, "/batches/"+id.String()+"/details", nil)
	require.Contains(t, details.Body, `hx-delete="/batches/`+id.String()+`"`, "a FINISHED batch can be deleted")
}

func TestShutdownEndsOpenStreams(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	events, _ := openStream(t, u.h, u.b, "/events/batches")
	done := make(chan error, 1)
	go func() { done <- u.h.Server.App().ShutdownWithTimeout(5 * time.Second) }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("shutdown waited for an open stream")
	}
	select {
	case _, open := <-events:
		require.False(t, open, "no event expected")
	case <-time.After(5 * time.Second):
		t.Fatal("the stream stayed open")
	}
}

func TestStreamsCatchUpWithChangesMadeBeforeTheyOpened(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.completeDraft(t, "Early")
	rendered := time.Now()
	u.setStatus(t, id, models.StatusFinished)

	// The report was rendered while the batch was READY: the stream says it changed.
	one, _ := openStream(t, u.h, u.b, "/events/batches/"+id.String()+"?status=READY")
	require.Contains(t, nextEvent(t, one, "progress").data, `data-status="FINISHED"`)
	require.Equal(t, "FINISHED", nextEvent(t, one, "status").data)

	// The overview rendered before the change gets the row at once.
	rows, _ := openStream(t, u.h, u.b, "/events/batches?since="+strconv.FormatInt(rendered.UnixMilli(), 10))
	require.Contains(t, nextEvent(t, rows, "batch-"+id.String()).data, `data-status="FINISHED"`)
}

func TestOverviewStreamAnnouncesNewBatchesOnce(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	page := u.b.Get("/")
	require.Contains(t, page.Body, `sse-swap="batch-new" hx-swap="afterbegin settle:0ms"`)
	require.NotContains(t, u.b.Get("/?status=DRAFT").Body, `sse-swap="batch-new"`, "a filtered page does not take new rows")

	events, _ := openStream(t, u.h, u.b, "/events/batches?since="+strconv.FormatInt(time.Now().Add(-time.Second).UnixMilli(), 10))
	// A draft made before the stream listens is not announced: make drafts
	// until one is. The announcement may come late, for an earlier draft.
	var id uuid.UUID
	var made []uuid.UUID
	require.Eventually(t, func() bool {
		made = append(made, u.newDraft(t, "Arrived "+uuid.NewString()[:6]))
		select {
		case ev := <-events:
			for _, d := range made {
				if ev.name == "batch-new" && strings.Contains(ev.data, `id="batch-row-`+d.String()+`"`) {
					id = d
					return true
				}
			}
			return false
		case <-time.After(500 * time.Millisecond):
			return false
		}
	}, 30*time.Second, 10*time.Millisecond)
	u.setStatus(t, id, models.StatusReady)
	u.notifyChange(t, id, models.StatusReady)
	require.Contains(t, nextEvent(t, events, "batch-"+id.String()).data, `data-status="READY"`)
}

func TestStreamsCatchUpAfterTheHubReconnects(t *testing.T) {
	t.Parallel()
	u := setupUI(t, noWorkers)
	id := u.completeDraft(t, "Unheard")
	one, _ := openStream(t, u.h, u.b, "/events/batches/"+id.String()+"?status=DRAFT")
	rows, _ := openStream(t, u.h, u.b, "/events/batches?since="+strconv.FormatInt(time.Now().UnixMilli(), 10))
	// Wait until the hub hears notifications.
	require.Eventually(t, func() bool {
		u.notifyChange(t, id, models.StatusDraft)
		select {
		case ev := <-rows:
			return ev.name == "batch-"+id.String()
		case <-time.After(300 * time.Millisecond):
			return false
		}
	}, 30*time.Second, 10*time.Millisecond)

	// A change whose NOTIFY is lost: the hub's connection dies with it.
	u.setStatus(t, id, models.StatusFinished)
	var n int
	require.NoError(t, u.h.Pool.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN "' || $1 || '"'`, models.BatchEventsChannel).Scan(&n))
	require.Equal(t, 1, n)

	// Updates for the notifications heard before may still be on their way:
	// the streams must come to the change that was not announced.
	eventWith(t, one, "progress", `data-status="FINISHED"`)
	require.Equal(t, "FINISHED", nextEvent(t, one, "status").data)
	eventWith(t, rows, "batch-"+id.String(), `data-status="FINISHED"`)
}

// eventWith waits for an event named name whose data contains want, skipping others.
func eventWith(t *testing.T, events <-chan sseEvent, name, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(nextEvent(t, events, name).data, want) {
		require.True(t, time.Now().Before(deadline), "no %s event with %s", name, want)
	}
}
