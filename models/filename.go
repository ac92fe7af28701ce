package models

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxNameLength is the longest file, folder or custom batch file name, in characters.
const MaxNameLength = 120

// MaxFolderDepth is how many folders deep a path may go.
const MaxFolderDepth = 8

// ValidateFileName checks a name given to a file or folder (or a batch's
// custom input and output file names) and returns the message to show, or "".
// A name is 1 to 120 characters of UTF-8 without leading or trailing spaces,
// '/', '\', "..", control characters or invisible ones (isInvisible: direction
// overrides can make "evil\u202Etxt.exe" look like "evilexe.txt", and
// zero-width characters make two different names look the same).
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
		if isControl(r) || isInvisible(r) {
			return "Names cannot contain control characters or invisible ones (zero-width spaces, direction marks, line separators)."
		}
	}
	return ""
}

// ValidateFolderPath checks a folder path and returns the message to show,
// or "": "" is the root, otherwise up to MaxFolderDepth names joined by '/',
// each following ValidateFileName.
func ValidateFolderPath(path string) string {
	if path == "" {
		return ""
	}
	parts := strings.Split(path, "/")
	if len(parts) > MaxFolderDepth {
		return fmt.Sprintf("Folders go at most %d levels deep.", MaxFolderDepth)
	}
	for _, p := range parts {
		if msg := ValidateFileName(p); msg != "" {
			return msg
		}
	}
	return ""
}

// IsBatchFolder reports whether path is batch/ or inside it: folders owned
// by batches, which people browse but do not change.
func IsBatchFolder(path string) bool {
	return path == BatchFolder || strings.HasPrefix(path, BatchFolder+"/")
}

// ValidateUserFolder checks a path a person may put files or folders into
// (a valid path outside batch/) and returns the message to show, or "".
func ValidateUserFolder(path string) string {
	if msg := ValidateFolderPath(path); msg != "" {
		return msg
	}
	if IsBatchFolder(path) {
		return "The batch folder belongs to batches: choose one of your own folders."
	}
	return ""
}

// JoinFolder returns the path of name inside folder.
func JoinFolder(folder, name string) string {
	if folder == "" {
		return name
	}
	return folder + "/" + name
}

// ParentFolder returns the folder holding path and the last name of path.
func ParentFolder(path string) (parent, name string) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return "", path
	}
	return path[:i], path[i+1:]
}
