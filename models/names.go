package models

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxCatalogName bounds the names of flows, interfaces and API keys (the
// schema's check constraints say the same).
const maxCatalogName = 120

// MaxDescriptionLength bounds descriptions.
const MaxDescriptionLength = 2000

// fieldNamePattern is what a mapped field's name (and a flow's key field) may
// look like: an identifier, so that it reads well as a JSON key and can be
// typed in a records search (`email = ann@example.com`).
var fieldNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// ValidFieldName reports whether name can name a mapped field.
func ValidFieldName(name string) bool { return fieldNamePattern.MatchString(name) }

const fieldNameRule = "Use letters, digits and _ (up to 64), starting with a letter or _."

// CheckName returns the message for an invalid name of a flow, an interface,
// a batch or an API key, or "". A name is one line of visible text: besides
// control characters, it may not hold characters that show nothing but change
// what is shown (zero-width spaces and joiners, direction marks and
// overrides, line and paragraph separators), so that two names that read
// alike are alike.
func CheckName(name string) string {
	switch n := utf8.RuneCountInString(name); {
	case !utf8.ValidString(name):
		return "Use UTF-8 text."
	case strings.TrimSpace(name) == "":
		return "Enter a name."
	case n > maxCatalogName:
		return "Use at most 120 characters."
	case strings.ContainsFunc(name, isControl):
		return "Remove control characters such as tabs and line breaks."
	case strings.ContainsFunc(name, isInvisible):
		return "Remove invisible characters such as zero-width spaces, direction marks and line separators."
	}
	return ""
}

// CheckDescription returns the message for an invalid description, or "":
// up to 2000 characters of UTF-8 text, lines and tabs allowed, no other
// control characters (NUL included, which PostgreSQL cannot store).
func CheckDescription(d string) string {
	switch {
	case !utf8.ValidString(d):
		return "Use UTF-8 text."
	case utf8.RuneCountInString(d) > MaxDescriptionLength:
		return "Use at most 2000 characters."
	case strings.ContainsFunc(d, func(r rune) bool { return isControl(r) && r != '\n' && r != '\r' && r != '\t' }):
		return "Remove control characters."
	}
	return ""
}

// isControl reports C0 and C1 control characters and DEL.
func isControl(r rune) bool { return unicode.IsControl(r) }

// isInvisible reports format characters (Unicode category Cf: zero-width
// space, joiners, direction marks and overrides, the byte order mark, soft
// hyphen) and the line and paragraph separators, which break a line in
// some places and show nothing in others.
func isInvisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}
