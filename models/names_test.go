package models_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/models"
)

// invisible are characters that show nothing (or break a line) but change
// what is shown: no name of any kind may hold them.
var invisible = map[string]string{
	"zero-width space":       "\u200B",
	"zero-width non-joiner":  "\u200C",
	"zero-width joiner":      "\u200D",
	"word joiner":            "\u2060",
	"byte order mark":        "\uFEFF",
	"left-to-right mark":     "\u200E",
	"right-to-left mark":     "\u200F",
	"arabic letter mark":     "\u061C",
	"right-to-left override": "\u202E",
	"left-to-right isolate":  "\u2066",
	"soft hyphen":            "\u00AD",
	"line separator":         "\u2028",
	"paragraph separator":    "\u2029",
}

func TestNamesRefuseInvisibleCharacters(t *testing.T) {
	t.Parallel()
	for what, ch := range invisible {
		name := "report" + ch + ".csv"
		require.Contains(t, models.ValidateFileName(name), "invisible", what)
		require.Contains(t, models.CheckName(name), "invisible", what)
		require.NotEmpty(t, models.ValidateFolderPath("a/"+name), what)
	}
	for _, ok := range []string{"Contacts", "Kontakte – Grüße", "顧客", "emoji 🎉", "a.b-c_d (2)"} {
		require.Empty(t, models.CheckName(ok), ok)
		require.Empty(t, models.ValidateFileName(ok), ok)
	}
}

func TestNamesAndDescriptionsRefuseBytesPostgreSQLCannotStore(t *testing.T) {
	t.Parallel()
	require.Equal(t, "Use UTF-8 text.", models.CheckName("bad\xffname"))
	require.Contains(t, models.CheckName("nul\x00"), "control")
	require.Contains(t, models.CheckName("c1\u0085"), "control")
	require.Equal(t, "Use UTF-8 text.", models.CheckDescription("bad\xff"))
	require.Contains(t, models.CheckDescription("nul\x00here"), "control")
	require.Contains(t, models.CheckDescription("bell\x07"), "control")
	require.Empty(t, models.CheckDescription("two lines\r\nand\ta tab, \u200B and a \u2028 are fine here"))
	require.Contains(t, models.CheckDescription(strings.Repeat("é", models.MaxDescriptionLength+1)), "2000")
}
