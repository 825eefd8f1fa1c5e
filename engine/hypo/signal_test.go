package hypo

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
)

func fire(t *testing.T, g *engine.Grid, opt Options, name string, p map[string]any) *Fired {
	t.Helper()
	s, err := NewSignal(name, p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.Fire(NewEnv(g, opt))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.On) != g.Len() {
		t.Fatalf("%d values for %d steps", len(f.On), g.Len())
	}
	return f
}

type signalCase struct {
	name   string
	params map[string]any
	want   []int
}

func runCases(t *testing.T, g *engine.Grid, opt Options, hyp string, cases []signalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := fire(t, g, opt, hyp, tc.params)
			if got := steps(f.On); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("fires at %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFundingOverheat(t *testing.T) {
	g := flatGrid(200, time.Hour, 100)
	k := 0
	for i := range g.Len() {
		if g.FundingSettled[i] {
			g.Funding[i] = 0.0001 + 0.0001*float64(k%2) // alternating, sd ≈ 5e-5
			k++
		}
	}
	g.Funding[80] = 0.0008  // settled: a spike
	g.Funding[121] = 0.0012 // not a settlement step: ignored
	g.Funding[184] = 0.0005 // settled: a z-score outlier, below the level
	runCases(t, g, Options{}, "funding_overheat", []signalCase{
		{"level", map[string]any{"level": 0.0007}, []int{80}},
		{"level below every value", map[string]any{"level": 0.0001}, steps(g.FundingSettled)},
		{"zscore", map[string]any{"level": 0.01, "zscore": 3.0, "window": 100 * time.Hour}, []int{80, 184}},
		{"level or zscore", map[string]any{"level": 0.0007, "zscore": 3.0, "window": 100 * time.Hour}, []int{80, 184}},
	})
	f := fire(t, g, Options{}, "funding_overheat", map[string]any{"level": 0.01, "zscore": 3.0, "window": 100 * time.Hour})
	dst := make([]float64, 2)
	f.Values(184, dst)
	if dst[0] != 0.0005 || !(dst[1] > 3) {
		t.Errorf("features at 184: %v", dst)
	}
}

func TestOIDivergence(t *testing.T) {
	g := flatGrid(150, time.Hour, 100)
	for i := 50; i < g.Len(); i++ {
		g.OI[i] = 1060
	}
	setPrice(g, 50, 97)
	for i := 100; i < g.Len(); i++ {
		g.OI[i] = 1200 // OI up with a flat price: no divergence
	}
	runCases(t, g, Options{}, "oi_divergence", []signalCase{
		{"4h", map[string]any{"window": 4 * time.Hour, "oi_rise": 0.05, "price_fall": 0.02}, []int{50, 51, 52, 53}},
		{"price fall too small", map[string]any{"window": 4 * time.Hour, "oi_rise": 0.05, "price_fall": 0.04}, nil},
		{"oi rise too small", map[string]any{"window": 4 * time.Hour, "oi_rise": 0.07, "price_fall": 0.02}, nil},
	})
}

func springGrid() *engine.Grid {
	g := flatGrid(130, time.Hour, 100)
	for i := range g.Len() {
		setBar(g, i, 100, 101, 99, 100) // range support 99
	}
	// A spring: sweep to 97, reclaimed two bars later.
	setBar(g, 20, 100, 100, 97, 98)
	setBar(g, 21, 98, 99, 97.5, 98.5)
	setBar(g, 22, 98.5, 100.5, 98, 100)
	// Too deep: 95 is below 99·(1−0.03).
	setBar(g, 40, 100, 100, 95, 98)
	// Not reclaimed within two bars.
	setBar(g, 60, 100, 100, 97, 98)
	setBar(g, 61, 98, 98.5, 97.5, 98)
	setBar(g, 62, 98, 98.5, 97.5, 98)
	setBar(g, 63, 98, 100, 97.5, 100)
	// A close below the sweep floor ends the episode.
	setBar(g, 80, 100, 100, 97, 98)
	setBar(g, 81, 98, 98, 93, 95.5)
	setBar(g, 82, 95.5, 100, 95, 100)
	// The sweep bar itself closes back above support.
	setBar(g, 100, 100, 100, 97.5, 99.5)
	return g
}

func TestWyckoffSpring(t *testing.T) {
	g := springGrid()
	base := map[string]any{"bar": time.Hour, "lookback": int64(5), "sweep_max": 0.03, "reclaim_bars": int64(2)}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range base {
			m[a] = b
		}
		m[k] = v
		return m
	}
	runCases(t, g, Options{}, "wyckoff_spring", []signalCase{
		{"springs", base, []int{22, 100}},
		{"deeper sweeps allowed", with("sweep_max", 0.06), []int{22, 41, 82, 100}},
		{"slower reclaim allowed", with("reclaim_bars", int64(3)), []int{22, 63, 100}},
	})
	f := fire(t, g, Options{}, "wyckoff_spring", base)
	dst := make([]float64, 4)
	f.Values(22, dst)
	if dst[0] != 99 || math.Abs(dst[1]-(1-97.0/99)) > 1e-12 || dst[2] != 2 {
		t.Errorf("features at 22: %v", dst)
	}
	// liq_burst: only the spring with a long-liquidation burst remains.
	g.EstLiqLong[21] = 600
	runCases(t, g, Options{}, "wyckoff_spring", []signalCase{{"liq_burst", with("liq_burst", 500.0), []int{22}}})

	// Two-hour bars: steps 40–41 form the sweep bar, 42–43 reclaim.
	h := flatGrid(80, time.Hour, 100)
	for i := range h.Len() {
		setBar(h, i, 100, 101, 99, 100)
	}
	setBar(h, 40, 100, 100, 97, 98)
	setBar(h, 41, 98, 98.5, 97.5, 98)
	setBar(h, 43, 98, 100, 98, 100)
	runCases(t, h, Options{}, "wyckoff_spring", []signalCase{
		{"2h bars", map[string]any{"bar": 2 * time.Hour, "lookback": int64(5), "sweep_max": 0.03, "reclaim_bars": int64(2)}, []int{43}},
	})
}

