package upload

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

func TestSafeFileName(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"contacts.json":            "contacts.json",
		"../../etc/passwd":         "passwd",
		`C:\Users\me\contacts.csv`: "contacts.csv",
		"evil\x00name\n.json":      "evilname.json",
		"..":                       "",
		".hidden":                  "hidden",
		"  spaced.csv  ":           "spaced.csv",
	}
	for in, want := range cases {
		require.Equal(t, want, SafeFileName(in), in)
	}
	long := make([]rune, 200)
	for i := range long {
		long[i] = 'é'
	}
	require.Len(t, []rune(SafeFileName(string(long))), 120)
}

func TestHumanBytes(t *testing.T) {
	t.Parallel()
	require.Equal(t, "64 MiB", HumanBytes(64<<20))
	require.Equal(t, "1 GiB", HumanBytes(1<<30))
	require.Equal(t, "512 B", HumanBytes(512))
	require.Equal(t, "1.5 KiB", HumanBytes(1536))
}

func TestBodyStreamReportsACutOffBody(t *testing.T) {
	t.Parallel()
	cut := &bodyStream{r: strings.NewReader("12345"), length: 10, reuse: true}
	_, err := io.ReadAll(cut)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)

	whole := &bodyStream{r: strings.NewReader("12345"), length: 5, reuse: true}
	b, err := io.ReadAll(whole)
	require.NoError(t, err)
	require.Equal(t, "12345", string(b))
	n, err := whole.Read(make([]byte, 4))
	require.Zero(t, n)
	require.ErrorIs(t, err, io.EOF, "reading again never reaches past the end")

	chunked := &bodyStream{r: strings.NewReader("12345"), length: -1, reuse: true}
	_, err = io.ReadAll(chunked)
	require.NoError(t, err, "without a connection to probe, a chunked end is an end")
}

func TestLimitReaderAtLimitAndOneMore(t *testing.T) {
	t.Parallel()
	at := &limitReader{r: strings.NewReader("abcde"), left: 5, tooLarge: TooLarge(5)}
	b, err := io.ReadAll(at)
	require.NoError(t, err)
	require.Equal(t, "abcde", string(b))

	over := &limitReader{r: strings.NewReader("abcdef"), left: 5, tooLarge: TooLarge(5)}
	_, err = io.ReadAll(over)
	var ue *Error
	require.ErrorAs(t, err, &ue)
	require.Equal(t, 413, ue.Status)
	require.Contains(t, ue.Detail, "5 B")

	broken := &limitReader{r: iotest.ErrReader(errors.New("connection reset")), left: 5, tooLarge: TooLarge(5)}
	_, err = io.ReadAll(broken)
	require.ErrorAs(t, err, &ue)
	require.Equal(t, 400, ue.Status)
	require.Contains(t, ue.Detail, "interrupted")
}

func TestGzipSlackCoversStoredBlocks(t *testing.T) {
	t.Parallel()
	// gzip of incompressible data: 5 bytes per 64 KiB stored block plus ~18 bytes.
	for _, n := range []int64{0, 1, 64 << 10, 1 << 30} {
		worst := n + 5*(n/(64<<10)+1) + 18
		require.GreaterOrEqual(t, n+gzipSlack(n), worst, n)
	}
}
