package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encoding names the character encoding of a text payload.
type Encoding string

// The encodings a payload may be read in. EncodingAuto is a setting, not an
// encoding a payload is read in: it reads as UTF-8 when every byte is, and
// as Windows-1252 otherwise (see ErrNotUTF8). EncodingUTF16 is a setting too:
// it reads as UTF16LE or UTF16BE after the byte order mark, or the order the
// first bytes show.
const (
	EncodingAuto        Encoding = "auto"
	EncodingUTF8        Encoding = "utf-8"
	EncodingWindows1252 Encoding = "windows-1252"
	EncodingISO88591    Encoding = "iso-8859-1"
	EncodingUTF16       Encoding = "utf-16"
	EncodingUTF16LE     Encoding = "utf-16le"
	EncodingUTF16BE     Encoding = "utf-16be"
)

// Encodings lists the encoding settings an interface may carry, in the order
// pickers show them.
var Encodings = []Encoding{EncodingAuto, EncodingUTF8, EncodingWindows1252, EncodingISO88591, EncodingUTF16}

// Valid reports whether e is an encoding setting or a decided encoding.
func (e Encoding) Valid() bool {
	switch e {
	case EncodingAuto, EncodingUTF8, EncodingWindows1252, EncodingISO88591, EncodingUTF16, EncodingUTF16LE, EncodingUTF16BE:
		return true
	}
	return false
}

// Label is the encoding's name for people ("UTF-8", "Windows-1252").
func (e Encoding) Label() string {
	switch e {
	case EncodingUTF8:
		return "UTF-8"
	case EncodingWindows1252:
		return "Windows-1252"
	case EncodingISO88591:
		return "ISO-8859-1 (Latin-1)"
	case EncodingUTF16:
		return "UTF-16"
	case EncodingUTF16LE:
		return "UTF-16LE"
	case EncodingUTF16BE:
		return "UTF-16BE"
	}
	return "automatic"
}

// ErrNotUTF8 is returned (wrapped) by the Next of a reader whose
// Options.Encoding is EncodingAuto when the payload, which has no byte order
// mark, turns out not to be UTF-8. Records it returned before may have been
// read wrongly: the caller reads the payload again from its start with
// Encoding set to AutoFallback. Deciding over the whole payload this way,
// rather than from its first bytes, means a payload is never read half in
// one encoding and half in another.
var ErrNotUTF8 = errors.New("the payload is not UTF-8")

// AutoFallback is the encoding an EncodingAuto payload reads as once it
// proved not to be UTF-8.
const AutoFallback = EncodingWindows1252

var (
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
)

// bomEncoding returns the encoding a byte order mark at the start of head
// announces, or "".
func bomEncoding(head []byte) Encoding {
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		return EncodingUTF8
	case bytes.HasPrefix(head, utf16LEBOM):
		return EncodingUTF16LE
	case bytes.HasPrefix(head, utf16BEBOM):
		return EncodingUTF16BE
	}
	return ""
}

// utf16Order guesses the byte order of UTF-16 text without a byte order
// mark from its first two bytes: text starts with ASCII far more often than
// not, whose high byte is zero. Little-endian (Windows' "Unicode") otherwise.
func utf16Order(head []byte) Encoding {
	if len(head) >= 2 && head[0] == 0 && head[1] != 0 {
		return EncodingUTF16BE
	}
	return EncodingUTF16LE
}

// resolveEncoding returns the encoding a payload starting with head reads
// as under setting enc: a byte order mark's, else the setting's (UTF-8 for
// auto, to be confirmed over the whole payload; a byte order for UTF-16).
func resolveEncoding(head []byte, enc Encoding) Encoding {
	if b := bomEncoding(head); b != "" {
		return b
	}
	switch enc {
	case EncodingAuto, "":
		return EncodingUTF8
	case EncodingUTF16:
		return utf16Order(head)
	}
	return enc
}

