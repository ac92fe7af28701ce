package ingest

import (
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// singleByte decodes a single-byte encoding (Windows-1252, ISO-8859-1) into
// UTF-8. The upper half comes from golang.org/x/text's charmap, decoded once
// into a table; runs of ASCII are copied as they are. x/text's own decoder
// looks up and encodes every byte, ASCII included, which made a Windows-1252
// CSV read a quarter slower than the same text in UTF-8.
// FuzzSingleByteMatchesCharmap holds it to x/text's decoder.
type singleByte struct {
	upper *[128][]byte
}

var (
	windows1252Upper = upperHalf(charmap.Windows1252)
	iso88591Upper    = upperHalf(charmap.ISO8859_1)
)

// upperHalf is the UTF-8 of bytes 0x80–0xFF in cm.
func upperHalf(cm *charmap.Charmap) *[128][]byte {
	var t [128][]byte
	for i := range t {
		b, err := cm.NewDecoder().Bytes([]byte{byte(0x80 + i)})
		if err != nil || !utf8.Valid(b) {
			b = []byte(string(utf8.RuneError))
		}
		t[i] = b
	}
	return &t
}

// Transform implements transform.Transformer.
func (d singleByte) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		if c < utf8.RuneSelf {
			// Copy the run of ASCII that fits.
			end := nSrc + 1
			for end < len(src) && src[end] < utf8.RuneSelf && end-nSrc < len(dst)-nDst {
				end++
			}
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += copy(dst[nDst:], src[nSrc:end])
			nSrc = end
			continue
		}
		u := d.upper[c-0x80]
		if len(dst)-nDst < len(u) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += copy(dst[nDst:], u)
		nSrc++
	}
	return nDst, nSrc, nil
}

// Reset implements transform.Transformer; the decoder keeps no state.
func (singleByte) Reset() {}
