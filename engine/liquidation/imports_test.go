package liquidation

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the package inside the engine: the standard library,
// engine and engine/perp only (no storage, no cgo), in tests too.
func TestImports(t *testing.T) {
	allowed := map[string]bool{
		"github.com/cascade-research/cascade/engine":             true,
		"github.com/cascade-research/cascade/engine/perp":        true,
		"github.com/cascade-research/cascade/engine/liquidation": true, // external tests
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range af.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if first, _, _ := strings.Cut(p, "/"); p == "C" || strings.Contains(first, ".") && !allowed[p] {
				t.Errorf("%s imports %s; engine/liquidation may import only the standard library, engine and engine/perp", f, p)
			}
		}
	}
}
