package ingest_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

// readText reads and maps input the way the engine does: under auto, a
// payload that proves not to be UTF-8 is read again in the fallback.
func readText(t *testing.T, input []byte, opts ingest.Options, fields []ingest.Field) ([]result, ingest.Encoding) {
	t.Helper()
	for {
		r, err := ingest.NewReader(bytes.NewReader(input), opts)
		require.NoError(t, err)
		m, err := ingest.NewMapper(fields, "")
		require.NoError(t, err)
		var res []result
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				return res, r.Encoding()
			}
			if errors.Is(err, ingest.ErrNotUTF8) {
				require.Equal(t, ingest.EncodingAuto, opts.Encoding)
				opts.Encoding = ingest.AutoFallback
				break
			}
			require.NoError(t, err)
			x := result{Index: rec.Index, Line: rec.Line}
			out, _, err := m.Map(nil, rec)
			if err != nil {
				x.Err = err.Error()
			} else {
				x.Out = string(out)
			}
			res = append(res, x)
		}
	}
}

func latin1(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

func cp1252(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

func utf16Bytes(t *testing.T, order unicode.Endianness, bom unicode.BOMPolicy, s string) []byte {
	t.Helper()
	b, err := unicode.UTF16(order, bom).NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

func TestEncodings(t *testing.T) {
	t.Parallel()
	const names = "name,city\nFrançois Lefèvre,Besançon\nJürgen Groß,Köln\nZoë Ångström,Göteborg\n"
	want := []string{
		`{"name":"François Lefèvre","city":"Besançon"}`,
		`{"name":"Jürgen Groß","city":"Köln"}`,
		`{"name":"Zoë Ångström","city":"Göteborg"}`,
	}
	fields := []ingest.Field{strField("name"), strField("city")}
	tests := []struct {
		name    string
		input   []byte
		setting ingest.Encoding
		used    ingest.Encoding
	}{
		{"utf-8", []byte(names), ingest.EncodingAuto, ingest.EncodingUTF8},
		{"utf-8 BOM", append([]byte("\xEF\xBB\xBF"), names...), ingest.EncodingAuto, ingest.EncodingUTF8},
		{"utf-8 BOM beats a setting", append([]byte("\xEF\xBB\xBF"), names...), ingest.EncodingWindows1252, ingest.EncodingUTF8},
		{"utf-16le BOM", utf16Bytes(t, unicode.LittleEndian, unicode.UseBOM, names), ingest.EncodingAuto, ingest.EncodingUTF16LE},
		{"utf-16be BOM", utf16Bytes(t, unicode.BigEndian, unicode.UseBOM, names), ingest.EncodingAuto, ingest.EncodingUTF16BE},
		{"utf-16le setting without BOM", utf16Bytes(t, unicode.LittleEndian, unicode.IgnoreBOM, names), ingest.EncodingUTF16, ingest.EncodingUTF16LE},
		{"utf-16be setting without BOM", utf16Bytes(t, unicode.BigEndian, unicode.IgnoreBOM, names), ingest.EncodingUTF16, ingest.EncodingUTF16BE},
		{"latin-1 under auto", latin1(t, names), ingest.EncodingAuto, ingest.EncodingWindows1252},
		{"latin-1 setting", latin1(t, names), ingest.EncodingISO88591, ingest.EncodingISO88591},
		{"windows-1252 setting", cp1252(t, names), ingest.EncodingWindows1252, ingest.EncodingWindows1252},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, used := readText(t, tc.input, ingest.Options{Format: ingest.FormatCSV, CSVHeader: true, Encoding: tc.setting}, fields)
			require.Equal(t, tc.used, used)
			require.Len(t, res, len(want))
			for i, r := range res {
				require.Equal(t, want[i], r.Out)
				require.Equal(t, i+2, r.Line)
			}
		})
	}
}

func TestWindows1252Specials(t *testing.T) {
	t.Parallel()
	input := cp1252(t, "item,price\nŒuvre “spéciale”,12 €\nbœuf – 2‰,3 €\n")
	require.False(t, utf8.Valid(input))
	res, used := readText(t, input, ingest.Options{Format: ingest.FormatCSV, CSVHeader: true, Encoding: ingest.EncodingAuto},
		[]ingest.Field{strField("item"), strField("price")})
	require.Equal(t, ingest.EncodingWindows1252, used)
	require.Equal(t, []result{
		{Index: 0, Line: 2, Out: `{"item":"Œuvre “spéciale”","price":"12 €"}`},
		{Index: 1, Line: 3, Out: `{"item":"bœuf – 2‰","price":"3 €"}`},
	}, res)
}

// A late invalid byte still decides the whole payload: the reader fails
// with ErrNotUTF8 instead of returning the records before it as UTF-8 and
// the rest in another encoding.
func TestAutoDecidesOverTheWholePayload(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("name\n")
	for range 20000 {
		b.WriteString("Zoë\n")
	}
	input := append([]byte(b.String()), latin1(t, "Müller\n")...)
	r, err := ingest.NewReader(bytes.NewReader(input), ingest.Options{Format: ingest.FormatCSV, CSVHeader: true, Encoding: ingest.EncodingAuto})
	require.NoError(t, err)
	n := 0
	for {
		_, err = r.Next()
		if err != nil {
			break
		}
		n++
	}
	require.ErrorIs(t, err, ingest.ErrNotUTF8)
	require.Less(t, n, 20000, "the fault surfaces before the records read up to it are all handed out")

	res, used := readText(t, input, ingest.Options{Format: ingest.FormatCSV, CSVHeader: true, Encoding: ingest.EncodingAuto}, []ingest.Field{strField("name")})
	require.Equal(t, ingest.EncodingWindows1252, used)
	require.Len(t, res, 20001)
	require.Equal(t, `{"name":"ZoÃ«"}`, res[0].Out, "UTF-8 bytes read as Windows-1252, as decided for the whole file")
	require.Equal(t, `{"name":"Müller"}`, res[20000].Out)
}

// SettleEncoding decides auto over the whole payload as the readers do,
// without parsing it: a late invalid byte makes it Windows-1252, a byte
// order mark wins, and an explicit setting is kept.
func TestSettleEncoding(t *testing.T) {
	t.Parallel()
	utf8Text := strings.Repeat("Zoë,1\n", 30000) // beyond one 64 KiB buffer
	for _, tc := range []struct {
		name  string
		input []byte
		enc   ingest.Encoding
		want  ingest.Encoding
	}{
		{"UTF-8 under auto", []byte(utf8Text), ingest.EncodingAuto, ingest.EncodingUTF8},
		{"late invalid byte under auto", append([]byte(utf8Text), latin1(t, "Müller\n")...), ingest.EncodingAuto, ingest.EncodingWindows1252},
		{"sequence cut by the end under auto", append([]byte(utf8Text), 0xC3), ingest.EncodingAuto, ingest.EncodingWindows1252},
		{"UTF-16 byte order mark under auto", []byte{0xFF, 0xFE, 'a', 0}, ingest.EncodingAuto, ingest.EncodingUTF16LE},
		{"explicit ISO-8859-1", latin1(t, "Müller\n"), ingest.EncodingISO88591, ingest.EncodingISO88591},
	} {
		got, err := ingest.SettleEncoding(iotest.HalfReader(bytes.NewReader(tc.input)), tc.enc)
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.want, got, tc.name)
	}
}

