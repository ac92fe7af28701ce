package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

func TestAdminCreateAccountAndAPIKey(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	cfg := *h.Config
	cfg.StorageURL = "file://" + t.TempDir()
	ctx := context.Background()

	var out bytes.Buffer
	err := admin(ctx, &cfg, []string{"create-account", "--email", "ops@example.com", "--password", "long enough pw", "--name", "Ops", "--starter"}, &out)
	require.NoError(t, err)
	require.Contains(t, out.String(), "Created account Ops")

	out.Reset()
	require.NoError(t, admin(ctx, &cfg, []string{"create-api-key", "--email", "ops@example.com", "--name", "ci"}, &out))
	key := strings.TrimSpace(out.String())
	require.True(t, strings.HasPrefix(key, "fb_"), key)

	res := h.API(t, key, http.MethodGet, "/api/v1/batches", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.JSONEq(t, `{"data":[],"next_cursor":null}`, res.Body)

	err = admin(ctx, &cfg, []string{"create-account", "--email", "ops@example.com", "--password", "long enough pw"}, &out)
	require.ErrorContains(t, err, "already exists")
	err = admin(ctx, &cfg, []string{"create-api-key", "--email", "nobody@example.com", "--name", "x"}, &out)
	require.ErrorContains(t, err, "no user with email")
}

func TestUnreachableDatabaseIsOneClearLine(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:1/flowbatch?sslmode=disable&connect_timeout=2")
	err := run(context.Background(), []string{"migrate"})
	require.Error(t, err)
	msg := describe(err)
	require.NotContains(t, msg, "\n")
	require.Contains(t, msg, "cannot reach PostgreSQL")
	require.Contains(t, msg, "DATABASE_URL")
}

func TestBadConfigurationNamesTheVariable(t *testing.T) {
	t.Setenv("FLOWBATCH_ADDR", "nonsense")
	err := run(context.Background(), []string{"serve"})
	require.ErrorContains(t, err, "FLOWBATCH_ADDR")
}
