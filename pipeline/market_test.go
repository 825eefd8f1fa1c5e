package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/synth"
	"github.com/cascade-research/cascade/scenarios"
	"github.com/cascade-research/cascade/strategies"
)

// synthScenario generates a small synthetic BTCUSDT market (scale 0.002)
// over [start, end) in a temporary directory and loads scenario, whose
// one %s is the dataset root. It skips with -short.
func synthScenario(t *testing.T, start, end time.Time, seed uint64, scenario string) *scenarios.Scenario {
	t.Helper()
	if testing.Short() {
		t.Skip("generates a synthetic market")
	}
	dir := t.TempDir()
	cfg := synth.Config{Start: start, End: end, Seed: seed, Scale: 0.002, Exchange: "synth", Symbols: []string{"BTCUSDT"}}
	if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(scenario, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := scenarios.Load(path, scenarios.Options{Environ: []string{}, Strategies: strategies.Specs()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SynthScenario is synthScenario for the external tests.
var SynthScenario = synthScenario
