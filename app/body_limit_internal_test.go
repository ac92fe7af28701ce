package app

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"
)

func TestRequestCtxOfFindsTheHeadersCtx(t *testing.T) {
	var ctx fasthttp.RequestCtx
	require.Same(t, &ctx, requestCtxOf(&ctx.Request.Header))
}
