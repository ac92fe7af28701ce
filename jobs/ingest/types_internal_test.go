package ingest

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// appendUTC writes what time's RFC3339Nano formatting writes for the same
// UTC time: the mapper's fast path for datetimes without an offset.
func TestAppendUTCMatchesTimeFormat(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(y, mo, d, h, mi, s, ns int) {
		want := append([]byte{'"'}, time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC).AppendFormat(nil, time.RFC3339Nano)...)
		want = append(want, '"')
		require.Equal(t, string(want), string(appendUTC([]byte("x"), y, mo, d, h, mi, s, ns)[1:]))
	}
	for _, ns := range []int{0, 1, 10, 100000000, 120000000, 999999999, 123456789, 500} {
		check(1, 1, 1, 0, 0, 0, ns)
		check(9999, 12, 31, 23, 59, 59, ns)
	}
	for range 100000 {
		y, mo := 1+rng.IntN(9999), 1+rng.IntN(12)
		ns := 0
		switch rng.IntN(3) {
		case 1:
			ns = rng.IntN(1000000000)
		case 2:
			ns = rng.IntN(1000) * 1000000
		}
		check(y, mo, 1+rng.IntN(daysIn(y, mo)), rng.IntN(24), rng.IntN(60), rng.IntN(60), ns)
	}
}
