package pipeline_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/cascade-research/cascade/pipeline"
	"github.com/cascade-research/cascade/results"
)

const composeScenario = `name: compose
seed: 5
data: {root: %s, exchange: synth, symbol: BTCUSDT, start: 2023-01-01, end: 2023-03-31}
hypotheses:
  - name: funding_overheat
    params: {level: 0.0002}
    cooldown: 0s
    horizons: [24h]
  - name: wyckoff_spring
    cooldown: 0s
    horizons: [24h]
  - name: spring_after_funding
    all:
      - signal: wyckoff_spring
      - signal: funding_overheat
        params: {level: 0.0002}
        within: 24h
    side: 1
    cooldown: 0s
    horizons: [24h]
strategies:
  - name: ma_crossover
    params: {bar: 1h, fast: 12, slow: [48, 96]}
  - name: spring_long
    params: {target: 0.05}
  - name: asymmetry_long
    params: {ratio: 1.5}
stats: {bootstrap: 200, split: 0.7}
`

// composeRun generates a small synthetic market and computes the scenario.
func composeRun(t *testing.T) (*pipeline.Output, *pipeline.Output) {
	t.Helper()
	s := pipeline.SynthScenario(t, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2023, 4, 1, 0, 0, 0, 0, time.UTC), 3, composeScenario)
	var outs [2]*pipeline.Output
	for i := range outs {
		j, err := pipeline.Prepare(s, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		if outs[i], err = pipeline.Compute(context.Background(), j, pipeline.ComputeOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return outs[0], outs[1]
}

func table(o *pipeline.Output, name string) map[string]results.Column {
	for _, tb := range o.Tables {
		if tb.Name == name {
			col := map[string]results.Column{}
			for _, c := range tb.Cols {
				col[c.Name] = c
			}
			return col
		}
	}
	return nil
}

// TestCompositeAndStrategies checks a composite hypothesis against its
// parts, and the strategies' books: two runs give the same digest, every
// variant's ledger adds up to its final wallet balance and the equity
// curve is cash + unrealised PnL.
func TestCompositeAndStrategies(t *testing.T) {
	o, o2 := composeRun(t)
	if o.Digest != o2.Digest {
		t.Fatalf("digests differ: %s vs %s", o.Digest, o2.Digest)
	}
	ev := table(o, "hypothesis_events")
	times := map[string][]time.Time{}
	for i, h := range ev["hypothesis"].Str {
		times[h] = append(times[h], ev["ts"].TS[i])
	}
	if len(times["spring_after_funding"]) == 0 || len(times["wyckoff_spring"]) == 0 {
		t.Fatalf("events: %d composite, %d springs", len(times["spring_after_funding"]), len(times["wyckoff_spring"]))
	}
	if len(times["spring_after_funding"]) >= len(times["wyckoff_spring"]) {
		t.Errorf("composite fired %d times, springs %d: the funding condition filtered nothing", len(times["spring_after_funding"]), len(times["wyckoff_spring"]))
	}
	for _, c := range times["spring_after_funding"] {
		spring, funding := false, false
		for _, s := range times["wyckoff_spring"] {
			spring = spring || s.Equal(c)
		}
		for _, f := range times["funding_overheat"] {
			funding = funding || (!f.After(c) && c.Sub(f) <= 24*time.Hour)
		}
		if !spring || !funding {
			t.Errorf("composite event at %s: spring at the same step %v, funding within 24h %v", c, spring, funding)
		}
	}

	m := table(o, "strategy_metrics")
	if n := len(m["strategy"].Str); n != 4*3 {
		t.Fatalf("%d metric rows, want 4 variants × 3 samples", n)
	}
	type key struct {
		s string
		v int64
	}
	ledger := map[key]float64{}
	lg := table(o, "strategy_ledger")
	for i := range lg["amount"].F64 {
		ledger[key{lg["strategy"].Str[i], lg["variant"].I64[i]}] += lg["amount"].F64[i]
	}
	last := map[key]float64{}
	eq := table(o, "strategy_equity")
	for i := range eq["equity"].F64 {
		k := key{eq["strategy"].Str[i], eq["variant"].I64[i]}
		if d := eq["equity"].F64[i] - eq["cash"].F64[i] - eq["unrealized"].F64[i]; math.Abs(d) > 1e-6 {
			t.Fatalf("%v at %s: equity − cash − unrealised = %g", k, eq["ts"].TS[i], d)
		}
		last[k] = eq["cash"].F64[i]
	}
	traded := 0
	for k, cash := range last {
		if d := 100_000 + ledger[k] - cash; math.Abs(d) > 1e-6 {
			t.Errorf("%v: capital + Σ ledger − final balance = %g", k, d)
		}
		if ledger[k] != 0 {
			traded++
		}
	}
	if traded < 3 {
		t.Errorf("only %d of %d variants traded", traded, len(last))
	}
	for i, s := range m["sample"].Str {
		if s == "all" && m["variants_tried"].I64[i] != 4 {
			t.Errorf("variants_tried = %d, want 4", m["variants_tried"].I64[i])
		}
	}
}
