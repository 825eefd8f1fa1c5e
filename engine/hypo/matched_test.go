package hypo

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/stats"
)

// regimeSynth is an hourly market that switches between a calm regime
// (0.4% per hour) and a turbulent one (1.2% per hour; mean spells 10 days
// and 3 days), with no drift: forward |returns| are larger after volatile
// days, forward returns unpredictable.
func regimeSynth(seed uint64, days int) *engine.Grid {
	n := days * 24
	r := rand.New(rand.NewPCG(seed, 78))
	g := flatGrid(n, time.Hour, 100)
	p := 100.0
	turb := false
	for i := range n {
		if turb && r.Float64() < 1.0/72 || !turb && r.Float64() < 1.0/240 {
			turb = !turb
		}
		sd := 0.004
		if turb {
			sd = 0.012
		}
		o := p
		p *= math.Exp(sd*r.NormFloat64() - sd*sd/2)
		hi := math.Max(o, p) * math.Exp(sd*math.Abs(r.NormFloat64())*0.5)
		lo := math.Min(o, p) * math.Exp(-sd*math.Abs(r.NormFloat64())*0.5)
		setBar(g, i, o, hi, lo, p)
		g.OIValue[i] = g.OI[i] * p
	}
	return g
}

// shiftLog multiplies the prices of step i by exp(adj[i]) (the open by
// the previous step's factor), keeping High >= Open >= Low.
func shiftLog(g *engine.Grid, adj []float64) {
	for i := range g.Len() {
		f := math.Exp(adj[i])
		g.Open[i] *= math.Exp(adj[max(i-1, 0)])
		g.High[i] *= f
		g.Low[i] *= f
		g.Close[i] *= f
		g.High[i] = math.Max(g.High[i], g.Open[i])
		g.Low[i] = math.Min(g.Low[i], g.Open[i])
	}
}

// topVol reports, per step, whether the trailing 24h realised volatility
// is in the grid's top quintile.
func topVol(g *engine.Grid) []bool {
	st := NewEnv(g, Options{}).matchState()
	thr := stats.QuantileEdges(st.vol, 5)[3]
	out := make([]bool, g.Len())
	for i, v := range st.vol {
		out[i] = v >= thr
	}
	return out
}

// volMarket is a regime market and the steps of a signal that fires only
// when trailing volatility is in the top quintile (at random there, with
// probability p per hour, at least 24h apart). With drift, every step
// after a top-quintile step drifts by drift (log); with decline, each
// signal step is followed by a fall of decline over the next 24 hours (a
// genuine effect on top of the regime).
func volMarket(seed uint64, days int, p, drift, decline float64) (*engine.Grid, []int) {
	g := regimeSynth(seed, days)
	top := topVol(g)
	r := rand.New(rand.NewPCG(seed, 8))
	var on []int
	for i, t := range top {
		if t && r.Float64() < p && (len(on) == 0 || i-on[len(on)-1] >= 24) {
			on = append(on, i)
		}
	}
	adj := make([]float64, g.Len())
	for i := 1; i < g.Len(); i++ {
		adj[i] = adj[i-1]
		if top[i-1] {
			adj[i] += drift
		}
	}
	if decline != 0 {
		for _, s := range on {
			for j := s + 1; j < g.Len(); j++ {
				adj[j] -= decline * math.Min(1, float64(j-s)/24)
			}
		}
	}
	shiftLog(g, adj)
	return g, on
}

func fixedSpec(steps []int, side int, hs ...time.Duration) Spec {
	return Spec{Name: "fixed", Signal: fixed(steps...), Horizons: hs, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: side}
}

func summaryAt(t *testing.T, res *Result, h time.Duration, sample string) Summary {
	t.Helper()
	for _, s := range res.Summaries {
		if s.Variant == 0 && s.Horizon == h && s.Sample == sample {
			return s
		}
	}
	t.Fatalf("no summary at %s/%s", h, sample)
	return Summary{}
}

