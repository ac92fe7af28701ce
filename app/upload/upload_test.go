package upload

import (
	"testing"

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
