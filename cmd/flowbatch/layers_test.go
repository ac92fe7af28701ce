package main

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// layers ranks the top-level folders: a package may import another folder's
// packages only when that folder ranks lower (cmd → app → views/jobs →
// models → db). Within one folder any import is allowed.
var layers = map[string]int{
	"cmd": 4, "app": 3, "views": 2, "jobs": 2, "models": 1, "db": 0, "static": 0,
}

// TestImportsPointDown fails when a package imports one of a layer above it
// (or beside it: views and jobs stay apart), tests included.
func TestImportsPointDown(t *testing.T) {
	t.Parallel()
	const module = "github.com/flowbatch/flowbatch/"
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,TestImports,XTestImports", module+"...").Output()
	require.NoError(t, err)
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for {
		var p struct {
			ImportPath                         string
			Imports, TestImports, XTestImports []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		from := strings.SplitN(strings.TrimPrefix(p.ImportPath, module), "/", 2)[0]
		fromRank, ok := layers[from]
		require.True(t, ok, "package %s is in no layer", p.ImportPath)
		for _, imp := range append(append(p.Imports, p.TestImports...), p.XTestImports...) {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			to := strings.SplitN(strings.TrimPrefix(imp, module), "/", 2)[0]
			if to == from {
				continue
			}
			require.Less(t, layers[to], fromRank, "%s imports %s, which is not below it", p.ImportPath, imp)
			checked++
		}
	}
	require.Positive(t, checked, "no import between layers was checked")
}