// TestMatchedVolatilityConfound: a signal that fires only in volatile
// markets, with no information beyond the volatility, looks significant
// against every eligible time (the baseline "all") and not against times
// in the same volatility and trend state (the reason matched baselines
// exist). Over 8 markets: "all" is significant at 24h in every one,
// "matched" in at most one, and its mean effect is a small fraction of
// the confounded one.
func TestMatchedVolatilityConfound(t *testing.T) {
	const seeds = 8
	h := 24 * time.Hour
	for _, tc := range []struct {
		name  string
		side  int
		drift float64
	}{
		{"volatility: larger |return| in turbulence", 0, 0},
		{"direction: turbulence drifts down", -1, -0.001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sigAll, sigMatched := 0, 0
			var diffAll, diffMatched float64
			for seed := range uint64(seeds) {
				g, on := volMarket(500+seed, 3*365, 0.05, tc.drift, 0)
				sp := fixedSpec(on, tc.side, 4*time.Hour, h, 72*time.Hour)
				a, err := Evaluate(g, []Spec{sp}, StatsConfig{Bootstrap: 400, Seed: seed}, Options{})
				if err != nil {
					t.Fatal(err)
				}
				m, err := Evaluate(g, []Spec{sp}, StatsConfig{Bootstrap: 400, Seed: seed, Baseline: "matched"}, Options{})
				if err != nil {
					t.Fatal(err)
				}
				sa, sm := summaryAt(t, a, h, "all"), summaryAt(t, m, h, "all")
				t.Logf("seed %d: n %d; all diff %+.4f p %.3f (base %d rows); matched diff %+.4f [%+.4f, %+.4f] p %.3f (base %d rows) %s",
					seed, sa.N, sa.Diff, sa.P, sa.NBase, sm.Diff, sm.CILo, sm.CIHi, sm.P, sm.NBase, sm.Note)
				if sa.P < 0.05 {
					sigAll++
				}
				if sm.P < 0.05 {
					sigMatched++
				}
				if math.IsNaN(sm.P) || sm.MeanEvent != sa.MeanEvent || sm.N != sa.N {
					t.Fatalf("matched test missing or events differ: %+v", sm)
				}
				diffAll += sa.Diff / seeds
				diffMatched += sm.Diff / seeds
			}
			t.Logf("significant at 24h: all %d/%d, matched %d/%d; mean diff all %+.4f, matched %+.4f", sigAll, seeds, sigMatched, seeds, diffAll, diffMatched)
			if sigAll < seeds || sigMatched > 1 || math.Abs(diffMatched) > 0.2*math.Abs(diffAll) {
				t.Errorf("confound not removed: significant all %d, matched %d; mean diff all %+.4f, matched %+.4f", sigAll, sigMatched, diffAll, diffMatched)
			}
		})
	}
}

