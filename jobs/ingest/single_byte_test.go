package ingest

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// FuzzSingleByteMatchesCharmap holds the single-byte decoder to x/text's,
// for Windows-1252 and ISO-8859-1, read one byte or half a buffer at a time.
func FuzzSingleByteMatchesCharmap(f *testing.F) {
	f.Add([]byte("Fran\xe7oise \x80 \x9c\x81 plain"), true)
	f.Add(bytes.Repeat([]byte("abc\xff"), 5000), false)
	f.Fuzz(func(t *testing.T, data []byte, oneByte bool) {
		for _, tc := range []struct {
			cm  *charmap.Charmap
			dec singleByte
		}{{charmap.Windows1252, singleByte{windows1252Upper}}, {charmap.ISO8859_1, singleByte{iso88591Upper}}} {
			want, err := tc.cm.NewDecoder().Bytes(data)
			require.NoError(t, err)
			var src io.Reader = bytes.NewReader(data)
			if oneByte {
				src = iotest.OneByteReader(src)
			} else {
				src = iotest.HalfReader(src)
			}
			got, err := io.ReadAll(transform.NewReader(src, tc.dec))
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
	})
}