// Under auto, JSON and XML fall back like CSV; an explicit UTF-8 setting
// keeps failing only the records with bad bytes.
func TestEncodingOtherFormats(t *testing.T) {
	t.Parallel()
	json := latin1(t, `[{"name":"Jürgen"}]`)
	res, used := readText(t, json, ingest.Options{Format: ingest.FormatJSON, Encoding: ingest.EncodingAuto}, []ingest.Field{strField("name")})
	require.Equal(t, ingest.EncodingWindows1252, used)
	require.Equal(t, `{"name":"Jürgen"}`, res[0].Out)

	res, used = readText(t, json, ingest.Options{Format: ingest.FormatJSON, Encoding: ingest.EncodingUTF8}, []ingest.Field{strField("name")})
	require.Equal(t, ingest.EncodingUTF8, used)
	require.Contains(t, res[0].Err, "invalid UTF-8")

	xml := utf16Bytes(t, unicode.LittleEndian, unicode.UseBOM, `<rows><row><name>Jürgen</name></row></rows>`)
	res, used = readText(t, xml, ingest.Options{Format: ingest.FormatXML, RecordElement: "row", Encoding: ingest.EncodingAuto}, []ingest.Field{strField("name")})
	require.Equal(t, ingest.EncodingUTF16LE, used)
	require.Equal(t, `{"name":"Jürgen"}`, res[0].Out)
}

// firstInvalid returns the offset of the first byte of b that is not
// UTF-8, or -1.
func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

// FuzzUTF8Guard holds the auto setting's check to utf8.DecodeRune: read in
// pieces of any size, a valid UTF-8 payload never fails with ErrNotUTF8, and
// any other fails with it unless the text before its first invalid byte is
// already at fault.
func FuzzUTF8Guard(f *testing.F) {
	for _, s := range []string{"", "abc", "Zoë", "\xC3", "a\xC3\xA9b", "\xE2\x82", "\xE2\x82\xAC", "\xF0\x9F\x98\x80x", "\xED\xA0\x80", "\xFF", "é\x80"} {
		f.Add([]byte(s), byte(1))
		f.Add([]byte(s), byte(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk byte) {
		input := append([]byte("a,b\n"), data...)
		var src io.Reader = bytes.NewReader(input)
		if chunk%2 == 1 {
			src = iotest.OneByteReader(src)
		} else {
			src = iotest.HalfReader(src)
		}
		r, err := ingest.NewReader(src, ingest.Options{Format: ingest.FormatCSV, CSVDelimiter: 0x1F, CSVHeader: true, Encoding: ingest.EncodingAuto})
		require.NoError(t, err)
		var got error
		for {
			_, err := r.Next()
			if err != nil {
				got = err
				break
			}
		}
		bad := firstInvalid(input)
		if bad < 0 {
			require.NotErrorIs(t, got, ingest.ErrNotUTF8)
			return
		}
		// A fault of the text before the first invalid byte may come first:
		// it reads the same in every encoding.
		var pe *ingest.PayloadError
		if errors.As(got, &pe) {
			require.LessOrEqual(t, pe.Offset, int64(bad))
			return
		}
		require.ErrorIs(t, got, ingest.ErrNotUTF8)
	})
}
