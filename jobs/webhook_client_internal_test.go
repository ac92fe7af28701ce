package jobs

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWebhookDialControlRefusesBeforeConnecting calls the dialer's check
// directly with the addresses a dial would hand it, so no connection to
// these addresses is ever attempted.
func TestWebhookDialControlRefusesBeforeConnecting(t *testing.T) {
	t.Parallel()
	refuse := webhookDialControl(false)
	for _, addr := range []string{
		"127.0.0.1:443", "10.0.0.1:80", "172.31.255.255:80", "192.168.0.10:8080", "169.254.169.254:80",
		"[::1]:443", "[::ffff:127.0.0.1]:443", "[::ffff:10.0.0.1]:80", "[::ffff:169.254.169.254]:80",
		"[fe80::1%eth0]:80", "[fd12:3456::1]:443", "0.0.0.0:80", "[::]:80", "224.0.0.1:80",
	} {
		err := refuse("tcp", addr, nil)
		var refused *RefusedAddressError
		require.True(t, errors.As(err, &refused), addr)
		require.Contains(t, err.Error(), "FLOWBATCH_WEBHOOK_ALLOW_PRIVATE", addr)
	}
	require.ErrorContains(t, refuse("tcp", "[::ffff:10.0.0.1]:80", nil), "refused to connect to 10.0.0.1:", "judged and named as the IPv4 address")
	require.Error(t, refuse("tcp", "not-an-address", nil))
	for _, addr := range []string{"93.184.216.34:443", "[2606:4700:4700::1111]:443", "[::ffff:8.8.8.8]:53"} {
		require.NoError(t, refuse("tcp", addr, nil), addr)
	}

	allow := webhookDialControl(true)
	for _, addr := range []string{"127.0.0.1:443", "10.0.0.1:80", "[::1]:443", "169.254.169.254:80"} {
		require.NoError(t, allow("tcp", addr, nil), addr)
	}
}
