package scenarios_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/scenarios"
	"github.com/cascade-research/cascade/strategies"
)

func TestShippedScenariosLoad(t *testing.T) {
	files, _ := filepath.Glob("*.yaml")
	sub, _ := filepath.Glob("*/*.yaml")
	files = append(files, sub...)
	if len(files) < 6 {
		t.Fatalf("found %d shipped scenarios, want at least 6", len(files))
	}
	for _, f := range files {
		if strings.HasPrefix(f, "testdata") {
			continue
		}
		t.Run(f, func(t *testing.T) {
			s, err := scenarios.Load(f, scenarios.Options{Environ: []string{}, Strategies: strategies.Specs()})
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Hash) != 64 || s.Name == "" {
				t.Fatalf("hash %q name %q", s.Hash, s.Name)
			}
		})
	}
}

func TestDemoDefaults(t *testing.T) {
	s, err := scenarios.Load("demo.yaml", scenarios.Options{Environ: []string{}, Strategies: strategies.Specs()})
	if err != nil {
		t.Fatal(err)
	}
	if s.Data.Start != time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) || s.Data.End != time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC) {
		t.Errorf("range %s .. %s", s.Data.Start, s.Data.End)
	}
	if s.Seed != 7 || s.Stats.BlockLength != 24*time.Hour || s.Stats.Step != 5*time.Minute || s.Simulator.Outflow != "proportional" || len(s.Simulator.Brackets) != 12 {
		t.Errorf("defaults not applied: seed %d stats %+v outflow %s brackets %d", s.Seed, s.Stats, s.Simulator.Outflow, len(s.Simulator.Brackets))
	}
}

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const base = `
name: t
data: {root: d, exchange: x, symbol: S, start: 2024-01-01, end: 2024-01-31}
`

