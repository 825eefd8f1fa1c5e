package hypo

import (
	"sync"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
)

var benchGrid = sync.OnceValue(func() *engine.Grid {
	// Three years of 5-minute steps (315,360 rows), 0.15% per-step
	// volatility with GARCH clustering.
	return synth{seed: 1, n: 3 * 365 * 288, step: 5 * time.Minute, omega: 2.25e-8, alpha: 0.05, beta: 0.94}.grid()
})

// benchSpec is funding_overheat over a 10 × 5 × 2 grid (100 variants),
// four horizons, as a scenario would run it; n keeps the first n variants.
func benchSpec(n int) []Spec {
	var vs []map[string]any
	for l := range 10 {
		for _, z := range []float64{0, 1.5, 2, 2.5, 3} {
			for _, w := range []time.Duration{7 * 24 * time.Hour, 30 * 24 * time.Hour} {
				vs = append(vs, map[string]any{"level": 0.0002 + 0.0001*float64(l), "zscore": z, "window": w})
			}
		}
	}
	return []Spec{{Name: "funding_overheat", Variants: vs[:n],
		Horizons: []time.Duration{4 * time.Hour, 24 * time.Hour, 72 * time.Hour, 168 * time.Hour},
		Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.03, Side: -1}}
}

var benchCfg = StatsConfig{Bootstrap: 2000, BlockLength: 24 * time.Hour, Alpha: 0.05, Split: 0.7, WalkForward: true, Seed: 1}

// matchedCfg is benchCfg with the matched baseline.
var matchedCfg = func() StatsConfig { c := benchCfg; c.Baseline = "matched"; return c }()

func evalBench(b *testing.B, specs []Spec) *Result { return evalBenchCfg(b, specs, benchCfg) }

func evalBenchCfg(b *testing.B, specs []Spec, cfg StatsConfig) *Result {
	res, err := Evaluate(benchGrid(), specs, cfg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return res
}

func BenchmarkEvaluate1Variant(b *testing.B) {
	benchGrid()
	specs := benchSpec(1)
	for b.Loop() {
		evalBench(b, specs)
	}
}

// BenchmarkEvaluate100Variants times 100 variants and, in the same loop,
// one variant, and reports both and their ratio (target: <= 3), in wall
// time and in process CPU time (robust to other load on the machine).
func BenchmarkEvaluate100Variants(b *testing.B) { benchRatio(b, benchSpec(1), benchSpec(100)) }

// BenchmarkEvaluate100VariantsMatched is BenchmarkEvaluate100Variants with
// the matched baseline; compare its ms/1variant and ms/100variants with
// the baseline-all figures for the cost of matching.
func BenchmarkEvaluate100VariantsMatched(b *testing.B) {
	benchRatioCfg(b, benchSpec(1), benchSpec(100), matchedCfg)
}

// BenchmarkEvaluate100VariantsOIDivergence is the same for oi_divergence
// (5 windows × 5 OI rises × 4 price falls, Side 0): a signal evaluated at
// every step, with no two variants sharing their events.
func BenchmarkEvaluate100VariantsOIDivergence(b *testing.B) {
	benchRatio(b, oiBenchSpec(1), oiBenchSpec(100))
}

// BenchmarkEvaluate100VariantsOIDivergenceMatched is the same with the
// matched baseline.
func BenchmarkEvaluate100VariantsOIDivergenceMatched(b *testing.B) {
	benchRatioCfg(b, oiBenchSpec(1), oiBenchSpec(100), matchedCfg)
}

func oiBenchSpec(n int) []Spec {
	var vs []map[string]any
	for _, w := range []time.Duration{4 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 72 * time.Hour} {
		for _, r := range []float64{0.005, 0.01, 0.02, 0.03, 0.05} {
			for _, f := range []float64{0.01, 0.02, 0.03, 0.05} {
				vs = append(vs, map[string]any{"window": w, "oi_rise": r, "price_fall": f})
			}
		}
	}
	return []Spec{{Name: "oi_divergence", Variants: vs[:n],
		Horizons: []time.Duration{4 * time.Hour, 24 * time.Hour, 72 * time.Hour, 168 * time.Hour},
		Cooldown: 24 * time.Hour, Target: 0.05, Stop: 0.03, Side: 0}}
}

func benchRatio(b *testing.B, one, all []Spec) { benchRatioCfg(b, one, all, benchCfg) }

func benchRatioCfg(b *testing.B, one, all []Spec, cfg StatsConfig) {
	benchGrid()
	var w1, w100, c1, c100 time.Duration
	var events, tests int
	for b.Loop() {
		s, cs := time.Now(), cpuTime()
		evalBenchCfg(b, one, cfg)
		m, cm := time.Now(), cpuTime()
		res := evalBenchCfg(b, all, cfg)
		w1 += m.Sub(s)
		w100 += time.Since(m)
		c1 += cm - cs
		c100 += cpuTime() - cm
		events, tests = len(res.Events), len(res.Summaries)
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(b.N) }
	b.ReportMetric(ms(w1), "ms/1variant")
	b.ReportMetric(ms(w100), "ms/100variants")
	b.ReportMetric(float64(w100)/float64(w1), "ratio")
	if c1 > 0 {
		b.ReportMetric(ms(c1), "cpu-ms/1variant")
		b.ReportMetric(ms(c100), "cpu-ms/100variants")
		b.ReportMetric(float64(c100)/float64(c1), "cpu-ratio")
	}
	b.ReportMetric(float64(events), "events")
	b.ReportMetric(float64(tests), "tests")
}
