package hypo

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/stats"
)

// fixed fires exactly at the given steps.
func fixed(idx ...int) func(map[string]any) (Signal, error) {
	return func(map[string]any) (Signal, error) {
		return SignalFunc(func(env *Env) (*Fired, error) {
			on := make([]bool, env.Grid.Len())
			for _, i := range idx {
				on[i] = true
			}
			return &Fired{Name: "fixed", On: on}, nil
		}), nil
	}
}

func TestCooldown(t *testing.T) {
	g := flatGrid(200, time.Hour, 100)
	for _, tc := range []struct {
		cool time.Duration
		want []int
	}{
		{0, []int{10, 11, 12, 40, 45, 70}},
		{time.Hour, []int{10, 11, 12, 40, 45, 70}},
		{2 * time.Hour, []int{10, 12, 40, 45, 70}},
		{24 * time.Hour, []int{10, 40, 70}},
		{30 * time.Hour, []int{10, 40, 70}},
		{31 * time.Hour, []int{10, 45}},
	} {
		res, err := Evaluate(g, []Spec{{Name: "fixed", Signal: fixed(10, 11, 12, 40, 45, 70), Horizons: []time.Duration{time.Hour},
			Cooldown: tc.cool, Target: 0.1, Stop: 0.05, Side: 1}}, StatsConfig{Bootstrap: 10}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, e := range res.Events {
			got = append(got, e.Step)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("cooldown %s: events at %v, want %v", tc.cool, got, tc.want)
		}
	}
}

func TestOutcomes(t *testing.T) {
	// Entry at the close of step 10 (100). Then: step 11 dips to 99.5,
	// step 13 reaches 111 (+11%), and a short squeeze at step 14.
	base := func() *engine.Grid {
		g := flatGrid(40, time.Hour, 100)
		setBar(g, 11, 100, 103, 99.5, 102)
		setBar(g, 12, 102, 104, 101, 104)
		setBar(g, 13, 104, 111, 103, 110)
		setPrice(g, 14, 108)
		setBar(g, 15, 108, 109, 107, 107)
		g.EstLiqShort[14] = 1000 // >= 0.1% of the OI value (108k)
		g.EstLiqLong[16] = 50    // too small to be a cascade
		return g
	}
	hours := func(h int) time.Duration { return time.Duration(h) * time.Hour }
	for _, tc := range []struct {
		name         string
		edit         func(*engine.Grid)
		side         int
		target, stop float64
		mfe, mae     float64
		tbs          int8
		ttt          time.Duration
		cascade      int8
		cascadeIn    time.Duration
	}{
		{"long target first", nil, 1, 0.10, 0.05, 0.11, -0.005, 1, hours(3), 1, hours(4)},
		{"long stop first", func(g *engine.Grid) { setBar(g, 12, 102, 104, 94, 104) }, 1, 0.10, 0.05, 0.11, -0.06, -1, -1, 1, hours(4)},
		{"both in one step: stop first", func(g *engine.Grid) { setBar(g, 11, 100, 111, 94, 102) }, 1, 0.10, 0.05, 0.11, -0.06, -1, -1, 1, hours(4)},
		{"neither", nil, 1, 0.20, 0.05, 0.11, -0.005, 0, -1, 1, hours(4)},
		{"short stopped out", nil, -1, 0.05, 0.10, 0.005, -0.11, -1, -1, 1, hours(4)},
		{"short target first", func(g *engine.Grid) { setBar(g, 12, 102, 104, 94, 104) }, -1, 0.05, 0.10, 0.06, -0.11, 1, hours(2), 1, hours(4)},
		{"either side", nil, 0, 0.10, 0.05, 0.11, -0.005, 1, hours(3), 1, hours(4)},
		{"no estimates", func(g *engine.Grid) { g.EstLiqShort[14], g.EstLiqLong[16] = 0, 0 }, 1, 0.10, 0.05, 0.11, -0.005, 1, hours(3), 0, -1},
		{"long cascade", func(g *engine.Grid) { g.EstLiqLong[14], g.EstLiqShort[14] = 3000, 1000 }, 1, 0.10, 0.05, 0.11, -0.005, 1, hours(3), -1, hours(4)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := base()
			if tc.edit != nil {
				tc.edit(g)
			}
			res, err := Evaluate(g, []Spec{{Name: "fixed", Signal: fixed(10, 30), Horizons: []time.Duration{2 * time.Hour, 5 * time.Hour},
				Target: tc.target, Stop: tc.stop, Side: tc.side}}, StatsConfig{Bootstrap: 10}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			e := res.Events[0]
			wantRet := []float64{g.Close[12]/100 - 1, g.Close[15]/100 - 1}
			if e.Step != 10 || e.Time != g.Time(11) || e.Entry != 100 || !reflect.DeepEqual(e.Returns, wantRet) {
				t.Errorf("event %+v, want returns %v", e, wantRet)
			}
			if math.Abs(e.MFE-tc.mfe) > 1e-12 || math.Abs(e.MAE-tc.mae) > 1e-12 {
				t.Errorf("MFE %v MAE %v, want %v %v", e.MFE, e.MAE, tc.mfe, tc.mae)
			}
			if e.TBS != tc.tbs || e.TimeToTarget != tc.ttt {
				t.Errorf("TBS %d after %s, want %d after %s", e.TBS, e.TimeToTarget, tc.tbs, tc.ttt)
			}
			if e.NextCascade != tc.cascade || e.NextCascadeIn != tc.cascadeIn {
				t.Errorf("next cascade %d in %s, want %d in %s", e.NextCascade, e.NextCascadeIn, tc.cascade, tc.cascadeIn)
			}
			// The second event (step 30) has no 5h window left in a
			// 40-step grid? It has (35 < 40): both are eligible.
			if len(res.Events) != 2 || res.Events[1].Sample != "all" || e.Sample != "all" {
				t.Errorf("events %+v", res.Events)
			}
		})
	}
	// An event whose window runs past the grid has NaN returns there and
	// belongs to no sample.
	g := base()
	res, err := Evaluate(g, []Spec{{Name: "fixed", Signal: fixed(37), Horizons: []time.Duration{2 * time.Hour, 5 * time.Hour},
		Target: 0.1, Stop: 0.05, Side: 1}}, StatsConfig{Bootstrap: 10}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e := res.Events[0]; e.Sample != "" || e.Returns[0] != 0 || !math.IsNaN(e.Returns[1]) {
		t.Errorf("late event %+v", e)
	}
}

// TestMultipleTesting checks the family: every (hypothesis, variant,
// horizon) of a sample, q-values equal to BH over the family with
// untestable tests at p = 1, and Bonferroni = min(1, p·family).
func TestMultipleTesting(t *testing.T) {
	g := nullSynth(1, 400)
	rnd := func(p map[string]any) (Signal, error) { return randomSignal(uint64(p["s"].(int64)), 0.01), nil }
	specs := []Spec{
		{Name: "random", Signal: rnd, Variants: []map[string]any{{"s": int64(1)}, {"s": int64(2)}, {"s": int64(3)}},
			Horizons: []time.Duration{4 * time.Hour, 24 * time.Hour}, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: 1},
		{Name: "funding_overheat", Variants: []map[string]any{{"level": 0.0003}, {"level": 0.01}},
			Horizons: []time.Duration{4 * time.Hour, 24 * time.Hour}, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: -1},
	}
	res, err := Evaluate(g, specs, StatsConfig{Bootstrap: 200, Split: 0.6, Seed: 4}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Family != 10 || res.Variants != 5 || len(res.Summaries) != 20 || len(res.Samples) != 2 {
		t.Fatalf("family %d, variants %d, %d summaries, samples %+v", res.Family, res.Variants, len(res.Summaries), res.Samples)
	}
	for _, smp := range res.Samples {
		var ps []float64
		var rows []Summary
		for _, s := range res.Summaries {
			if s.Sample == smp.Name {
				p := s.P
				if math.IsNaN(p) {
					p = 1
				}
				ps = append(ps, p)
				rows = append(rows, s)
			}
		}
		q := stats.BenjaminiHochberg(ps)
		untestable := 0
		for k, s := range rows {
			if math.IsNaN(s.P) {
				untestable++
				if !math.IsNaN(s.Q) || s.Note == "" {
					t.Errorf("untestable %s/%d: q %v note %q", s.Hypothesis, s.Variant, s.Q, s.Note)
				}
				continue
			}
			if s.Q != q[k] || s.PBonferroni != math.Min(1, s.P*float64(res.Family)) {
				t.Errorf("%s/%d/%s/%s: q %v want %v, bonferroni %v", s.Hypothesis, s.Variant, s.Horizon, s.Sample, s.Q, q[k], s.PBonferroni)
			}
		}
		// level 0.01 never fires: 2 untestable tests per sample.
		if untestable < 2 || smp.Tests != 10 || smp.Tested != 10-untestable {
			t.Errorf("sample %+v: %d untestable", smp, untestable)
		}
	}
	// Ordering: spec, variant, horizon, sample.
	for k := 1; k < len(res.Summaries); k++ {
		a, b := res.Summaries[k-1], res.Summaries[k]
		if a.Hypothesis == b.Hypothesis && (a.Variant > b.Variant || a.Variant == b.Variant && a.Horizon > b.Horizon) {
			t.Fatalf("summaries out of order at %d", k)
		}
	}
}

// plantedGrid is a null GARCH market with funding spikes at random
// settlements, each followed by a 3% decline over the next 24 hours.
func plantedGrid(seed uint64, days int) (*engine.Grid, int) {
	g := nullSynth(seed, days)
	r := rand.New(rand.NewPCG(seed, 99))
	adj := make([]float64, g.Len()+1) // log-price shift per step
	spikes := 0
	last := -1000
	for i := range g.Len() {
		if !g.FundingSettled[i] || i-last < 72 || r.Float64() > 0.05 {
			continue
		}
		last = i
		spikes++
		g.Funding[i] = 0.002
		for j := i + 1; j < g.Len(); j++ {
			adj[j] -= 0.03 * math.Min(1, float64(j-i)/24)
		}
	}
	for i := range g.Len() {
		f := math.Exp(adj[i])
		g.Open[i] *= math.Exp(adj[max(i-1, 0)])
		g.High[i] *= f
		g.Low[i] *= f
		g.Close[i] *= f
		g.High[i] = math.Max(g.High[i], g.Open[i])
		g.Low[i] = math.Min(g.Low[i], g.Open[i])
	}
	return g, spikes
}

func TestPlantedEffect(t *testing.T) {
	g, spikes := plantedGrid(21, 3*365)
	spec := Spec{Name: "funding_overheat", Variants: []map[string]any{{"level": 0.0015}, {"level": 0.0009}},
		Horizons: []time.Duration{4 * time.Hour, 24 * time.Hour, 72 * time.Hour}, Cooldown: 24 * time.Hour, Target: 0.03, Stop: 0.03, Side: -1}
	res, err := Evaluate(g, []Spec{spec}, StatsConfig{Bootstrap: 500, Split: 0.7, Seed: 1, WalkForward: true}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d planted spikes, %d events", spikes, len(res.Events))
	for _, s := range res.Summaries {
		t.Logf("%s %-6s %-3s n=%3d diff=%+.4f ci=[%+.4f %+.4f] p=%.4f q=%.4f hit=%.2f base=%.2f d=%.2f tbs=%.2f/%.2f chosen=%v",
			s.Params, s.Horizon, s.Sample, s.N, s.Diff, s.CILo, s.CIHi, s.P, s.Q, s.HitRate, s.BaseHitRate, s.EffectSize, s.TBSRate, s.BaseTBSRate, s.Chosen)
		if s.Variant != 0 || s.Horizon < 24*time.Hour {
			continue
		}
		if !(s.Q < 0.05) || !(s.Diff > 0.02) || !(s.CILo > 0) || !(s.HitRate > s.BaseHitRate) {
			t.Errorf("planted effect missed: %+v", s)
		}
	}
}

// TestNullFalsePositives runs null markets (GARCH random walks, no drift)
// with signals that cannot predict returns — random placements, funding
// spikes of an independent funding process, springs and OI divergences of
// a martingale, the sentiment proxy — over 24 seeds and checks the share
// of tests with q < 0.05 stays at most 5% (and raw p < 0.05 near 5%). It
// fails if the bootstrap understates uncertainty (e.g. blocks shorter
// than the outcome overlap).
func TestNullFalsePositives(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	rnd := func(p map[string]any) (Signal, error) {
		return randomSignal(uint64(p["s"].(int64)), p["p"].(float64)), nil
	}
	regime := func(p map[string]any) (Signal, error) { return regimeSignal(uint64(p["s"].(int64)), 72, 480), nil }
	hs := []time.Duration{4 * time.Hour, 24 * time.Hour, 72 * time.Hour}
	var tests, qHits, pHits int
	for seed := uint64(0); seed < 24; seed++ {
		g := nullSynth(100+seed, 2*365)
		specs := []Spec{
			{Name: "random", Signal: rnd, Variants: []map[string]any{{"s": int64(seed), "p": 0.01}, {"s": int64(seed + 1000), "p": 0.03}},
				Horizons: hs, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: 1},
			{Name: "random", Signal: rnd, Variants: []map[string]any{{"s": int64(seed + 2000), "p": 0.002}},
				Horizons: hs, Cooldown: 12 * time.Hour, Target: 0.05, Stop: 0.05, Side: -1},
			{Name: "funding_overheat", Variants: []map[string]any{{"level": 0.0003}, {"level": 0.01, "zscore": 2.0, "window": 240 * time.Hour}},
				Horizons: hs, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: -1},
			{Name: "wyckoff_spring", Variants: []map[string]any{{"lookback": int64(24), "sweep_max": 0.02}, {"lookback": int64(72)}},
				Horizons: hs, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: 1},
			{Name: "oi_divergence", Variants: []map[string]any{{"window": 24 * time.Hour, "oi_rise": 0.01, "price_fall": 0.02}},
				Horizons: hs, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: 1},
			{Name: "sentiment_extreme", Variants: []map[string]any{{"below": 25.0}},
				Horizons: hs, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: 1},
			// Persistent conditions with a short cooldown: clustered,
			// overlapping events.
			{Name: "regime", Signal: regime, Variants: []map[string]any{{"s": int64(seed)}, {"s": int64(seed + 1000)}},
				Horizons: hs, Cooldown: time.Hour, Target: 0.05, Stop: 0.05, Side: 1},
			{Name: "sentiment_extreme", Variants: []map[string]any{{"below": 30.0}},
				Horizons: hs, Cooldown: time.Hour, Target: 0.05, Stop: 0.05, Side: 1},
			{Name: "oi_divergence", Variants: []map[string]any{{"window": 24 * time.Hour, "oi_rise": 0.01, "price_fall": 0.02}},
				Horizons: hs, Cooldown: time.Hour, Target: 0.05, Stop: 0.05, Side: -1},
		}
		res, err := Evaluate(g, specs, StatsConfig{Bootstrap: 400, Split: 0.7, Seed: seed}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range res.Summaries {
			if math.IsNaN(s.P) {
				continue
			}
			tests++
			if s.Q < 0.05 {
				qHits++
			}
			if s.P < 0.05 {
				pHits++
			}
		}
	}
	qr, pr := float64(qHits)/float64(tests), float64(pHits)/float64(tests)
	t.Logf("%d null tests: %.4f with q < 0.05, %.4f with p < 0.05", tests, qr, pr)
	if tests < 1000 {
		t.Errorf("only %d tests ran", tests)
	}
	if qr > 0.05 {
		t.Errorf("%.3f of null tests have q < 0.05, want <= 0.05", qr)
	}
	if pr > 0.08 {
		t.Errorf("%.3f of null tests have p < 0.05, want <= 0.08 (size of the bootstrap test)", pr)
	}
}

func TestDeterminism(t *testing.T) {
	g := nullSynth(8, 300)
	specs := []Spec{
		{Name: "funding_overheat", Variants: []map[string]any{{"level": 0.0002}, {"level": 0.0003}},
			Horizons: []time.Duration{4 * time.Hour, 24 * time.Hour}, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: -1},
		{Name: "wyckoff_spring", Horizons: []time.Duration{24 * time.Hour}, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: 1},
	}
	cfg := StatsConfig{Bootstrap: 300, Split: 0.7, Seed: 3, WalkForward: true}
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
	// A test's replicates do not depend on the other tests of the run.
	one, _ := Evaluate(g, specs[:1], StatsConfig{Bootstrap: 300, Split: 0.7, Seed: 3}, Options{})
	for k := range one.Summaries {
		if x, y := one.Summaries[k], a.Summaries[k]; x.P != y.P || x.CILo != y.CILo {
			t.Fatalf("summary %d changes with the other specs: %+v vs %+v", k, x, y)
		}
	}
}

func TestWalkForward(t *testing.T) {
	g, _ := plantedGrid(5, 2*365)
	spec := Spec{Name: "funding_overheat", Variants: []map[string]any{{"level": 0.0015}, {"level": 0.0003}, {"level": 0.01}},
		Horizons: []time.Duration{24 * time.Hour}, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: -1}
	res, err := Evaluate(g, []Spec{spec}, StatsConfig{Bootstrap: 300, Split: 0.6, Seed: 1, WalkForward: true}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var chosen []string
	for _, s := range res.Summaries {
		if s.Chosen {
			chosen = append(chosen, s.Params+"/"+s.Sample)
		}
		if s.Chosen && s.Sample == "out" && math.IsNaN(s.QWalkForward) || !s.Chosen && !math.IsNaN(s.QWalkForward) {
			t.Errorf("walk-forward q %v on %s/%s chosen=%v", s.QWalkForward, s.Params, s.Sample, s.Chosen)
		}
	}
	want := []string{"crowded=long,level=0.0015,window=720h,zscore=0/in", "crowded=long,level=0.0015,window=720h,zscore=0/out"}
	if !reflect.DeepEqual(chosen, want) {
		t.Errorf("chosen %v, want %v", chosen, want)
	}
}

func TestEvaluateErrors(t *testing.T) {
	g := flatGrid(100, time.Hour, 100)
	ok := Spec{Name: "funding_overheat", Horizons: []time.Duration{time.Hour}, Target: 0.1, Stop: 0.05, Side: -1}
	for _, tc := range []struct {
		name string
		spec Spec
		cfg  StatsConfig
		opt  Options
	}{
		{"unknown baseline", ok, StatsConfig{Baseline: "random"}, Options{}},
		{"matched cells", ok, StatsConfig{Baseline: "matched"}, Options{MatchVolBins: 1000, MatchRetBins: 1000}},
		{"eval step", ok, StatsConfig{}, Options{EvalStep: 90 * time.Minute}},
		{"no horizons", Spec{Name: "funding_overheat", Target: 0.1, Stop: 0.05}, StatsConfig{}, Options{}},
		{"side", Spec{Name: "funding_overheat", Horizons: []time.Duration{time.Hour}, Target: 0.1, Stop: 0.05, Side: 2}, StatsConfig{}, Options{}},
		{"unknown", Spec{Name: "astrology", Horizons: []time.Duration{time.Hour}, Target: 0.1, Stop: 0.05}, StatsConfig{}, Options{}},
		{"bad param", Spec{Name: "funding_overheat", Variants: []map[string]any{{"level": "high"}}, Horizons: []time.Duration{time.Hour}, Target: 0.1, Stop: 0.05}, StatsConfig{}, Options{}},
	} {
		if _, err := Evaluate(g, []Spec{tc.spec}, tc.cfg, tc.opt); err == nil {
			t.Errorf("%s: no error", tc.name)
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
	}
}

// TestEvalStep checks that a coarser evaluation step gives the same
// events and nearly the same statistics.
func TestEvalStep(t *testing.T) {
	g, _ := plantedGrid(9, 2*365)
	spec := Spec{Name: "funding_overheat", Variants: []map[string]any{{"level": 0.0015}},
		Horizons: []time.Duration{24 * time.Hour}, Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.05, Side: -1}
	a, err := Evaluate(g, []Spec{spec}, StatsConfig{Bootstrap: 300, Seed: 1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Evaluate(g, []Spec{spec}, StatsConfig{Bootstrap: 300, Seed: 1}, Options{EvalStep: 4 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	sa, sb := a.Summaries[0], b.Summaries[0]
	if len(a.Events) != len(b.Events) || sa.N != sb.N || sb.NBase > sa.NBase/4+1 || math.Abs(sa.MeanBase-sb.MeanBase) > 0.002 || !(sb.P < 0.01) {
		t.Errorf("1h: %+v\n4h: %+v", sa, sb)
	}
}

// TestSparseDenseAgree forces every test through the coverage path and
// then through the prefix-sum path: the replicate statistics, hence the
// intervals and p-values, must agree.
func TestSparseDenseAgree(t *testing.T) {
	g, _ := plantedGrid(13, 2*365)
	specs := []Spec{{Name: "funding_overheat", Variants: []map[string]any{{"level": 0.0015}, {"level": 0.0002}, {"level": 0.0005}},
		Horizons: []time.Duration{4 * time.Hour, 24 * time.Hour, 72 * time.Hour}, Cooldown: 8 * time.Hour, Target: 0.05, Stop: 0.05, Side: -1}}
	run := func(f float64) *Result {
		old := sparseFactor
		defer func() { sparseFactor = old }()
		sparseFactor = f
		res, err := Evaluate(g, specs, StatsConfig{Bootstrap: 300, Split: 0.7, Seed: 2}, Options{EvalStep: 2 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	sp, de := run(math.Inf(1)), run(0)
	for k := range sp.Summaries {
		a, b := sp.Summaries[k], de.Summaries[k]
		if math.Abs(a.P-b.P) > 0.01 || math.Abs(a.CILo-b.CILo) > 1e-9 || math.Abs(a.CIHi-b.CIHi) > 1e-9 || math.IsNaN(a.P) != math.IsNaN(b.P) {
			t.Errorf("%s %s %s: sparse p=%v ci=[%v %v], dense p=%v ci=[%v %v]", a.Params, a.Horizon, a.Sample, a.P, a.CILo, a.CIHi, b.P, b.CILo, b.CIHi)
		}
	}
}
