package components

import (
	"context"
	"io"
	"strconv"
	"time"
)

func itoa(n int) string { return strconv.Itoa(n) }

// Stamp is a moment shown on a page: a <time datetime> whose text is UTC,
// which static/js/app.js shows in the reader's time zone and locale; or a
// word ("never", "—") when there is no moment.
type Stamp struct {
	t    time.Time
	none string
}

// Set reports whether the stamp holds a moment.
func (s Stamp) Set() bool { return !s.t.IsZero() }

// Render writes the stamp as HTML.
func (s Stamp) Render(ctx context.Context, w io.Writer) error {
	if !s.Set() {
		return stampNone(s.none).Render(ctx, w)
	}
	return stampTime(s.t).Render(ctx, w)
}

// Timestamp is a time for tables and detail pages.
func Timestamp(t time.Time) Stamp { return Stamp{t: t} }

// MaybeTimestamp is an optional time, or none.
func MaybeTimestamp(t *time.Time, none string) Stamp {
	if t == nil {
		return Stamp{none: none}
	}
	return Stamp{t: *t}
}