// TestMatchedPlantedEffect: genuine effects survive the matched baseline,
// whether the events are spread over every market state (funding spikes
// followed by a decline) or concentrated in volatile markets that also
// drift (then matched measures the effect beyond the state's drift).
func TestMatchedPlantedEffect(t *testing.T) {
	t.Run("funding spikes", func(t *testing.T) {
		g, _ := plantedGrid(21, 3*365)
		spec := Spec{Name: "funding_overheat", Variants: []map[string]any{{"level": 0.0015}, {"level": 0.0009}},
			Horizons: []time.Duration{4 * time.Hour, 24 * time.Hour, 72 * time.Hour}, Cooldown: 24 * time.Hour, Target: 0.03, Stop: 0.03, Side: -1}
		res, err := Evaluate(g, []Spec{spec}, StatsConfig{Bootstrap: 500, Split: 0.7, Seed: 1, Baseline: "matched"}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range res.Summaries {
			t.Logf("%s %-6s %-3s n=%3d base=%d diff=%+.4f ci=[%+.4f %+.4f] p=%.4f q=%.4f hit=%.2f/%.2f d=%.2f tbs=%.2f/%.2f %s",
				s.Params, s.Horizon, s.Sample, s.N, s.NBase, s.Diff, s.CILo, s.CIHi, s.P, s.Q, s.HitRate, s.BaseHitRate, s.EffectSize, s.TBSRate, s.BaseTBSRate, s.Note)
			if s.Variant != 0 || s.Horizon < 24*time.Hour {
				continue
			}
			// A 3% fall over 24h; the baseline holds the falls that start
			// within its rows' windows (the note says how much), so Diff
			// is smaller, as it is against all.
			if !(s.Q < 0.05) || !(s.Diff > 0.015) || !(s.CILo > 0) || !(s.HitRate > s.BaseHitRate) || !(s.EffectSize > 0.3) ||
				s.Horizon == 72*time.Hour && !strings.Contains(s.Note, "is also in the baseline") {
				t.Errorf("planted effect missed: %+v", s)
			}
		}
	})
	t.Run("decline after events in drifting turbulence", func(t *testing.T) {
		g, on := volMarket(31, 3*365, 0.01, -0.001, 0.03)
		h := 24 * time.Hour
		sp := fixedSpec(on, -1, h)
		a, err := Evaluate(g, []Spec{sp}, StatsConfig{Bootstrap: 500, Seed: 1}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		m, err := Evaluate(g, []Spec{sp}, StatsConfig{Bootstrap: 500, Seed: 1, Baseline: "matched"}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		sa, sm := summaryAt(t, a, h, "all"), summaryAt(t, m, h, "all")
		t.Logf("n %d: all diff %+.4f [%+.4f, %+.4f] p %.3f; matched diff %+.4f [%+.4f, %+.4f] p %.3f",
			sa.N, sa.Diff, sa.CILo, sa.CIHi, sa.P, sm.Diff, sm.CILo, sm.CIHi, sm.P)
		// The planted 3% (side-adjusted +3%) is found; the state's own
		// drift (about 2.4% a day) is not credited to the signal. Events'
		// declines also sit in their cells' baseline rows, so matched is
		// conservative here.
		if !(sm.P < 0.01) || !(sm.CILo > 0) || !(sm.Diff > 0.012 && sm.Diff < 0.04) || !(sa.Diff > sm.Diff+0.01) {
			t.Errorf("matched %+v\nall %+v", sm, sa)
		}
	})
}

// TestMatchedBaselineDefinition recomputes the matched baseline by brute
// force — for each event, the mean outcome over the baseline rows of the
// sample in its cell (or volatility bin), averaged over the events — and
// checks the fallbacks and their notes.
func TestMatchedBaselineDefinition(t *testing.T) {
	g := nullSynth(3, 400)
	rnd := randomSignal(9, 0.02)
	f, _ := rnd.Fire(NewEnv(g, Options{}))
	on := steps(f.On)
	for _, tc := range []struct {
		name     string
		steps    []int
		opt      Options
		split    float64
		ok       bool
		note     string
		evalStep time.Duration
	}{
		{"cells", on, Options{}, 0, true, "", 0},
		{"cells, two samples, 2h rows", on, Options{}, 0.6, true, "", 2 * time.Hour},
		{"volatility only", on, Options{MatchRetBins: 1, MatchVolBins: 4}, 0, true, "", 0},
		{"12h state", on, Options{MatchWindow: 12 * time.Hour}, 0, true, "", 0},
		{"fallback to the volatility bin", on, Options{MinControls: 90}, 0, true, "on volatility only", 0},
		{"too few controls", on, Options{MinControls: 200}, 0, false, "matched: no baseline for", 0},
		// Step 5 has no 24h of history: not eligible, in no sample.
		{"undefined state", append([]int{5}, on...), Options{}, 0, true, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := []time.Duration{4 * time.Hour, 24 * time.Hour}
			sp := fixedSpec(tc.steps, 1, hs...)
			opt := tc.opt
			opt.EvalStep = tc.evalStep
			res, err := Evaluate(g, []Spec{sp}, StatsConfig{Bootstrap: 200, Split: tc.split, Seed: 1, Baseline: "matched"}, opt)
			if err != nil {
				t.Fatal(err)
			}
			env := NewEnv(g, opt)
			ev := &evaluator{env: env, path: newPath(g), cfg: StatsConfig{Baseline: "matched", Split: tc.split}.withDefaults(),
				k: max(1, int(engine.Nanos(tc.evalStep)/g.Step)), samples: sampleDefs(g.Len(), tc.split)}
			r, err := ev.newSpecRun(sp)
			if err != nil {
				t.Fatal(err)
			}
			if e := res.Events[0]; e.Step == 5 && e.Sample != "" {
				t.Errorf("event at step 5 in sample %q", e.Sample)
			}
			for _, s := range res.Summaries {
				if !strings.Contains(s.Note, tc.note) {
					t.Errorf("%s %s: note %q, want %q", s.Horizon, s.Sample, s.Note, tc.note)
				}
				if !tc.ok {
					if !math.IsNaN(s.MeanBase) || !math.IsNaN(s.P) || !math.IsNaN(s.Diff) || !(s.MeanEvent == s.MeanEvent) {
						t.Errorf("%s %s: no matched baseline, yet %+v", s.Horizon, s.Sample, s)
					}
					continue
				}
				var smp *sampleRun
				for _, x := range r.samples {
					if x.def.name == s.Sample {
						smp = x
					}
				}
				hi := 0
				if s.Horizon == hs[1] {
					hi = 1
				}
				want, n := bruteMatched(r, smp, res, s, hi)
				if math.Abs(s.MeanBase-want) > 1e-12 || s.N != n || math.IsNaN(s.P) || math.Abs(s.Diff-(s.MeanEvent-s.MeanBase)) > 0 {
					t.Errorf("%s %s: base %v, brute force %v (n %d/%d), p %v", s.Horizon, s.Sample, s.MeanBase, want, s.N, n, s.P)
				}
			}
		})
	}
}

// bruteMatched averages, over the summary's events, the mean outcome of
// the baseline rows in the event's cell, or in its volatility bin when the
// cell has fewer than MinControls episodes.
func bruteMatched(r *specRun, s *sampleRun, res *Result, sm Summary, h int) (float64, int) {
	opt := r.env.Opt
	st := r.env.matchState()
	cellOf := func(i int) (int, int) {
		return stats.Bin(s.vEdges, st.vol[i]), stats.Bin(s.rEdges, st.ret[i])
	}
	episodes := func(in func(i int) bool) int {
		n, last := 0, -1
		for _, row := range s.rows {
			if in(int(row)) && (last < 0 || int(row)-last >= r.hmax) {
				n++
				last = int(row)
			}
		}
		return n
	}
	meanOf := func(in func(i int) bool) float64 {
		var sum float64
		n := 0
		for j, row := range s.rows {
			if in(int(row)) {
				sum += s.y[h][j]
				n++
			}
		}
		return sum / float64(n)
	}
	var tot float64
	n := 0
	for _, e := range res.Events {
		if e.Sample != sm.Sample {
			continue
		}
		vb, rb := cellOf(e.Step)
		cell := func(i int) bool {
			v, x := cellOf(i)
			return !math.IsNaN(st.vol[i]) && !math.IsNaN(st.ret[i]) && v == vb && x == rb
		}
		bin := func(i int) bool {
			v, _ := cellOf(i)
			return !math.IsNaN(st.vol[i]) && !math.IsNaN(st.ret[i]) && v == vb
		}
		if episodes(cell) >= opt.MinControls {
			tot += meanOf(cell)
		} else {
			tot += meanOf(bin)
		}
		n++
	}
	return tot / float64(n), n
}

// TestMatchedBootstrapLinearisation checks the bootstrap against the exact
// recomputation it approximates: every replicate recomputing each cell's
// control mean from the resampled rows, y* = mean over resampled events of
// (y − resampled cell mean). Interval ends agree within a tenth of the
// interval's width, p-values within 0.03.
func TestMatchedBootstrapLinearisation(t *testing.T) {
	for _, tc := range []struct {
		name string
		grid func() (*engine.Grid, []int)
		side int
	}{
		{"random events, null market", func() (*engine.Grid, []int) {
			g := nullSynth(4, 2*365)
			f, _ := randomSignal(3, 0.01).Fire(NewEnv(g, Options{}))
			return g, steps(f.On)
		}, 1},
		{"volatile events, regime market", func() (*engine.Grid, []int) { return volMarket(7, 2*365, 0.05, 0, 0.02) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, on := tc.grid()
			hs := []time.Duration{4 * time.Hour, 24 * time.Hour}
			sp := fixedSpec(on, tc.side, hs...)
			cfg := StatsConfig{Bootstrap: 1000, Split: 0.7, Seed: 5, Baseline: "matched"}
			res, err := Evaluate(g, []Spec{sp}, cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			ev := &evaluator{env: NewEnv(g, Options{}), path: newPath(g), cfg: cfg.withDefaults(), k: 1,
				samples: sampleDefs(g.Len(), cfg.Split), plans: map[planKey]*stats.BlockPlan{}}
			r, err := ev.newSpecRun(sp)
			if err != nil {
				t.Fatal(err)
			}
			vs := make([][]*variantSample, len(r.samples))
			for s := range vs {
				vs[s] = make([]*variantSample, 1)
			}
			sig, _, _ := r.signal(nil)
			f, _ := sig.Fire(r.env)
			r.events(0, f, vs)
			for si, smp := range r.samples {
				v := vs[si][0]
				ms := r.matchedBase(smp, v)
				for hi, hd := range hs {
					sm := summaryAt(t, res, hd, smp.def.name)
					plan := ev.plan(planKey{smp.def.name, len(smp.rows), r.durationRows(max(cfg.withDefaults().BlockLength, hd))})
					ci, p := exactMatched(plan, smp, v, ms, hi, sm.Diff, cfg.withDefaults().Alpha)
					w := sm.CIHi - sm.CILo
					t.Logf("%s %s: n %d, linearised [%+.5f, %+.5f] p %.3f; exact [%+.5f, %+.5f] p %.3f",
						smp.def.name, hd, sm.N, sm.CILo, sm.CIHi, sm.P, ci.Lo, ci.Hi, p)
					if math.Abs(ci.Lo-sm.CILo) > 0.1*w || math.Abs(ci.Hi-sm.CIHi) > 0.1*w || math.Abs(p-sm.P) > 0.03 {
						t.Errorf("%s %s: linearised and exact bootstraps differ", smp.def.name, hd)
					}
				}
			}
		})
	}
}

// exactMatched is the exact-ratio bootstrap of the matched difference.
func exactMatched(plan *stats.BlockPlan, s *sampleRun, v *variantSample, ms *matchSet, h int, obs, alpha float64) (stats.Interval, float64) {
	n := plan.N()
	rb := len(ms.cellG) / len(ms.volG)
	cov := make([]float64, n)
	ng := len(ms.w)
	var reps []float64
	for rep := range plan.Reps() {
		clear(cov)
		for _, bl := range plan.Replicate(rep) {
			for k := range int(bl.Len) {
				cov[(int(bl.Start)+k)%n]++
			}
		}
		sy, sn := make([]float64, ng), make([]float64, ng)
		for j := range n {
			c := int(s.cell[j])
			if c < 0 {
				continue
			}
			for _, g := range []int32{ms.cellG[c], ms.volG[c/rb]} {
				if g >= 0 {
					sy[g] += cov[j] * s.y[h][j]
					sn[g] += cov[j]
				}
			}
		}
		var num, den float64
		ok := true
		for k, pos := range v.pos {
			g := ms.grp[k]
			if sn[g] == 0 {
				ok = false
				break
			}
			num += cov[pos] * (v.y[h][k] - sy[g]/sn[g])
			den += cov[pos]
		}
		if !ok || den == 0 {
			continue
		}
		reps = append(reps, num/den)
	}
	return stats.BootstrapTest(obs, reps, alpha)
}

// TestMatchedDeterminism: the matched baseline has no random draw — the
// controls of an event are every baseline row of its cell — so the seed
// reaches only the bootstrap; a test does not depend on the other tests of
// the run.
func TestMatchedDeterminism(t *testing.T) {
	g := nullSynth(8, 300)
	specs := []Spec{
		{Name: "funding_overheat", Variants: []map[string]any{{"level": 0.0002}, {"level": 0.0003}},
			Horizons: []time.Duration{4 * time.Hour, 24 * time.Hour}, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: -1},
		{Name: "wyckoff_spring", Horizons: []time.Duration{24 * time.Hour}, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: 1},
	}
	cfg := StatsConfig{Bootstrap: 300, Split: 0.7, Seed: 3, WalkForward: true, Baseline: "matched"}
	a, err := Evaluate(g, specs, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Evaluate(g, specs, cfg, Options{})
	if a.Digest() != b.Digest() {
		t.Error("same inputs and seed, different results")
	}
	cfg.Seed = 4
	c, _ := Evaluate(g, specs, cfg, Options{})
	if a.Digest() == c.Digest() {
		t.Error("the seed does not reach the bootstrap")
	}
	tested, moved := 0, 0
	for k := range a.Summaries {
		x, y := a.Summaries[k], c.Summaries[k]
		if x.NBase != y.NBase || !sameFloat(x.MeanBase, y.MeanBase) || !sameFloat(x.Diff, y.Diff) || !sameFloat(x.BaseHitRate, y.BaseHitRate) {
			t.Fatalf("summary %d: the controls depend on the seed: %+v vs %+v", k, x, y)
		}
		if !math.IsNaN(x.P) {
			tested++
			if x.P != y.P || x.CILo != y.CILo {
				moved++
			}
		}
	}
	if tested == 0 || moved == 0 {
		t.Errorf("%d tests, %d with a different bootstrap under another seed", tested, moved)
	}
	all, _ := Evaluate(g, specs, StatsConfig{Bootstrap: 300, Split: 0.7, Seed: 3, WalkForward: true}, Options{})
	if all.Digest() == a.Digest() {
		t.Error("matched and all give the same result")
	}
	one, _ := Evaluate(g, specs[:1], StatsConfig{Bootstrap: 300, Split: 0.7, Seed: 3, Baseline: "matched"}, Options{})
	for k := range one.Summaries {
		if x, y := one.Summaries[k], a.Summaries[k]; !sameFloat(x.P, y.P) || !sameFloat(x.CILo, y.CILo) || !sameFloat(x.MeanBase, y.MeanBase) {
			t.Fatalf("summary %d changes with the other specs: %+v vs %+v", k, x, y)
		}
	}
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// volNull fires at random (probability p per step) where trailing
// volatility is in the grid's top quintile: on a GARCH market its events
// see larger |returns| than the average time — a null only once the state
// is matched.
func volNull(p map[string]any) (Signal, error) {
	seed, prob := uint64(p["s"].(int64)), p["p"].(float64)
	return SignalFunc(func(env *Env) (*Fired, error) {
		st := env.matchState()
		thr := stats.QuantileEdges(st.vol, 5)[3]
		r := rand.New(rand.NewPCG(seed, 8))
		on := make([]bool, env.Grid.Len())
		for i := range on {
			on[i] = st.vol[i] >= thr && r.Float64() < prob
		}
		return &Fired{Name: "vol", On: on}, nil
	}), nil
}

// TestMatchedNull is the engine-level null control of the matched
// baseline: 20 GARCH markets without drift, signals that cannot predict
// returns beyond the state — random times, persistent random regimes,
// funding spikes of an independent funding process, and random times in
// volatile markets (side 0: |return|, the case the matched baseline is
// for) — in and out of sample at 4h, 24h and 72h. The share of tests with
// p < 0.05 must stay near or below 5% (at most 8%) and q < 0.05 at most
// 5%.
func TestMatchedNull(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	rnd := func(p map[string]any) (Signal, error) {
		return randomSignal(uint64(p["s"].(int64)), p["p"].(float64)), nil
	}
	regime := func(p map[string]any) (Signal, error) { return regimeSignal(uint64(p["s"].(int64)), 72, 480), nil }
	hs := []time.Duration{4 * time.Hour, 24 * time.Hour, 72 * time.Hour}
	var tests, pHits, qHits, volTests, volHits, volAllHits int
	for seed := uint64(0); seed < 20; seed++ {
		g := nullSynth(300+seed, 2*365)
		specs := []Spec{
			{Name: "random", Signal: rnd, Variants: []map[string]any{{"s": int64(seed), "p": 0.01}, {"s": int64(seed + 1000), "p": 0.03}},
				Horizons: hs, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: 1},
			{Name: "regime", Signal: regime, Variants: []map[string]any{{"s": int64(seed)}},
				Horizons: hs, Cooldown: time.Hour, Target: 0.05, Stop: 0.05, Side: -1},
			{Name: "funding_overheat", Variants: []map[string]any{{"level": 0.0003}},
				Horizons: hs, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: -1},
			{Name: "vol", Signal: volNull, Variants: []map[string]any{{"s": int64(seed), "p": 0.03}},
				Horizons: hs, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: 0},
			{Name: "vol", Signal: volNull, Variants: []map[string]any{{"s": int64(seed + 1000), "p": 0.03}},
				Horizons: hs, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: 1},
		}
		cfg := StatsConfig{Bootstrap: 400, Split: 0.7, Seed: seed, Baseline: "matched"}
		res, err := Evaluate(g, specs, cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Baseline = "all"
		ref, err := Evaluate(g, specs[3:4], cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range res.Summaries {
			if math.IsNaN(s.P) {
				continue
			}
			tests++
			if s.P < 0.05 {
				pHits++
			}
			if s.Q < 0.05 {
				qHits++
			}
			if s.Spec == 3 {
				volTests++
				if s.P < 0.05 {
					volHits++
				}
			}
		}
		for _, s := range ref.Summaries {
			if s.P < 0.05 {
				volAllHits++
			}
		}
	}
	pr, qr := float64(pHits)/float64(tests), float64(qHits)/float64(tests)
	t.Logf("%d null tests against the matched baseline: %.4f with p < 0.05, %.4f with q < 0.05; |return| after volatile times: p < 0.05 in %d of %d tests (against all: %d)",
		tests, pr, qr, volHits, volTests, volAllHits)
	if tests < 500 {
		t.Errorf("only %d tests ran", tests)
	}
	if pr > 0.08 || qr > 0.05 {
		t.Errorf("null tests: %.3f with p < 0.05 (want <= 0.08), %.3f with q < 0.05 (want <= 0.05)", pr, qr)
	}
}