func TestDeleveragingFlush(t *testing.T) {
	g := flatGrid(100, time.Hour, 100)
	setPrice(g, 30, 95)
	for i := 30; i < g.Len(); i++ {
		g.OI[i] = 960
		g.OIValue[i] = 960 * 95
	}
	g.EstLiqLong[30] = 600 // 0.6% of the OI value (100k) at the window start
	flush := map[string]any{"window": 4 * time.Hour, "price_drop": 0.04, "oi_drop": 0.03, "liq_share": 0.005}
	runCases(t, g, Options{}, "deleveraging_flush", []signalCase{
		{"flush", flush, []int{30, 31, 32, 33}},
		{"liquidations too small", map[string]any{"window": 4 * time.Hour, "price_drop": 0.04, "oi_drop": 0.03, "liq_share": 0.007}, nil},
		{"price drop too small", map[string]any{"window": 4 * time.Hour, "price_drop": 0.06, "oi_drop": 0.03, "liq_share": 0.005}, nil},
	})
	if f := fire(t, g, Options{}, "deleveraging_flush", flush); f.Source != "estimated liquidations" {
		t.Errorf("source %q", f.Source)
	}
	// Recorded liquidations stand in when there are no estimates.
	g.EstLiqLong[30], g.RecLiqLong[30] = 0, 600
	f := fire(t, g, Options{}, "deleveraging_flush", flush)
	if got := steps(f.On); !reflect.DeepEqual(got, []int{30, 31, 32, 33}) || !strings.Contains(f.Source, "recorded") {
		t.Errorf("recorded fallback: fires at %v, source %q", got, f.Source)
	}

	// Circuit breaker: OI falling from step 40, a burst at 41–44 that
	// fades, funding at the reset level.
	c := flatGrid(100, time.Hour, 100)
	for i := 40; i < c.Len(); i++ {
		c.OI[i] = 1000 - 5*float64(i-40)
	}
	for i := 41; i <= 44; i++ {
		c.EstLiqLong[i] = 200
	}
	cb := map[string]any{"window": 4 * time.Hour, "oi_drop": 0.0, "liq_share": 0.001, "mode": "circuit_breaker"}
	runCases(t, c, Options{}, "deleveraging_flush", []signalCase{{"circuit breaker", cb, []int{47, 48, 49, 50, 51}}})
	for i := range c.Len() {
		c.Funding[i] = 0.0002
	}
	runCases(t, c, Options{}, "deleveraging_flush", []signalCase{{"funding not reset", cb, nil}})
}

