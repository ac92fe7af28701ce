package models

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLength is the longest file, folder or custom batch file name, in characters.
const MaxNameLength = 120

// ValidateFileName checks a name given to a file or folder (or a batch's
// custom input and output file names) and returns the message to show, or "".
func ValidateFileName(name string) string {
	switch {
	case name == "":
		return "Enter a name."
	case utf8.RuneCountInString(name) > MaxNameLength:
		return "Use at most 120 characters."
	case !utf8.ValidString(name):
		return "Use valid UTF-8 text."
	case strings.TrimSpace(name) != name:
		return "Remove the spaces at the start or end."
	case strings.ContainsAny(name, `/\`):
		return "Names cannot contain / or \\."
	case name == "." || strings.Contains(name, ".."):
		return "Names cannot contain \"..\"."
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "Names cannot contain control characters."
		}
	}
	return ""
}
