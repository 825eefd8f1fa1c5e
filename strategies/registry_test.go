package strategies

import (
	"slices"
	"strings"
	"testing"

	"github.com/cascade-research/cascade/engine"
)

// defaults returns every parameter of spec at its default.
func defaults(spec engine.Spec) map[string]any {
	p := map[string]any{}
	for _, ps := range spec.Params {
		p[ps.Name] = ps.Default
	}
	return p
}

func TestRegistry(t *testing.T) {
	specs := Specs()
	if len(specs) < 5 {
		t.Fatalf("%d strategies, want the baseline and four stories", len(specs))
	}
	if !slices.IsSortedFunc(specs, func(a, b engine.Spec) int { return strings.Compare(a.Name, b.Name) }) {
		t.Fatal("Specs not sorted by name")
	}
	for _, sp := range specs {
		seen := map[string]bool{}
		for _, p := range sp.Params {
			if seen[p.Name] {
				t.Errorf("%s: duplicate parameter %s", sp.Name, p.Name)
			}
			seen[p.Name] = true
			if _, err := p.Check(p.Default); err != nil {
				t.Errorf("%s.%s: default %v fails its own check: %v", sp.Name, p.Name, p.Default, err)
			}
			if p.Doc == "" {
				t.Errorf("%s.%s: no doc", sp.Name, p.Name)
			}
		}
		s, needs, err := New(sp.Name, defaults(sp))
		if err != nil || s == nil {
			t.Fatalf("%s with defaults: %v", sp.Name, err)
		}
		for _, n := range needs {
			h, ok := engine.LookupHypothesis(n.Signal)
			if !ok {
				t.Fatalf("%s needs unknown signal %s", sp.Name, n.Signal)
			}
			for _, hp := range h.Params {
				if _, ok := n.Params[hp.Name]; !ok {
					t.Errorf("%s: signal %s misses parameter %s", sp.Name, n.Signal, hp.Name)
				}
			}
		}
	}
	if _, _, err := New("nope", nil); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("unknown strategy: %v", err)
	}
	p := defaults(specs[slices.IndexFunc(specs, func(s engine.Spec) bool { return s.Name == "ma_crossover" })])
	p["fast"], p["slow"] = int64(50), int64(20)
	if _, _, err := New("ma_crossover", p); err == nil || !strings.Contains(err.Error(), "fast") {
		t.Fatalf("fast >= slow accepted: %v", err)
	}
}