func TestSentimentExtreme(t *testing.T) {
	g := flatGrid(50, time.Hour, 100)
	fg := make([]float64, g.Len())
	for i := range fg {
		fg[i] = 50
	}
	fg[10], fg[11], fg[12], fg[20] = 15, 15, 15, 85
	g.Series["fear_greed"] = fg
	runCases(t, g, Options{}, "sentiment_extreme", []signalCase{
		{"fear", map[string]any{"below": 20.0}, []int{10, 11, 12}},
		{"fear or greed", map[string]any{"below": 20.0, "above": 80.0}, []int{10, 11, 12, 20}},
	})
	if f := fire(t, g, Options{}, "sentiment_extreme", nil); f.Source != "series fear_greed" {
		t.Errorf("source %q", f.Source)
	}
}

// TestSentimentProxy checks the proxy's range, its source note and that it
// uses past data only: changing the future leaves earlier values unchanged.
func TestSentimentProxy(t *testing.T) {
	g := nullSynth(3, 500)
	f := fire(t, g, Options{}, "sentiment_extreme", map[string]any{"below": 25.0})
	if !strings.HasPrefix(f.Source, "proxy") {
		t.Errorf("source %q", f.Source)
	}
	val := NewEnv(g, Options{}).proxy()
	finite := 0
	for _, v := range val {
		if !math.IsNaN(v) {
			finite++
			if v < 0 || v > 100 {
				t.Fatalf("proxy value %v outside 0–100", v)
			}
		}
	}
	if finite < g.Len()/2 {
		t.Errorf("only %d of %d proxy values defined", finite, g.Len())
	}
	cut := 400 * 24
	for i := cut; i < g.Len(); i++ {
		g.Close[i] *= 2
		g.Volume[i] *= 10
		g.Funding[i] = 0.01
	}
	val2 := NewEnv(g, Options{}).proxy()
	for i := range cut {
		if !(val[i] == val2[i] || math.IsNaN(val[i]) && math.IsNaN(val2[i])) {
			t.Fatalf("proxy at step %d changed from %v to %v when only steps >= %d changed", i, val[i], val2[i], cut)
		}
	}
	if val[cut+30] == val2[cut+30] {
		t.Error("proxy ignores the data it is built from")
	}
}

func TestLiqAsymmetry(t *testing.T) {
	g := flatGrid(20, time.Hour, 100)
	ms := MapSeries{Above: 0.12, Below: 0.1}
	for k := range 40 { // every 30 minutes
		ms.Times = append(ms.Times, g.T0+engine.Nanos(k)*30*engine.Minute)
		ms.Shorts = append(ms.Shorts, 100)
		ms.Longs = append(ms.Longs, 50)
	}
	ms.Shorts[6] = 400  // 03:00, kept (first sample of its hour): ratio 8
	ms.Shorts[9] = 400  // 04:30, dropped by the hourly sampling
	ms.Longs[14] = 0    // 07:00: longs 0, shorts > 0: infinite ratio
	ms.Shorts[20] = 150 // 10:00: ratio exactly 3
	opt := Options{MapSamples: []MapSeries{ms}}
	p := map[string]any{"above": 0.12, "below": 0.1, "ratio": 3.0, "every": time.Hour}
	runCases(t, g, opt, "liq_asymmetry", []signalCase{{"hourly", p, []int{3, 7, 10}}})
	p2 := map[string]any{"above": 0.12, "below": 0.1, "ratio": 3.0, "every": 30 * time.Minute}
	runCases(t, g, opt, "liq_asymmetry", []signalCase{{"every 30m", p2, []int{3, 4, 7, 10}}})

	_, err := Evaluate(g, []Spec{{Name: "liq_asymmetry", Variants: []map[string]any{{"above": 0.08}},
		Horizons: []time.Duration{time.Hour}, Target: 0.1, Stop: 0.05, Side: 1}}, StatsConfig{}, opt)
	if !errors.Is(err, ErrNoMapSamples) || !strings.Contains(err.Error(), "above=0.08") {
		t.Errorf("missing map samples: err = %v", err)
	}
	reqs, err := MapRequests([]Spec{{Name: "liq_asymmetry", Variants: []map[string]any{{"above": 0.08}, {"above": 0.08, "every": 30 * time.Minute}, {}}}})
	want := []MapRequest{{0.08, 0.1, 30 * time.Minute}, {0.12, 0.1, time.Hour}}
	if err != nil || !reflect.DeepEqual(reqs, want) {
		t.Errorf("MapRequests = %v, %v; want %v", reqs, err, want)
	}
}

