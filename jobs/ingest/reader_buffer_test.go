package ingest

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// TestJSONReaderFirstBufferSize reads JSON records of every size, some
// larger than a small input's first buffer, starting from buffers of 64
// bytes to the full size: the records, their positions and a fault's
// position come out the same.
func TestJSONReaderFirstBufferSize(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("[\n")
	for i := range 60 {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString(`{"id":` + strings.Repeat("1", 1+i%5) + `,"note":"` + strings.Repeat("x", (i*i*37)%9000) + `"}`)
	}
	valid := b.String() + "\n]"
	broken := b.String() + `,{"id":}]`
	type rec struct {
		Index, Line int
		Offset      int64
		Raw         string
	}
	read := func(src io.Reader, size int) ([]rec, error) {
		r, err := newJSONReader(src, Options{Format: FormatJSON}, size)
		require.NoError(t, err)
		var recs []rec
		for {
			x, err := r.Next()
			if errors.Is(err, io.EOF) {
				return recs, nil
			}
			if err != nil {
				return recs, err
			}
			recs = append(recs, rec{x.Index, x.Line, x.Offset, string(x.raw)})
		}
	}
	for _, payload := range []string{valid, broken} {
		want, wantErr := read(strings.NewReader(payload), jsonBufSize)
		for _, size := range []int{64, 4 << 10, bufferSize(strings.NewReader(payload), jsonBufSize)} {
			got, err := read(iotest.HalfReader(strings.NewReader(payload)), size)
			require.Equal(t, want, got, "first buffer of %d bytes", size)
			require.Equal(t, wantErr, err, "first buffer of %d bytes", size)
		}
	}
}

// TestBufferSizeFollowsASmallInput sizes a read buffer to an input in
// memory, within 4 KiB and the full size, and keeps the full size for a
// stream of unknown length.
func TestBufferSizeFollowsASmallInput(t *testing.T) {
	t.Parallel()
	require.Equal(t, 4<<10, bufferSize(bytes.NewReader(make([]byte, 100)), 64<<10))
	require.Equal(t, 20_000+512, bufferSize(bytes.NewReader(make([]byte, 20_000)), 64<<10))
	require.Equal(t, 64<<10, bufferSize(bytes.NewReader(make([]byte, 1<<20)), 64<<10))
	require.Equal(t, 64<<10, bufferSize(iotest.HalfReader(bytes.NewReader(make([]byte, 100))), 64<<10))
}
