package models

import (
	"net/netip"
)

// refusedPrefixes are ranges a webhook may not reach besides those the
// netip predicates name: addresses that are not globally routable, or that
// lead to a private network through a translation.
var refusedPrefixes = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a reserved address"},          // "this network"
	{netip.MustParsePrefix("100.64.0.0/10"), "a private address"},       // carrier-grade NAT
	{netip.MustParsePrefix("192.0.0.0/24"), "a reserved address"},       // IETF protocol assignments
	{netip.MustParsePrefix("198.18.0.0/15"), "a reserved address"},      // benchmarking
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},        // reserved, broadcast included
	{netip.MustParsePrefix("fec0::/10"), "a private address"},           // site-local (deprecated)
	{netip.MustParsePrefix("100::/64"), "a reserved address"},           // discard-only
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"}, // documentation
}

// nat64 and sixToFour embed an IPv4 address in an IPv6 one; a webhook may
// reach them only when it may reach the IPv4 address inside.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// WebhookAddressRefusal returns why a webhook request may not connect to
// addr ("a loopback address", "a private address", …), or "" when it may.
// It is the one rule for outbound webhook requests: the delivery client
// applies it to every address it connects to, after DNS resolution, and the
// URL check to hosts written as IP addresses. IPv4-mapped IPv6 addresses are
// judged as the IPv4 address they carry.
func WebhookAddressRefusal(addr netip.Addr) string {
	addr = addr.Unmap().WithZone("") // prefixes never contain a zoned address
	switch {
	case !addr.IsValid():
		return "not an IP address"
	case addr.IsLoopback():
		return "a loopback address"
	case addr.IsPrivate():
		return "a private address"
	case addr.IsLinkLocalUnicast():
		return "a link-local address"
	case addr.IsUnspecified():
		return "an unspecified address"
	case addr.IsMulticast(), addr.IsLinkLocalMulticast(), addr.IsInterfaceLocalMulticast():
		return "a multicast address"
	}
	if addr.Is6() && (nat64.Contains(addr) || sixToFour.Contains(addr)) {
		b := addr.As16()
		inner := netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		if sixToFour.Contains(addr) {
			inner = netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
		}
		if reason := WebhookAddressRefusal(inner); reason != "" {
			return reason
		}
	}
	for _, r := range refusedPrefixes {
		if r.prefix.Contains(addr) {
			return r.reason
		}
	}
	return ""
}
