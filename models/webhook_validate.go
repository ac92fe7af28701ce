package models

import (
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxWebhookURL bounds a webhook's URL (the schema's check says the same).
const maxWebhookURL = 2000

// Normalize trims the webhook's text fields and puts its events in the
// order of WebhookEventNames, without repeats. Unknown events are kept (at
// the end) so that Check can name them.
func (w *Webhook) Normalize() {
	w.URL = strings.TrimSpace(w.URL)
	w.Description = strings.TrimSpace(w.Description)
	var events WebhookEvents
	for _, name := range WebhookEventNames {
		if slices.Contains(w.Events, name) {
			events = append(events, name)
		}
	}
	for _, e := range w.Events {
		if !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	w.Events = events
}

// Check returns a message per invalid field of the webhook, after
// Normalize; nil when there are none. Pages and the API share these rules.
// Without allowPrivate (FLOWBATCH_WEBHOOK_ALLOW_PRIVATE) a URL whose host is
// a loopback, private or link-local address, or localhost, is refused here
// already; host names are checked again at every connection, since what
// they resolve to can change.
func (w *Webhook) Check(allowPrivate bool) map[string]string {
	errs := map[string]string{}
	if msg := checkWebhookURL(w.URL, allowPrivate); msg != "" {
		errs["url"] = msg
	}
	if msg := CheckDescription(w.Description); msg != "" {
		errs["description"] = msg
	}
	if msg := checkWebhookEvents(w.Events); msg != "" {
		errs["events"] = msg
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func checkWebhookURL(raw string, allowPrivate bool) string {
	if raw == "" {
		return "Enter the URL that receives the events."
	}
	if utf8.RuneCountInString(raw) > maxWebhookURL {
		return "Use at most 2000 characters."
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return isControl(r) || r == ' ' }) {
		return "Remove spaces and control characters."
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return "Enter a URL such as https://example.com/hooks/flowbatch."
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "Use an http:// or https:// URL."
	case u.Hostname() == "":
		return "Enter a URL with a host, such as https://example.com/hooks/flowbatch."
	case u.User != nil:
		return "Leave credentials out of the URL; check the Flowbatch-Signature header instead."
	case u.Fragment != "" || strings.HasSuffix(raw, "#"):
		return "Remove the #fragment: it is never sent."
	}
	if allowPrivate {
		return ""
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return "This URL points at this machine. Webhooks may only reach public addresses (unless FLOWBATCH_WEBHOOK_ALLOW_PRIVATE is set)."
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if reason := WebhookAddressRefusal(addr); reason != "" {
			return "This URL points at " + reason + ". Webhooks may only reach public addresses (unless FLOWBATCH_WEBHOOK_ALLOW_PRIVATE is set)."
		}
	}
	return ""
}

func checkWebhookEvents(events WebhookEvents) string {
	if len(events) == 0 {
		return "Choose at least one event."
	}
	for _, e := range events {
		if !slices.Contains(WebhookEventNames, e) {
			return "Unknown event " + strconv.Quote(e) + "; use " + strings.Join(WebhookEventNames, ", ") + "."
		}
	}
	return ""
}
