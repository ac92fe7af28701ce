package app_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

func TestFaviconIsServedAndLinked(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	res := h.API(t, "", http.MethodGet, "/favicon.ico", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "image/x-icon", res.Header.Get("Content-Type"))
	require.Equal(t, "\x00\x00\x01\x00", res.Body[:4], "an ICO file")

	page := h.NewBrowser(t).Get("/login")
	require.Contains(t, page.Body, `<link rel="icon" href="/favicon.ico"`)
	start := indexOf(page.Body, "/static/img/favicon.svg?v=")
	require.GreaterOrEqual(t, start, 0)
	end := start + indexOf(page.Body[start:], `"`)
	svg := h.API(t, "", http.MethodGet, page.Body[start:end], nil, nil)
	require.Equal(t, http.StatusOK, svg.StatusCode)
	require.Equal(t, "image/svg+xml", svg.Header.Get("Content-Type"))
}
