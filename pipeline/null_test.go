package pipeline_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/synth"
	"github.com/cascade-research/cascade/pipeline"
	"github.com/cascade-research/cascade/results"
	"github.com/cascade-research/cascade/scenarios"
)

const nullScenario = `name: null-control
seed: %d
data: {root: %s, exchange: synth, symbol: BTCUSDT, start: 2023-01-01, end: 2023-04-10}
hypotheses:
  - name: funding_overheat
    params: {level: [0.0002, 0.0003, 0.0005]}
    horizons: [8h, 24h]
  - name: oi_divergence
    params: {window: [12h, 24h], oi_rise: [0.02, 0.04], price_fall: 0.01}
    horizons: [24h]
  - name: wyckoff_spring
    params: {lookback: [48, 96], sweep_max: 0.03, reclaim_bars: 6}
    horizons: [24h]
  - name: deleveraging_flush
    params: {window: 4h, price_drop: 0.02, oi_drop: 0.01}
    horizons: [24h]
  - name: liq_asymmetry
    params: {ratio: [1.5, 3]}
    horizons: [24h]
stats: {bootstrap: 500, split: 1}
`

// TestNullControl runs the hypotheses on 20 markets generated with --null
// (returns independent of every signal) and checks that the share of tests
// with q < 0.05 stays at or below the nominal 5%: dishonest statistics
// (an iid bootstrap on overlapping returns, no multiple-testing
// correction) fail it.
func TestNullControl(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 20 synthetic markets")
	}
	const seeds = 20
	root := t.TempDir()
	type res struct{ tests, significant, pSig int }
	out := make([]res, seeds)
	errs := make([]error, seeds)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for k := 0; k < seeds; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			dir := filepath.Join(root, fmt.Sprint(k))
			cfg := synth.Config{Start: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2023, 4, 11, 0, 0, 0, 0, time.UTC),
				Seed: uint64(100 + k), Scale: 0.002, Null: true, Exchange: "synth", Symbols: []string{"BTCUSDT"}}
			if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
				errs[k] = err
				return
			}
			path := filepath.Join(dir, "s.yaml")
			if err := os.WriteFile(path, []byte(fmt.Sprintf(nullScenario, k+1, dir)), 0o644); err != nil {
				errs[k] = err
				return
			}
			s, err := scenarios.Load(path, scenarios.Options{Environ: []string{}})
			if err != nil {
				errs[k] = err
				return
			}
			j, err := pipeline.Prepare(s, "test", nil)
			if err != nil {
				errs[k] = err
				return
			}
			o, err := pipeline.Compute(context.Background(), j, pipeline.ComputeOptions{})
			if err != nil {
				errs[k] = err
				return
			}
			for _, tb := range o.Tables {
				if tb.Name != "hypothesis_results" {
					continue
				}
				var q, p []float64
				for _, c := range tb.Cols {
					switch c.Name {
					case "q":
						q = c.F64
					case "p":
						p = c.F64
					}
				}
				for i := range q {
					out[k].tests++
					if !math.IsNaN(q[i]) && q[i] < 0.05 {
						out[k].significant++
					}
					if !math.IsNaN(p[i]) && p[i] < 0.05 {
						out[k].pSig++
					}
				}
			}
		}(k)
	}
	wg.Wait()
	var tests, sig, psig int
	for k := range out {
		if errs[k] != nil {
			t.Fatalf("seed %d: %v", k, errs[k])
		}
		tests += out[k].tests
		sig += out[k].significant
		psig += out[k].pSig
	}
	rate := float64(sig) / float64(tests)
	t.Logf("null control: %d tests over %d markets, %d with q < 0.05 (%.2f%%), %d with p < 0.05 (%.2f%%)",
		tests, seeds, sig, 100*rate, psig, 100*float64(psig)/float64(tests))
	if tests < 200 {
		t.Fatalf("only %d tests", tests)
	}
	if rate > 0.05 {
		t.Errorf("%.2f%% of tests have q < 0.05 on null markets; want <= 5%%", 100*rate)
	}
}

const plantedScenario = `name: planted
seed: 3
data: {root: %s, exchange: synth, symbol: BTCUSDT, start: 2023-01-01, end: 2024-06-30}
hypotheses:
  - name: funding_overheat
    params: {level: 0.0005}
    horizons: [24h, 72h]
    side: -1
stats: {bootstrap: 1000, split: 1}
`

// TestPlantedFundingOverheat generates a market with planted funding
// overheats (a crowded long side that is then squeezed) and checks that
// the story is detected with the right sign after multiple-testing
// correction.
func TestPlantedFundingOverheat(t *testing.T) {
	s := pipeline.SynthScenario(t, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), 7, plantedScenario)
	j, err := pipeline.Prepare(s, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := pipeline.Compute(context.Background(), j, pipeline.ComputeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tb := range o.Tables {
		if tb.Name != "hypothesis_results" {
			continue
		}
		col := map[string]results.Column{}
		for _, c := range tb.Cols {
			col[c.Name] = c
		}
		for i := range col["q"].F64 {
			t.Logf("%s %s n=%d effect=%.4f [%.4f, %.4f] p=%.4f q=%.4f", col["horizon"].Str[i], col["sample"].Str[i], col["n"].I64[i],
				col["effect"].F64[i], col["ci_lo"].F64[i], col["ci_hi"].F64[i], col["p"].F64[i], col["q"].F64[i])
			if col["q"].F64[i] < 0.05 && col["effect"].F64[i] > 0 && col["ci_lo"].F64[i] > 0 {
				found = true
			}
		}
	}
	if !found {
		t.Error("planted funding overheats not detected (want q < 0.05 with a positive side-adjusted effect)")
	}
}
