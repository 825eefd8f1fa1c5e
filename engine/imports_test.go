package engine_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection enforces the data flow: nothing under engine/
// depends (even transitively) on storage, configuration or CLI packages,
// nor on the data/results adapters. gonum (pure maths) is allowed.
func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./...").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	forbidden := []string{
		"github.com/cascade-research/cascade/data",
		"github.com/cascade-research/cascade/results",
		"github.com/cascade-research/cascade/scenarios",
		"github.com/cascade-research/cascade/pipeline",
		"github.com/cascade-research/cascade/cmd",
		"github.com/apache/arrow",
		"github.com/marcboeker/go-duckdb",
		"github.com/spf13/",
		"database/sql",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("engine depends on %s; engine/ must not import storage, config or adapter packages", dep)
			}
		}
	}
}

// TestStrategyImports keeps engine/strategy (and everything it pulls in)
// to the standard library, gonum and other engine packages: strategies run
// without storage.
func TestStrategyImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./strategy").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		first, _, _ := strings.Cut(dep, "/")
		switch {
		case !strings.Contains(first, "."): // standard library
		case strings.HasPrefix(dep, "gonum.org/v1/gonum/"):
		case dep == "github.com/cascade-research/cascade/engine",
			strings.HasPrefix(dep, "github.com/cascade-research/cascade/engine/"):
		default:
			t.Errorf("engine/strategy depends on %s; it may import only the standard library, gonum and engine/...", dep)
		}
	}
}
