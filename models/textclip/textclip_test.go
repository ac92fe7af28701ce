package textclip_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/models/textclip"
)

func TestClip(t *testing.T) {
	require.Equal(t, "abc", textclip.Clip("abc", 3))
	require.Equal(t, "ab…", textclip.Clip("abcd", 2))
	require.Equal(t, "a…", textclip.Clip("aé", 2), "é takes two bytes: cut before it")
	require.Equal(t, "…", textclip.Clip("é", 1))
}
