package models

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLength is the longest file or folder name, in characters.
const MaxNameLength = 120

// MaxFolderDepth is how many folders deep a path may go.
const MaxFolderDepth = 8

// NameError explains why a file or folder name is refused. Its message is
// written for the person who typed the name and may be shown as it is.
type NameError struct {
	Message string
}

func (e *NameError) Error() string { return e.Message }

// ValidateFileName checks a file or folder name: 1 to 120 characters, no
// leading or trailing spaces, no '/', '\' or "..", no control characters
// (bidirectional overrides included, since they disguise names). The batch
// wizard's custom input and output names use the same rules.
func ValidateFileName(name string) error {
	refuse := func(msg string) error { return &NameError{Message: msg} }
	switch {
	case name == "":
		return refuse("Enter a name.")
	case !utf8.ValidString(name):
		return refuse("The name is not valid text (UTF-8).")
	case utf8.RuneCountInString(name) > MaxNameLength:
		return refuse(fmt.Sprintf("Use at most %d characters.", MaxNameLength))
	case strings.TrimSpace(name) != name:
		return refuse("Remove the spaces at the start or end of the name.")
	case strings.ContainsAny(name, `/\`):
		return refuse(`A name cannot contain / or \.`)
	case name == "." || strings.Contains(name, ".."):
		return refuse(`A name cannot be "." or contain "..".`)
	}
	for _, r := range name {
		if unicode.IsControl(r) || isBidiControl(r) {
			return refuse("A name cannot contain control characters.")
		}
	}
	return nil
}

// isBidiControl reports the invisible characters that reorder text, which
// can make "evil\u202Etxt.exe" look like "evilexe.txt".
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// ValidateFolderPath checks a folder path: "" is the root, otherwise up to
// MaxFolderDepth names joined by '/', each following ValidateFileName.
func ValidateFolderPath(path string) error {
	if path == "" {
		return nil
	}
	parts := strings.Split(path, "/")
	if len(parts) > MaxFolderDepth {
		return &NameError{Message: fmt.Sprintf("Folders go at most %d levels deep.", MaxFolderDepth)}
	}
	for _, p := range parts {
		if err := ValidateFileName(p); err != nil {
			return err
		}
	}
	return nil
}

// IsBatchFolder reports whether path is batch/ or inside it: folders owned
// by batches, which people browse but do not change.
func IsBatchFolder(path string) bool {
	return path == BatchFolder || strings.HasPrefix(path, BatchFolder+"/")
}

// errBatchFolder is the reason given when a person tries to put something in batch/.
var errBatchFolder = &NameError{Message: "The batch folder belongs to batches: choose one of your own folders."}

// ValidateUserFolder checks a path a person may put files or folders into:
// a valid path outside batch/.
func ValidateUserFolder(path string) error {
	if err := ValidateFolderPath(path); err != nil {
		return err
	}
	if IsBatchFolder(path) {
		return errBatchFolder
	}
	return nil
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

// IsNameError reports whether err is a refused name, and returns it.
func IsNameError(err error) (*NameError, bool) {
	var ne *NameError
	ok := errors.As(err, &ne)
	return ne, ok
}
