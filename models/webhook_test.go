package models_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/models"
)

func TestWebhookAddressRefusal(t *testing.T) {
	t.Parallel()
	refused := map[string]string{
		"127.0.0.1":            "a loopback address",
		"127.8.9.10":           "a loopback address",
		"::1":                  "a loopback address",
		"::ffff:127.0.0.1":     "a loopback address",
		"10.1.2.3":             "a private address",
		"172.16.0.1":           "a private address",
		"192.168.1.1":          "a private address",
		"::ffff:10.0.0.1":      "a private address",
		"fd00::1":              "a private address",
		"100.64.0.1":           "a private address",
		"64:ff9b::a00:1":       "a private address", // NAT64 of 10.0.0.1
		"2002:a00:1::1":        "a private address", // 6to4 of 10.0.0.1
		"169.254.169.254":      "a link-local address",
		"::ffff:169.254.0.1":   "a link-local address",
		"fe80::1":              "a link-local address",
		"fe80::1%eth0":         "a link-local address",
		"0.0.0.0":              "an unspecified address",
		"::":                   "an unspecified address",
		"224.0.0.1":            "a multicast address",
		"ff02::1":              "a multicast address",
		"255.255.255.255":      "a reserved address",
		"0.1.2.3":              "a reserved address",
		"2001:db8::1":          "a documentation address",
		"::ffff:192.168.0.1":   "a private address",
		"::ffff:100.64.0.1":    "a private address",
		"64:ff9b::7f00:1":      "a loopback address",
		"2002:7f00:1::":        "a loopback address",
		"::ffff:0.0.0.0":       "an unspecified address",
		"::ffff:224.0.0.251":   "a multicast address",
		"::ffff:240.0.0.1":     "a reserved address",
		"fec0::1":              "a private address",
		"fec0::1%eth0":         "a private address",
		"100::1":               "a reserved address",
		"::ffff:255.255.255.0": "a reserved address",
	}
	for addr, want := range refused {
		require.Equal(t, want, models.WebhookAddressRefusal(netip.MustParseAddr(addr)), addr)
	}
	for _, addr := range []string{"93.184.216.34", "8.8.8.8", "::ffff:8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::1"} {
		require.Empty(t, models.WebhookAddressRefusal(netip.MustParseAddr(addr)), addr)
	}
}

func TestWebhookCheck(t *testing.T) {
	t.Parallel()
	check := func(url string, events []string, allowPrivate bool) map[string]string {
		w := &models.Webhook{URL: url, Events: events}
		w.Normalize()
		return w.Check(allowPrivate)
	}
	all := models.WebhookEventNames
	require.Nil(t, check(" https://example.com/hooks?x=1 ", all, false))
	require.Nil(t, check("http://hooks.example.com:8080/", []string{"batch.failed"}, false))
	for url, want := range map[string]string{
		"":                          "Enter the URL",
		"ftp://example.com/":        "http:// or https://",
		"example.com/hooks":         "http:// or https://",
		"https:///hooks":            "with a host",
		"https://u:p@example.com/":  "Leave credentials out",
		"https://example.com/#x":    "fragment",
		"https://exa mple.com/":     "spaces",
		"http://127.0.0.1:9000/":    "a loopback address",
		"http://[::1]/":             "a loopback address",
		"http://10.0.0.8/":          "a private address",
		"http://169.254.169.254/":   "a link-local address",
		"http://[::ffff:10.0.0.1]/": "a private address",
		"http://localhost:8080/":    "this machine",
		"http://api.localhost/":     "this machine",
	} {
		require.Contains(t, check(url, all, false)["url"], want, url)
	}
	require.Nil(t, check("http://127.0.0.1:9000/", all, true), "FLOWBATCH_WEBHOOK_ALLOW_PRIVATE")
	require.Nil(t, check("http://localhost:9000/", all, true))

	require.Contains(t, check("https://example.com/", nil, false)["events"], "at least one")
	require.Contains(t, check("https://example.com/", []string{"batch.finished", "batch.started"}, false)["events"], `"batch.started"`)
	require.Contains(t, check("https://example.com/", []string{"ping"}, false)["events"], "Unknown event")

	w := &models.Webhook{URL: "https://example.com/", Events: []string{"batch.cancelled", "batch.finished", "batch.cancelled"}}
	w.Normalize()
	require.Equal(t, models.WebhookEvents{"batch.finished", "batch.cancelled"}, w.Events)
}

func TestBatchEndEvent(t *testing.T) {
	t.Parallel()
	require.Equal(t, "batch.finished", models.BatchEndEvent(&models.Batch{Status: models.StatusFinished}))
	require.Equal(t, "batch.cancelled", models.BatchEndEvent(&models.Batch{Status: models.StatusError, ErrorMessage: "cancelled"}))
	require.Equal(t, "batch.failed", models.BatchEndEvent(&models.Batch{Status: models.StatusError, ErrorMessage: "line 3: unexpected end of JSON"}))
	require.Empty(t, models.BatchEndEvent(&models.Batch{Status: models.StatusProcessing}))
}