func TestCompose(t *testing.T) {
	g := flatGrid(30, time.Hour, 100)
	at := func(name string, idx ...int) Signal {
		return SignalFunc(func(env *Env) (*Fired, error) {
			on := make([]bool, env.Grid.Len())
			for _, i := range idx {
				on[i] = true
			}
			return &Fired{Name: name, On: on, Features: []string{"x"}, Values: func(i int, dst []float64) { dst[0] = float64(i) }}, nil
		})
	}
	env := NewEnv(g, Options{})
	for _, tc := range []struct {
		name string
		s    Signal
		want []int
	}{
		{"all", All(at("a", 1, 5, 9), at("b", 5, 9, 12)), []int{5, 9}},
		{"any", Any(at("a", 1, 5), at("b", 5, 12)), []int{1, 5, 12}},
		{"within", Within(at("a", 3, 20), 2*time.Hour), []int{3, 4, 5, 20, 21, 22}},
		{"all within", All(at("a", 10, 25), Within(at("b", 7), 4*time.Hour)), []int{10}},
	} {
		f, err := tc.s.Fire(env)
		if err != nil {
			t.Fatal(err)
		}
		if got := steps(f.On); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: fires at %v, want %v", tc.name, got, tc.want)
		}
	}
	f, _ := All(at("a", 10), Within(at("b", 7), 4*time.Hour)).Fire(env)
	dst := make([]float64, len(f.Features))
	f.Values(10, dst)
	if !reflect.DeepEqual(f.Features, []string{"a0.x", "b1.x", "b1.age_h"}) || !reflect.DeepEqual(dst, []float64{10, 7, 3}) {
		t.Errorf("features %v = %v", f.Features, dst)
	}
	// Under Any a Within part may not hold where the other fires (before
	// its first firing, or after its window): its features are NaN.
	f, _ = Any(at("a", 2, 20), Within(at("b", 7), 4*time.Hour)).Fire(env)
	dst = make([]float64, len(f.Features))
	for _, i := range []int{2, 20} {
		f.Values(i, dst)
		if dst[0] != float64(i) || !math.IsNaN(dst[1]) || !math.IsNaN(dst[2]) {
			t.Errorf("any: values at %d = %v, want [%d NaN NaN]", i, dst, i)
		}
	}
}

func TestNewSignalErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    map[string]any
		want string
	}{
		{"nope", nil, "unknown hypothesis"},
		{"funding_overheat", map[string]any{"levle": 0.1}, `unknown parameter "levle"`},
		{"funding_overheat", map[string]any{"level": 0.5}, "want a value in"},
		{"deleveraging_flush", map[string]any{"mode": "panic"}, "want one of"},
	} {
		if _, err := NewSignal(tc.name, tc.p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: err = %v, want %q", tc.name, tc.p, err, tc.want)
		}
	}
}

func TestFormatParams(t *testing.T) {
	got := FormatParams(map[string]any{"window": 720 * time.Hour, "level": 0.0007, "n": int64(3), "mode": "flush", "on": true, "d": 90 * time.Minute})
	if want := "d=90m,level=0.0007,mode=flush,n=3,on=true,window=720h"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
