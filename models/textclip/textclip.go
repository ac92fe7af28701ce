// Package textclip shortens text for display and logs. It is a leaf
// package, so that every layer shares one way of cutting text.
package textclip

import "unicode/utf8"

// Clip cuts s to at most n bytes without splitting a character, marking
// the cut with "…".
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