func TestHashStable(t *testing.T) {
	a, err := scenarios.Load(write(t, base+"seed: 3\n# a comment\n"), scenarios.Options{Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	// Same experiment: keys reordered, defaults spelled out, a description and results path added.
	b, err := scenarios.Load(write(t, `
seed: 3
description: other words
results: {db: elsewhere.duckdb}
stats: {alpha: 0.05, bootstrap: 2000}
data: {kinds: [trades, funding, oi], symbol: S, exchange: x, root: d, end: 2024-01-31, start: "2024-01-01"}
name: t
`), scenarios.Options{Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash != b.Hash {
		t.Fatalf("hashes differ:\n%s\n%s", a.Normalised, b.Normalised)
	}
	c, err := scenarios.Load(write(t, base+"seed: 4\n"), scenarios.Options{Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Hash == a.Hash {
		t.Fatal("different seeds hash the same")
	}
}

func TestOverrides(t *testing.T) {
	p := write(t, base+`
hypotheses:
  - name: funding_overheat
    params: {level: 0.0007}
`)
	s, err := scenarios.Load(p, scenarios.Options{
		Environ: []string{"CASCADE_STATS_ALPHA=0.01", "CASCADE_DATA_END=2024-01-15", "UNRELATED=1"},
		Set:     []string{"seed=42", "hypotheses.funding_overheat.params.level=[0.0005, 0.0009]", "data.kinds=[trades, oi]"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Stats.Alpha != 0.01 || s.Seed != 42 || s.Data.End.Day() != 15 || len(s.Data.Kinds) != 2 {
		t.Errorf("overrides not applied: alpha %v seed %v end %v kinds %v", s.Stats.Alpha, s.Seed, s.Data.End, s.Data.Kinds)
	}
	lv := s.Hypotheses[0].Params
	var level []any
	for _, p := range lv {
		if p.Name == "level" {
			level = p.Values
		}
	}
	if len(level) != 2 || level[0] != 0.0005 || level[1] != 0.0009 {
		t.Errorf("level grid = %v", level)
	}
	if len(s.Overrides) != 5 || s.Overrides[0].Source != "env" || s.Overrides[4].Source != "--set" {
		t.Errorf("overrides recorded: %+v", s.Overrides)
	}
	if !strings.Contains(s.JSON(), `"CASCADE`) && !strings.Contains(s.JSON(), `"stats.alpha"`) {
		t.Errorf("run JSON does not record overrides: %s", s.JSON())
	}
}

// TestBadScenarios loads every testdata/*.bad.yaml and checks that the
// error contains each line of the matching .err file.
func TestBadScenarios(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.bad.yaml")
	if len(files) < 10 {
		t.Fatalf("found %d bad scenarios, want at least 10", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(f, ".bad.yaml") + ".err")
			if err != nil {
				t.Fatal(err)
			}
			_, err = scenarios.Load(f, scenarios.Options{Environ: []string{}, Strategies: strategies.Specs()})
			if err == nil {
				t.Fatal("loaded without error")
			}
			if !errors.Is(err, scenarios.ErrBadScenario) {
				t.Errorf("error is not ErrBadScenario: %v", err)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
				if !strings.Contains(err.Error(), line) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, line)
				}
			}
		})
	}
}

func TestBadOverride(t *testing.T) {
	p := write(t, base)
	for _, tc := range []struct {
		opt  scenarios.Options
		want string
	}{
		{scenarios.Options{Environ: []string{}, Set: []string{"data.nope=1"}}, "--set data.nope: unknown key"},
		{scenarios.Options{Environ: []string{}, Set: []string{"noequals"}}, `--set "noequals": want key=value`},
		{scenarios.Options{Environ: []string{"CASCADE_STATS_ALPHA=abc"}}, "stats.alpha: got \"abc\", want a number"},
		{scenarios.Options{Environ: []string{}, Set: []string{"hypotheses.nope.params.x=1"}}, "no hypotheses entry named or numbered \"nope\""},
	} {
		_, err := scenarios.Load(p, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
}

func TestGrid(t *testing.T) {
	g := scenarios.Grid([]scenarios.Param{{Name: "a", Values: []any{1.0, 2.0}}, {Name: "b", Values: []any{"x", "y", "z"}}})
	if len(g) != 6 || g[0]["a"] != 1.0 || g[0]["b"] != "x" || g[1]["b"] != "y" || g[5]["a"] != 2.0 {
		t.Fatalf("grid %v", g)
	}
}

func TestComposite(t *testing.T) {
	s, err := scenarios.Load(write(t, base+`
hypotheses:
  - name: relief_setup
    all:
      - signal: liq_asymmetry
        params: {ratio: [2, 3]}
      - signal: wyckoff_spring
        within: 72h
      - signal: wyckoff_spring
        params: {bar: 4h}
        within: 7d
    side: 1
`), scenarios.Options{Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Hypotheses[0]
	if h.Compose != "all" || len(h.Parts) != 3 || h.Side != 1 {
		t.Fatalf("%+v", h)
	}
	want := []scenarios.Part{{Signal: "liq_asymmetry", Prefix: "liq_asymmetry"}, {Signal: "wyckoff_spring", Prefix: "wyckoff_spring", Within: 72 * time.Hour},
		{Signal: "wyckoff_spring", Prefix: "wyckoff_spring_2", Within: 7 * 24 * time.Hour}}
	for i, p := range want {
		if h.Parts[i] != p {
			t.Errorf("part %d = %+v, want %+v", i, h.Parts[i], p)
		}
	}
	if h.Variants() != 2 {
		t.Errorf("%d variants, want 2", h.Variants())
	}
	names := map[string]scenarios.Param{}
	for _, p := range h.Params {
		names[p.Name] = p
	}
	if p := names["wyckoff_spring_2.bar"]; len(p.Values) != 1 || p.Values[0] != 4*time.Hour {
		t.Errorf("wyckoff_spring_2.bar = %+v", p)
	}
	if p := names["liq_asymmetry.above"]; len(p.Values) != 1 || p.Values[0] != 0.12 {
		t.Errorf("default not filled: liq_asymmetry.above = %+v", p)
	}
}

// --set reaches a composite's parts by index; a bad index or a path
// through a value is an error naming the list or value.
func TestSetCompositePart(t *testing.T) {
	p := write(t, base+`
hypotheses:
  - name: relief_setup
    all:
      - signal: liq_asymmetry
        params: {ratio: [2, 3]}
      - signal: wyckoff_spring
        within: 72h
    side: 1
`)
	s, err := scenarios.Load(p, scenarios.Options{Environ: []string{}, Set: []string{
		"hypotheses.relief_setup.all.0.params.ratio=4", "hypotheses.0.all.1.within=24h", "hypotheses.relief_setup.all.1.params.bar=4h"}})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Hypotheses[0]
	if len(h.Parts) != 2 || h.Parts[1].Within != 24*time.Hour || h.Variants() != 1 {
		t.Fatalf("parts %+v, %d variants", h.Parts, h.Variants())
	}
	names := map[string]scenarios.Param{}
	for _, p := range h.Params {
		names[p.Name] = p
	}
	if p := names["liq_asymmetry.ratio"]; len(p.Values) != 1 || p.Values[0] != 4.0 {
		t.Errorf("liq_asymmetry.ratio = %+v, want [4]", p)
	}
	if p := names["wyckoff_spring.bar"]; len(p.Values) != 1 || p.Values[0] != 4*time.Hour {
		t.Errorf("wyckoff_spring.bar = %+v, want [4h]", p)
	}
	for _, c := range []struct{ set, want string }{
		{"hypotheses.relief_setup.all.2.params.ratio=4", "hypotheses.relief_setup.all is a list of 2: want an index 0..1, got \"2\""},
		{"hypotheses.relief_setup.all.x.params.ratio=4", "want an index 0..1, got \"x\""},
		{"hypotheses.relief_setup.side.x=1", "hypotheses.relief_setup.side is a value (1), not a mapping or list: cannot set x in it"},
	} {
		if _, err := scenarios.Load(p, scenarios.Options{Environ: []string{}, Set: []string{c.set}}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--set %s: err = %v, want %q", c.set, err, c.want)
		}
	}
}
