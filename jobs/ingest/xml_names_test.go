package ingest

import (
	"encoding/xml"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// stdlibAccepts reports whether encoding/xml reads doc without an error.
func stdlibAccepts(doc string) bool {
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	for {
		if _, err := d.RawToken(); err != nil {
			return err.Error() == "EOF"
		}
	}
}

// TestXMLNameCharsMatchStdlib checks non-ASCII characters as the first and as a
// later character of a name. (ASCII bytes never reach isXMLName: the
// scanner's tables classify them.)
func TestXMLNameCharsMatchStdlib(t *testing.T) {
	t.Parallel()
	check := func(r rune) {
		c := string(r)
		require.Equal(t, stdlibAccepts("<"+c+"/>"), isXMLName([]byte(c)), "%U first", r)
		require.Equal(t, stdlibAccepts("<a"+c+"/>"), isXMLName([]byte("a"+c)), "%U later", r)
	}
	for r := rune(utf8.RuneSelf); r < 0x10000; r++ {
		if utf8.ValidRune(r) {
			check(r)
		}
	}
	// The tables end in the Basic Multilingual Plane; a sample of the others.
	for r := rune(0x10000); r <= utf8.MaxRune; r += 997 {
		check(r)
	}
	check(utf8.MaxRune)
}

// stdlibName returns the qualified name of the start tag doc starts with, "" when
// encoding/xml reads something else.
func stdlibName(doc string) string {
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	tok, _ := d.RawToken()
	if t, ok := tok.(xml.StartElement); ok {
		return refQName(t.Name)
	}
	return ""
}

func TestXMLNameASCII(t *testing.T) {
	t.Parallel()
	for c := range byte(utf8.RuneSelf) {
		s := string(rune(c))
		require.Equal(t, stdlibName("<a"+s+"/>") == "a"+s, xmlNameClass[c] != 0, "%q in names", c)
		if xmlNameClass[c] != 0 {
			require.Equal(t, stdlibName("<"+s+"/>") == s, isXMLNameStart(c), "%q first", c)
		}
	}
}
