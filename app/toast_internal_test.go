package app

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestASCIIJSONKeepsTheTextAndOnlyASCII(t *testing.T) {
	t.Parallel()
	in := map[string]string{"message": "“Größen” 🚀 deleted"}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	out := asciiJSON(string(b))
	for _, r := range out {
		require.Less(t, r, rune(0x80), out)
	}
	var back map[string]string
	require.NoError(t, json.Unmarshal([]byte(out), &back))
	require.Equal(t, in, back)
}
