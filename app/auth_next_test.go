package app

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSafeNextKeepsOnlySameSitePaths(t *testing.T) {
	t.Parallel()
	kept := []string{
		"/",
		"/batches/0190a0a0-0000-7000-8000-000000000000",
		"/files?folder=batch%2Fa&page=2",
		"/flows/x/records?q=a%20b#top",
	}
	for _, next := range kept {
		require.Equal(t, next, safeNext(next), "%q is a same-site path", next)
	}
	refused := []string{
		"",
		"evil.example",
		"//evil.example",
		"///evil.example",
		"/\\evil.example",
		"\\\\evil.example",
		"/\t/evil.example",
		"/\n/evil.example",
		"/\r/evil.example",
		"/\x00/evil.example",
		"/\x0b/evil.example",
		"/\x7f/evil.example",
		"/ /evil.example",
		"%09/evil.example",
		"/%09/evil.example",
		"/%5c/evil.example",
		"%2f%2fevil.example",
		"/%2f/evil.example",   // decodes to "//evil.example"
		"/%2F%2Fevil.example", // decodes to "///evil.example"
		"https://evil.example",
		"https:evil.example",
		"https:/evil.example",
		"javascript:alert(1)",
		"JaVaScRiPt:alert(1)",
		"data:text/html,hi",
		"/／evil.example", // fullwidth solidus
		"/∕evil.example", // division slash
		"/⁄evil.example", // fraction slash
		"/＼evil.example", // fullwidth reverse solidus
		"/\u2028/evil.example",
		"/@evil.example\x00",
	}
	for _, next := range refused {
		require.Equal(t, "/", safeNext(next), "%q must not be followed", next)
	}
}
