package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine/hypo"
	"github.com/cascade-research/cascade/engine/strategy"
	"github.com/cascade-research/cascade/results"
)

const singlePassScenario = `name: single-pass
seed: 3
data: {root: %s, exchange: synth, symbol: BTCUSDT, start: 2023-01-01, end: 2023-02-28}
strategies:
  - name: asymmetry_long
    params: {ratio: [1.5, 2], every: 1h}
  - name: spring_long
    params: {target: 0.05}
  - name: funding_fade
    params: {level: 0.0002}
  - name: flush_bounce
    params: {price_drop: 0.02, oi_drop: 0.01}
  - name: ma_crossover
    params: {fast: 6, slow: 24}
stats: {split: 0.7}
`

// TestSinglePassEqualsTwoPasses checks that trading inside the replay —
// online signals on the grid being built — gives exactly the tables of
// the obvious two-pass method: batch signals on the finished grid, then a
// second replay of the data for the strategies.
func TestSinglePassEqualsTwoPasses(t *testing.T) {
	s := synthScenario(t, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC), 5, singlePassScenario)
	j, err := Prepare(s, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	out, err := Compute(ctx, j, ComputeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var single []results.Table
	for _, tb := range out.Tables {
		if len(tb.Name) > 9 && tb.Name[:9] == "strategy_" {
			single = append(single, tb)
		}
	}

	// The two-pass way.
	rep := out.Report
	plan, err := planStrategies(s)
	if err != nil {
		t.Fatal(err)
	}
	env := hypo.NewEnv(rep.Grid, hypo.Options{MapSamples: rep.Maps})
	fired := 0
	for i, ns := range plan.needs {
		for _, n := range ns {
			sig, err := hypo.NewSignal(n.Signal, n.Params)
			if err != nil {
				t.Fatal(err)
			}
			f, err := sig.Fire(env)
			if err != nil {
				t.Fatal(err)
			}
			for _, on := range f.On {
				if on {
					fired++
				}
			}
			plan.variants[i].Signals = append(plan.variants[i].Signals, strategy.SignalInput{Name: f.Name, On: f.On, Features: f.Features, Values: f.Values})
		}
	}
	if fired < 10 {
		t.Fatalf("signals fired %d times: the test would prove little", fired)
	}
	src, _, _, closeFeeds, err := openParts(ctx, j, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFeeds()
	res, err := strategy.Run(ctx, src, plan.variants, strategy.Config{Grid: rep.Grid, EquityEvery: s.Results.EquityInterval})
	if err != nil {
		t.Fatal(err)
	}
	ms := strategy.Evaluate(res, windows(rep.Grid, s.Stats.Split), s.Results.EquityInterval, len(res))
	for i := range plan.runs {
		plan.runs[i].Result, plan.runs[i].Metrics = &res[i], ms[i]
	}
	two := results.StrategyTables(plan.runs, len(res))
	cov, err := j.quality()
	if err != nil {
		t.Fatal(err)
	}
	addQuality(two, j, cov, rep.Grid)
	for k := range two {
		a, _ := results.Digest([]results.Table{single[k]})
		b, _ := results.Digest([]results.Table{two[k]})
		na, _ := single[k].Rows()
		nb, _ := two[k].Rows()
		if single[k].Name != two[k].Name || a != b {
			t.Errorf("%s: single pass (%d rows) differs from two passes (%d rows)", two[k].Name, na, nb)
		}
	}
	if n, _ := two[2].Rows(); n < 20 {
		t.Errorf("only %d fills: the test would prove little", n)
	}
}
