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
