package models

import (
	"regexp"
	"strings"
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

// CheckName returns the message for an invalid name of a flow, an interface
// or an API key, or "".
func CheckName(name string) string {
	switch n := utf8.RuneCountInString(name); {
	case strings.TrimSpace(name) == "":
		return "Enter a name."
	case n > maxCatalogName:
		return "Use at most 120 characters."
	case strings.ContainsFunc(name, isControl):
		return "Remove control characters such as tabs and line breaks."
	}
	return ""
}

func checkDescription(d string) string {
	if utf8.RuneCountInString(d) > MaxDescriptionLength {
		return "Use at most 2000 characters."
	}
	return ""
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
