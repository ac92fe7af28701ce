// Package static embeds the built stylesheet, the vendored htmx files and the
// app's own script, and names each by a content hash so browsers may cache
// them for a year.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
)

//go:embed css vendor js img
var files embed.FS

// FS is the tree served under /static/.
var FS fs.FS = files

var versions = hashAll()

func hashAll() map[string]string {
	out := map[string]string{}
	_ = fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[path] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
	return out
}

// URL returns the versioned URL of an embedded file, e.g. URL("css/app.css").
// It panics on a name that is not embedded, so a typo fails the first render in tests.
func URL(name string) string {
	v, ok := versions[name]
	if !ok {
		panic("static: no embedded file " + name)
	}
	return "/static/" + name + "?v=" + v
}

// Current reports whether v is the version of the embedded file name.
func Current(name, v string) bool {
	return v != "" && versions[name] == v
}