// decode returns src as UTF-8 text under the encoding setting enc, and the
// encoding it is read in. UTF-8 passes through untouched, its byte order
// mark included (the readers skip it and count it in offsets); other
// encodings are decoded while streaming, so offsets count the decoded
// bytes. "" reads UTF-8 without checking it (invalid bytes then fail the
// records that hold them, when mapped). Under EncodingAuto without a byte order mark the text is
// checked as it streams and the reader fails with ErrNotUTF8 at the first
// byte that is not UTF-8.
func decode(src io.Reader, enc Encoding) (io.Reader, Encoding, error) {
	if !enc.Valid() && enc != "" {
		return nil, "", errors.New("unknown encoding " + string(enc))
	}
	br := bufio.NewReaderSize(src, bufferSize(src, 64<<10))
	head, _ := br.Peek(4)
	used := resolveEncoding(head, enc)
	auto := enc == EncodingAuto && bomEncoding(head) == ""
	switch used {
	case EncodingUTF8:
		if auto {
			return &utf8Guard{r: br}, used, nil
		}
		return br, used, nil
	case EncodingWindows1252:
		return transform.NewReader(br, singleByte{windows1252Upper}), used, nil
	case EncodingISO88591:
		return transform.NewReader(br, singleByte{iso88591Upper}), used, nil
	case EncodingUTF16LE:
		return transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()), used, nil
	default: // EncodingUTF16BE
		return transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder()), used, nil
	}
}

// bufferSize is the size of a read buffer over src: full, or no larger than
// src when src says how much is left to read (an input held in memory), so
// that the readers of a small batch do not each allocate 64 KiB.
func bufferSize(src io.Reader, full int) int {
	if l, ok := src.(interface{ Len() int }); ok {
		return min(full, max(4<<10, l.Len()+512))
	}
	return full
}

// SettleEncoding reads the whole text payload r through the decoding a
// Reader would apply under setting enc and returns the encoding the payload
// reads in, without parsing it: under EncodingAuto, UTF-8 when every byte
// is (or a byte order mark says so), AutoFallback otherwise. A caller that
// reads records while it inserts them settles auto first this way, so that
// no record is ever read in the wrong encoding. The cost is one pass of
// utf8.Valid over the bytes.
func SettleEncoding(r io.Reader, enc Encoding) (Encoding, error) {
	text, used, err := decode(r, enc)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(io.Discard, text); errors.Is(err, ErrNotUTF8) {
		return AutoFallback, nil
	} else if err != nil {
		return "", err
	}
	return used, nil
}

// utf8Guard passes UTF-8 text through and fails with ErrNotUTF8 at the first
// invalid sequence, including one cut short by the end of the text.
type utf8Guard struct {
	r     io.Reader
	carry [utf8.UTFMax]byte // the start of a sequence the last read cut
	nc    int
	err   error
}

func (g *utf8Guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	if !g.check(p[:n], err == io.EOF) {
		g.err = ErrNotUTF8
		return 0, g.err
	}
	return n, err
}

// check reports whether data, after what earlier reads carried over, is
// valid UTF-8 so far; at the end of the text nothing may be left over.
func (g *utf8Guard) check(data []byte, eof bool) bool {
	if g.nc > 0 {
		k := copy(g.carry[g.nc:], data)
		seq := g.carry[:g.nc+k]
		if !utf8.FullRune(seq) {
			g.nc += k
			return !eof
		}
		r, size := utf8.DecodeRune(seq)
		if r == utf8.RuneError && size <= 1 {
			return false
		}
		data = data[size-g.nc:]
		g.nc = 0
	}
	tail := incompleteTail(data)
	if !utf8.Valid(data[:len(data)-tail]) {
		return false
	}
	g.nc = copy(g.carry[:], data[len(data)-tail:])
	return !eof || g.nc == 0
}

// incompleteTail returns how many bytes at the end of b start a multi-byte
// sequence that b cuts short, 0 when b ends on a complete one.
func incompleteTail(b []byte) int {
	for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < utf8.RuneSelf {
			return 0
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(b[len(b)-i:]) {
				return 0
			}
			return i
		}
	}
	return 0
}
