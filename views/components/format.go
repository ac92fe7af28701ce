package components

import (
	"strconv"
	"time"
)

func itoa(n int) string { return strconv.Itoa(n) }

// Timestamp formats a time for tables and detail pages, in UTC.
func Timestamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// MaybeTimestamp formats an optional time, or returns none.
func MaybeTimestamp(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return Timestamp(*t)
}
