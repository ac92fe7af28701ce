package jobs

import (
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

// ErrCheckStopped ends CheckRecords when its progress function says stop.
var ErrCheckStopped = errors.New("check stopped")

// maxCheckGroups bounds the distinct (field, message) groups CheckRecords
// keeps; failures beyond them are counted in Other.
const maxCheckGroups = 1000

// checkProgressEvery is how many records CheckRecords reads between two
// calls of its progress function.
const checkProgressEvery = 1024

// CheckGroup is one kind of failure: how many records failed on a field
// with a message ("89 × quantity: expected an integer").
type CheckGroup struct {
	Field   string
	Message string
	Count   int64
}

// CheckResult is what CheckRecords found.
type CheckResult struct {
	// Good and Bad count the records that map and those that fail.
	Good, Bad int64
	// Groups are the failures by field and message, most frequent first.
	Groups []CheckGroup
	// Other counts failures beyond the kept groups.
	Other int64
	// Payload is the fault that stops the payload being read, if any;
	// the counts are of the records before it.
	Payload *ingest.PayloadError
}

// CheckRecords reads every record of a payload and maps it as the worker
// would, inserting nothing, and counts good and bad records with the
// failures grouped. progress is called with the number of records read so
// far every few thousand records; when it returns false the check stops
// with ErrCheckStopped.
func CheckRecords(r io.Reader, opts ingest.Options, fields []ingest.Field, keyField string, progress func(checked int64) bool) (CheckResult, error) {
	var res CheckResult
	rd, err := ingest.NewReader(r, opts)
	if err != nil {
		return res, fmt.Errorf("checking records: %w", err)
	}
	m, err := ingest.NewMapper(fields, keyField)
	if err != nil {
		return res, fmt.Errorf("checking records: %w", err)
	}
	type groupKey struct{ field, msg string }
	groups := map[groupKey]int64{}
	var buf []byte
	for n := int64(1); ; n++ {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.As(err, &res.Payload) {
			break
		}
		if err != nil {
			return res, fmt.Errorf("checking records: %w", err)
		}
		out, _, err := m.Map(buf[:0], rec)
		var fe *ingest.FieldError
		switch {
		case err == nil:
			res.Good++
			buf = out
		case errors.As(err, &fe):
			res.Bad++
			k := groupKey{fe.Field, fe.Msg}
			if _, ok := groups[k]; ok || len(groups) < maxCheckGroups {
				groups[k]++
			} else {
				res.Other++
			}
		default:
			return res, fmt.Errorf("checking records: %w", err)
		}
		if n%checkProgressEvery == 0 && !progress(n) {
			return res, ErrCheckStopped
		}
	}
	for k, c := range groups {
		res.Groups = append(res.Groups, CheckGroup{Field: k.field, Message: k.msg, Count: c})
	}
	sort.Slice(res.Groups, func(i, j int) bool {
		a, b := res.Groups[i], res.Groups[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Message < b.Message
	})
	return res, nil
}
