package hypo

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// sigPair builds one signal both ways: batch and online.
type sigPair struct {
	batch  func() (Signal, error)
	online func(g *engine.Grid, opt OnlineOptions) (Online, error)
}

func cat(name string, p map[string]any) sigPair {
	return sigPair{
		batch:  func() (Signal, error) { return NewSignal(name, p) },
		online: func(g *engine.Grid, opt OnlineOptions) (Online, error) { return NewOnline(name, p, g, opt) },
	}
}

func combine2(and bool, parts ...sigPair) sigPair {
	return sigPair{
		batch: func() (Signal, error) {
			var ss []Signal
			for _, p := range parts {
				s, err := p.batch()
				if err != nil {
					return nil, err
				}
				ss = append(ss, s)
			}
			if and {
				return All(ss...), nil
			}
			return Any(ss...), nil
		},
		online: func(g *engine.Grid, opt OnlineOptions) (Online, error) {
			var os []Online
			for _, p := range parts {
				o, err := p.online(g, opt)
				if err != nil {
					return nil, err
				}
				os = append(os, o)
			}
			if and {
				return OnlineAll(os...), nil
			}
			return OnlineAny(os...), nil
		},
	}
}

func allOf(parts ...sigPair) sigPair { return combine2(true, parts...) }
func anyOf(parts ...sigPair) sigPair { return combine2(false, parts...) }

func within(p sigPair, d time.Duration) sigPair {
	return sigPair{
		batch: func() (Signal, error) {
			s, err := p.batch()
			if err != nil {
				return nil, err
			}
			return Within(s, d), nil
		},
		online: func(g *engine.Grid, opt OnlineOptions) (Online, error) {
			o, err := p.online(g, opt)
			if err != nil {
				return nil, err
			}
			return OnlineWithin(o, d, time.Duration(g.Step)), nil
		},
	}
}

// shared uses one online instance twice: All(s, Within(s, d)).
func shared(p sigPair, d time.Duration) sigPair {
	return sigPair{
		batch: func() (Signal, error) {
			s, err := p.batch()
			if err != nil {
				return nil, err
			}
			return All(s, Within(s, d)), nil
		},
		online: func(g *engine.Grid, opt OnlineOptions) (Online, error) {
			o, err := p.online(g, opt)
			if err != nil {
				return nil, err
			}
			return OnlineAll(o, OnlineWithin(o, d, time.Duration(g.Step))), nil
		},
	}
}

type onlineCase struct {
	name   string
	sig    sigPair
	silent bool // may never fire on some markets
}

type m = map[string]any

// signalCases are the catalogue signals with several parameter sets each,
// edge values included.
func signalCases() []onlineCase {
	h := time.Hour
	return []onlineCase{
		{"funding/default", cat("funding_overheat", nil), true},
		{"funding/level-min", cat("funding_overheat", m{"level": -0.01}), false},
		{"funding/z72h", cat("funding_overheat", m{"level": 0.01, "zscore": 1.5, "window": 72 * h}), false},
		{"funding/z100h", cat("funding_overheat", m{"level": 0.01, "zscore": 1.5, "window": 100 * h}), false},
		{"funding/level-or-z7d", cat("funding_overheat", m{"level": 0.0004, "zscore": 2.0, "window": 7 * 24 * h}), false},
		{"funding/short", cat("funding_overheat", m{"crowded": "short", "level": 0.0001, "zscore": 1.0, "window": 48 * h}), false},
		{"funding/z-max", cat("funding_overheat", m{"level": 0.01, "zscore": 20.0, "window": 365 * 24 * h}), true},
		{"funding/window-min", cat("funding_overheat", m{"level": 0.0003, "zscore": 0.5, "window": h}), false},

		{"oi/default", cat("oi_divergence", nil), true},
		{"oi/min", cat("oi_divergence", m{"window": 5 * time.Minute, "oi_rise": 0.0, "price_fall": 0.0}), false},
		{"oi/2h", cat("oi_divergence", m{"window": 2 * h, "oi_rise": 0.005, "price_fall": 0.005}), false},
		{"oi/17m", cat("oi_divergence", m{"window": 17 * time.Minute, "oi_rise": 0.001, "price_fall": 0.001}), false},
		{"oi/30d", cat("oi_divergence", m{"window": 30 * 24 * h, "oi_rise": 0.0, "price_fall": 0.01}), true},

		{"spring/default", cat("wyckoff_spring", nil), true},
		{"spring/1h-5", cat("wyckoff_spring", m{"bar": h, "lookback": int64(5), "sweep_max": 0.03, "reclaim_bars": int64(2)}), false},
		{"spring/15m", cat("wyckoff_spring", m{"bar": 15 * time.Minute, "lookback": int64(12), "sweep_max": 0.01, "reclaim_bars": int64(1)}), false},
		{"spring/2h-max", cat("wyckoff_spring", m{"bar": 2 * h, "lookback": int64(5), "sweep_max": 0.5, "reclaim_bars": int64(500)}), false},
		{"spring/burst", cat("wyckoff_spring", m{"bar": h, "lookback": int64(10), "sweep_max": 0.05, "reclaim_bars": int64(3), "liq_burst": 200.0}), true},
		{"spring/min-sweep", cat("wyckoff_spring", m{"bar": h, "lookback": int64(5), "sweep_max": 0.0001, "reclaim_bars": int64(1)}), true},
		{"spring/90m-2000", cat("wyckoff_spring", m{"bar": 90 * time.Minute, "lookback": int64(2000), "sweep_max": 0.2, "reclaim_bars": int64(10)}), true},

		{"flush/default", cat("deleveraging_flush", nil), true},
		{"flush/zero", cat("deleveraging_flush", m{"window": 5 * time.Minute, "price_drop": 0.0, "oi_drop": 0.0, "liq_share": 0.0}), false},
		{"flush/2h", cat("deleveraging_flush", m{"window": 2 * h, "price_drop": 0.01, "oi_drop": 0.005, "liq_share": 0.001}), true},
		{"flush/30d", cat("deleveraging_flush", m{"window": 30 * 24 * h, "price_drop": 0.0, "oi_drop": 0.0, "liq_share": 0.0}), true},
		{"breaker/default", cat("deleveraging_flush", m{"mode": "circuit_breaker"}), true},
		{"breaker/1h", cat("deleveraging_flush", m{"mode": "circuit_breaker", "window": h, "oi_drop": 0.0, "liq_share": 0.0005}), true},
		{"breaker/zero", cat("deleveraging_flush", m{"mode": "circuit_breaker", "window": 5 * time.Minute, "oi_drop": 0.0, "liq_share": 0.0}), false},

		{"sentiment/default", cat("sentiment_extreme", nil), true},
		{"sentiment/both", cat("sentiment_extreme", m{"below": 30.0, "above": 70.0}), true},
		{"sentiment/off", cat("sentiment_extreme", m{"below": 0.0, "above": 101.0}), true},
		{"sentiment/all", cat("sentiment_extreme", m{"below": 100.0}), true},
		{"sentiment/proxy", cat("sentiment_extreme", m{"series": "nope", "below": 35.0, "above": 65.0}), true},

		{"asym/default", cat("liq_asymmetry", nil), false},
		{"asym/min", cat("liq_asymmetry", m{"ratio": 0.01, "every": time.Minute}), false},
		{"asym/max", cat("liq_asymmetry", m{"ratio": 1000.0, "every": 7 * 24 * h}), true},
		{"asym/pair2", cat("liq_asymmetry", m{"above": 0.08, "below": 0.05, "ratio": 1.0, "every": 30 * time.Minute}), false},
		{"asym/5m", cat("liq_asymmetry", m{"ratio": 2.0, "every": 5 * time.Minute}), false},
	}
}

// compositionCases are All, Any and Within, nested, with a shared part.
func compositionCases() []onlineCase {
	h := time.Hour
	fund := cat("funding_overheat", m{"level": 0.0004, "zscore": 2.0, "window": 7 * 24 * h})
	fundAll := cat("funding_overheat", m{"level": -0.01})
	oi := cat("oi_divergence", m{"window": 2 * h, "oi_rise": 0.005, "price_fall": 0.005})
	oiMin := cat("oi_divergence", m{"window": 5 * time.Minute, "oi_rise": 0.0, "price_fall": 0.0})
	spring := cat("wyckoff_spring", m{"bar": h, "lookback": int64(5), "sweep_max": 0.03, "reclaim_bars": int64(2)})
	flush := cat("deleveraging_flush", m{"window": 2 * h, "price_drop": 0.01, "oi_drop": 0.005, "liq_share": 0.001})
	sent := cat("sentiment_extreme", m{"below": 30.0, "above": 70.0})
	asym := cat("liq_asymmetry", nil)
	asym5 := cat("liq_asymmetry", m{"ratio": 2.0, "every": 5 * time.Minute})
	return []onlineCase{
		{"all/relief", allOf(asym, within(sent, 72*h), within(spring, 48*h)), true},
		{"all/oi-fund", allOf(oiMin, within(fundAll, 8*h)), false},
		{"any/oi-flush", anyOf(oi, within(flush, 24*h)), false},
		{"any/point", anyOf(fund, spring, asym5), false},
		{"any/oi-sent", anyOf(oiMin, sent), false},
		{"within/0", within(fundAll, 0), false},
		{"within/13m", within(fundAll, 13*time.Minute), false},
		{"within/spring", within(spring, 6*h), false},
		{"nested", allOf(anyOf(oi, fundAll), within(allOf(spring, within(flush, 6*h)), 12*h)), true},
		{"shared", shared(oiMin, h), false},
		{"shared-any", anyOf(within(asym5, 30*time.Minute), within(within(spring, h), 2*h)), false},
	}
}

// onlineRun is one online signal fed row by row.
type onlineRun struct {
	c    onlineCase
	o    Online
	err  error
	on   []bool
	vals [][]float64
	buf  []float64
}

func (r *onlineRun) at(i int) {
	if r.o == nil {
		return
	}
	for len(r.on) <= i {
		r.on = append(r.on, false)
		r.vals = append(r.vals, nil)
	}
	if r.o.At(i, r.buf) {
		r.on[i] = true
		r.vals[i] = append([]float64(nil), r.buf...)
	}
}

func newRuns(cases []onlineCase, g *engine.Grid, opt OnlineOptions) []*onlineRun {
	var runs []*onlineRun
	for _, c := range cases {
		r := &onlineRun{c: c}
		r.o, r.err = c.sig.online(g, opt)
		if r.o != nil {
			r.buf = make([]float64, len(r.o.Features()))
		}
		runs = append(runs, r)
	}
	return runs
}

// stream feeds the scenario's events into a GridBuilder, recording map
// samples at trades as a replay does, and asks every online signal for a
// row as soon as the builder has moved past it (the rest at the end). It
// returns the finished grid and the recorded map samples.
func stream(s scen, cases []onlineCase, opt OnlineOptions) (*engine.Grid, []MapSeries, []*onlineRun) {
	b := engine.NewGridBuilder(engine.Nanos(s.step), seriesName)
	g := b.Live()
	rec := newMapRecorder(s.seed)
	opt.MapSamples = rec.maps
	runs := newRuns(cases, g, opt)
	next := 0
	for _, it := range s.events() {
		if it.est {
			b.AddEstimatedLiquidation(it.e.TS, it.side, it.qn)
		} else {
			b.Add(&it.e)
		}
		if it.e.Kind == engine.KindTrade {
			rec.sample(it.e.TS) // before the rows are asked: At must skip it
		}
		for ; next < g.Len()-1; next++ {
			for _, r := range runs {
				r.at(next)
			}
		}
	}
	b.Live() // the last row is complete
	for ; next < g.Len(); next++ {
		for _, r := range runs {
			r.at(next)
		}
	}
	return b.Grid(), rec.copies(), runs
}

func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

// check compares run r with the batch Fire on the finished grid, row by
// row and bit by bit: the number of rows where the signal holds and the
// differences (skip: both forms reject the parameters).
func check(env *Env, r *onlineRun) (fires int, diffs []string, skip bool) {
	g := env.Grid
	s, err := r.c.sig.batch()
	var f *Fired
	if err == nil {
		f, err = s.Fire(env)
	}
	if (err != nil) != (r.err != nil) {
		return 0, []string{fmt.Sprintf("batch error %v, online error %v", err, r.err)}, false
	}
	if err != nil {
		return 0, nil, true // both reject it (e.g. a bar shorter than the step)
	}
	if f.Name != r.o.Name() || !reflect.DeepEqual(append([]string{}, f.Features...), append([]string{}, r.o.Features()...)) {
		diffs = append(diffs, fmt.Sprintf("online %s %v, batch %s %v", r.o.Name(), r.o.Features(), f.Name, f.Features))
	}
	if len(r.on) != g.Len() {
		return 0, append(diffs, fmt.Sprintf("online saw %d rows of %d", len(r.on), g.Len())), false
	}
	dst := make([]float64, len(f.Features))
	for i := range g.Len() {
		if f.On[i] != r.on[i] {
			diffs = append(diffs, fmt.Sprintf("row %d (%s): batch %v, online %v", i, g.Time(i), f.On[i], r.on[i]))
			continue
		}
		if !f.On[i] {
			continue
		}
		fires++
		if f.Values != nil {
			f.Values(i, dst)
		}
		for k := range dst {
			if !sameBits(dst[k], r.vals[i][k]) {
				diffs = append(diffs, fmt.Sprintf("row %d %s: batch %v (%x), online %v (%x)", i, f.Features[k],
					dst[k], math.Float64bits(dst[k]), r.vals[i][k], math.Float64bits(r.vals[i][k])))
			}
		}
	}
	return fires, diffs, false
}

// compare checks every run against the batch (see check) and adds the
// rows where each case holds to fires (by case name).
func compare(t *testing.T, g *engine.Grid, maps []MapSeries, runs []*onlineRun, fires map[string]int) {
	t.Helper()
	env := NewEnv(g, Options{MapSamples: maps})
	for _, r := range runs {
		n, diffs, skip := check(env, r)
		for k, d := range diffs {
			if k == 5 {
				t.Errorf("%s: ... %d differences in all", r.c.name, len(diffs))
				break
			}
			t.Errorf("%s: %s", r.c.name, d)
		}
		if skip {
			t.Logf("%-22s rejected by both forms", r.c.name)
			continue
		}
		if fires != nil {
			fires[r.c.name] += n
		}
		t.Logf("%-22s %6d of %d rows", r.c.name, n, g.Len())
	}
}

// requireFires fails for every case that is not silent and never held:
// it would prove nothing.
func requireFires(t *testing.T, cases []onlineCase, fires map[string]int) {
	t.Helper()
	for _, c := range cases {
		if fires[c.name] == 0 && !c.silent {
			t.Errorf("%s never holds on the test markets: the test proves nothing", c.name)
		}
	}
}

// testScens are the markets of the equivalence tests.
var testScens = []scen{
	{name: "5m", seed: 1, step: 5 * time.Minute, span: 50 * 24 * time.Hour, offset: 17*time.Minute + 13*time.Second,
		fundEvery: 8 * time.Hour, est: 0, rec: 0, series: 3 * 24 * time.Hour, crashes: 10, gaps: 4},
	{name: "1h-long", seed: 2, step: time.Hour, span: 430 * 24 * time.Hour, offset: 3*time.Hour + 59*time.Minute,
		fundEvery: 8 * time.Hour, est: 3 * 24 * time.Hour, rec: -1, series: 0, crashes: 40, gaps: 10},
	{name: "7m-odd", seed: 3, step: 7 * time.Minute, span: 25 * 24 * time.Hour, offset: 5 * time.Second,
		fundEvery: time.Hour, est: -1, rec: 0, series: 5 * 24 * time.Hour, crashes: 6, gaps: 3},
	{name: "no-liq", seed: 4, step: 5 * time.Minute, span: 20 * 24 * time.Hour,
		fundEvery: 4 * time.Hour, est: -1, rec: -1, series: -1, crashes: 4, gaps: 2},
}

// TestOnlineEquivalence feeds random event streams into a GridBuilder and
// checks that every catalogue signal (several parameter sets each) and
// every composition, evaluated online as rows complete, gives the batch
// Fire's On and Values bit for bit.
func TestOnlineEquivalence(t *testing.T) {
	cases := append(signalCases(), compositionCases()...)
	fires := map[string]int{}
	for _, s := range testScens {
		t.Run(s.name, func(t *testing.T) {
			g, maps, runs := stream(s, cases, OnlineOptions{})
			compare(t, g, maps, runs, fires)
		})
	}
	requireFires(t, cases, fires)
}

// TestOnlineFixedSources covers the two choices the batch makes from the
// whole grid. Recorded liquidations from the start and estimates from day
// 10, or a fear & greed series from day 200 (the proxy is defined from
// about day 120): the online forms agree with the batch once told the
// column (LiqEstimated, SentimentSeries), and the proxy and the recorded
// column are pinned the same way (SentimentProxy, LiqRecorded).
func TestOnlineFixedSources(t *testing.T) {
	h := time.Hour
	liqCases := []onlineCase{
		{"flush/zero", cat("deleveraging_flush", m{"window": 5 * time.Minute, "price_drop": 0.0, "oi_drop": 0.0, "liq_share": 0.0}), false},
		{"breaker/1h", cat("deleveraging_flush", m{"mode": "circuit_breaker", "window": h, "oi_drop": 0.0, "liq_share": 0.0005}), true},
		{"spring/burst", cat("wyckoff_spring", m{"bar": h, "lookback": int64(10), "sweep_max": 0.05, "reclaim_bars": int64(3), "liq_burst": 200.0}), true},
		{"spring/1h-5", cat("wyckoff_spring", m{"bar": h, "lookback": int64(5), "sweep_max": 0.03, "reclaim_bars": int64(2)}), false},
	}
	sentCases := []onlineCase{
		{"sentiment/both", cat("sentiment_extreme", m{"below": 30.0, "above": 70.0}), false},
		{"sentiment/all", cat("sentiment_extreme", m{"below": 100.0}), false},
		{"any", anyOf(cat("sentiment_extreme", m{"below": 25.0}), within(cat("deleveraging_flush", nil), 24*h)), false},
	}
	lateEst := scen{name: "late-est", seed: 5, step: 5 * time.Minute, span: 30 * 24 * time.Hour, fundEvery: 8 * h,
		est: 10 * 24 * h, rec: 0, series: -1, crashes: 8, gaps: 2}
	t.Run("estimated", func(t *testing.T) {
		g, maps, runs := stream(lateEst, liqCases, OnlineOptions{Liquidations: LiqEstimated})
		compare(t, g, maps, runs, nil)
	})
	recOnly := lateEst
	recOnly.est = -1
	t.Run("recorded", func(t *testing.T) {
		g, maps, runs := stream(recOnly, liqCases, OnlineOptions{Liquidations: LiqRecorded})
		compare(t, g, maps, runs, nil)
	})
	lateSeries := scen{name: "late-series", seed: 6, step: time.Hour, span: 320 * 24 * h, fundEvery: 8 * h,
		est: 0, rec: -1, series: 200 * 24 * h, crashes: 30, gaps: 3}
	t.Run("series", func(t *testing.T) {
		g, maps, runs := stream(lateSeries, sentCases, OnlineOptions{Sentiment: SentimentSeries})
		compare(t, g, maps, runs, nil)
	})
	noSeries := lateSeries
	noSeries.series = -1
	t.Run("proxy", func(t *testing.T) {
		g, maps, runs := stream(noSeries, sentCases, OnlineOptions{Sentiment: SentimentProxy})
		compare(t, g, maps, runs, nil)
	})
	// Without the options the online forms decide from the past: here
	// the proxy fires before the series starts, and recorded liquidations
	// are read before the first estimate. Document the difference.
	t.Run("auto differs", func(t *testing.T) {
		for _, tc := range []struct {
			s     scen
			cases []onlineCase
		}{{lateEst, liqCases}, {lateSeries, sentCases}} {
			g, maps, runs := stream(tc.s, tc.cases, OnlineOptions{})
			env := NewEnv(g, Options{MapSamples: maps})
			n := 0
			for _, r := range runs {
				_, diffs, _ := check(env, r)
				n += len(diffs)
			}
			if n == 0 {
				t.Errorf("%s: auto agrees with the batch: the case does not exercise the choice", tc.s.name)
			}
			t.Logf("%s: auto differs from the batch at %d rows or features", tc.s.name, n)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestOnlineReadsNoFuture evaluates the signals on a grid that holds, when
// row i is asked, rows 0..i of the finished grid and a garbage row i+1
// (NaN prices, a huge funding settlement, huge liquidations and volume;
// the series either stops at row i or has a garbage value), while the
// map series already hold every sample, later ones included: the results
// must still be the batch's.
func TestOnlineReadsNoFuture(t *testing.T) {
	cases := append(signalCases(), compositionCases()...)
	for _, s := range testScens[:3] {
		t.Run(s.name, func(t *testing.T) {
			final, maps, _ := stream(s, nil, OnlineOptions{})
			live := &engine.Grid{T0: final.T0, Step: final.Step, Series: map[string][]float64{}}
			var ptrs []*MapSeries
			for k := range maps {
				ptrs = append(ptrs, &maps[k])
			}
			runs := newRuns(cases, live, OnlineOptions{MapSamples: ptrs})
			for i := range final.Len() {
				setRow(live, final, i)
				if i+1 < final.Len() {
					garbageRow(live, i)
				}
				for _, r := range runs {
					r.at(i)
				}
			}
			compare(t, final, maps, runs, nil)
		})
	}
}

// setRow makes row i of live that of src (the row was garbage or absent)
// and drops every later row.
func setRow(live, src *engine.Grid, i int) {
	cut := func(x []float64, v float64) []float64 { return append(x[:min(len(x), i)], v) }
	live.Open, live.High, live.Low, live.Close = cut(live.Open, src.Open[i]), cut(live.High, src.High[i]), cut(live.Low, src.Low[i]), cut(live.Close, src.Close[i])
	live.Volume, live.BuyVolume, live.Notional = cut(live.Volume, src.Volume[i]), cut(live.BuyVolume, src.BuyVolume[i]), cut(live.Notional, src.Notional[i])
	live.OI, live.OIValue, live.Funding, live.FundingRaw = cut(live.OI, src.OI[i]), cut(live.OIValue, src.OIValue[i]), cut(live.Funding, src.Funding[i]), cut(live.FundingRaw, src.FundingRaw[i])
	live.RecLiqLong, live.RecLiqShort = cut(live.RecLiqLong, src.RecLiqLong[i]), cut(live.RecLiqShort, src.RecLiqShort[i])
	live.EstLiqLong, live.EstLiqShort = cut(live.EstLiqLong, src.EstLiqLong[i]), cut(live.EstLiqShort, src.EstLiqShort[i])
	live.Trades = append(live.Trades[:min(len(live.Trades), i)], src.Trades[i])
	live.FundingN = append(live.FundingN[:min(len(live.FundingN), i)], src.FundingN[i])
	live.FundingSettled = append(live.FundingSettled[:min(len(live.FundingSettled), i)], src.FundingSettled[i])
	for name, col := range src.Series {
		live.Series[name] = cut(live.Series[name], col[i])
	}
}

// garbageRow appends row i+1 full of values that would change any result
// read from it.
func garbageRow(live *engine.Grid, i int) {
	nan := math.NaN()
	for _, p := range []*[]float64{&live.Open, &live.High, &live.Low, &live.Close, &live.OI, &live.OIValue} {
		*p = append(*p, nan)
	}
	for _, p := range []*[]float64{&live.Volume, &live.BuyVolume, &live.Notional, &live.RecLiqLong, &live.RecLiqShort, &live.EstLiqLong, &live.EstLiqShort} {
		*p = append(*p, 1e15)
	}
	live.Funding = append(live.Funding, 1)
	live.FundingRaw = append(live.FundingRaw, 1)
	live.FundingN = append(live.FundingN, 1)
	live.FundingSettled = append(live.FundingSettled, true)
	live.Trades = append(live.Trades, 1)
	if i%2 == 0 {
		for name, col := range live.Series {
			live.Series[name] = append(col, 0)
		}
	}
}

// TestOnlineRows checks the row contract: skipped rows are evaluated
// internally (asking every third row gives the batch's result at those
// rows), a row may be asked again, and going back panics.
func TestOnlineRows(t *testing.T) {
	s := testScens[0]
	final, maps, _ := stream(s, nil, OnlineOptions{})
	var ptrs []*MapSeries
	for k := range maps {
		ptrs = append(ptrs, &maps[k])
	}
	env := NewEnv(final, Options{MapSamples: maps})
	for _, c := range append(signalCases(), compositionCases()...) {
		o, err := c.sig.online(final, OnlineOptions{MapSamples: ptrs})
		if err != nil {
			t.Fatal(err)
		}
		f := must(must(c.sig.batch()).Fire(env))
		dst, want := make([]float64, len(f.Features)), make([]float64, len(f.Features))
		for i := 0; i < final.Len(); i += 3 {
			for range 2 { // asked twice
				if got := o.At(i, dst); got != f.On[i] {
					t.Fatalf("%s: row %d: online %v, batch %v", c.name, i, got, f.On[i])
				}
			}
			if f.On[i] && f.Values != nil {
				f.Values(i, want)
				for k := range want {
					if !sameBits(want[k], dst[k]) {
						t.Fatalf("%s: row %d %s: online %v, batch %v", c.name, i, f.Features[k], dst[k], want[k])
					}
				}
			}
		}
	}
	o := must(NewOnline("oi_divergence", nil, final, OnlineOptions{}))
	o.At(10, nil)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "in order") {
			t.Errorf("going back: recover() = %v, want a panic about the order", r)
		}
	}()
	o.At(5, nil)
}

func TestNewOnlineErrors(t *testing.T) {
	g := engine.NewGridBuilder(engine.Nanos(time.Hour), nil).Live()
	for _, tc := range []struct {
		name string
		p    map[string]any
		want string
	}{
		{"nope", nil, "unknown hypothesis"},
		{"funding_overheat", m{"level": 0.5}, "want a value in"},
		{"wyckoff_spring", m{"bar": 30 * time.Minute}, "shorter than the grid step"},
		{"liq_asymmetry", m{"above": 0.3}, "no liquidation-map samples"},
	} {
		if _, err := NewOnline(tc.name, tc.p, g, OnlineOptions{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: err = %v, want %q", tc.name, tc.p, err, tc.want)
		}
	}
	if _, err := NewOnline("liq_asymmetry", m{"above": 0.3}, g, OnlineOptions{}); !errors.Is(err, ErrNoMapSamples) {
		t.Errorf("err = %v, want ErrNoMapSamples", err)
	}
	if o := OnlineAll(); o.At(0, nil) || len(o.Features()) != 0 {
		t.Error("an empty All holds")
	}
}

// TestOnlineFlushEarlyValues: under Any, deleveraging_flush is asked for
// its features before its window is full, where the batch Values indexes
// before the grid (and panics); online reports NaN.
func TestOnlineFlushEarlyValues(t *testing.T) {
	g := flatGrid(30, time.Hour, 100)
	for _, mode := range []string{"flush", "circuit_breaker"} {
		fl := must(NewOnline("deleveraging_flush", m{"mode": mode}, g, OnlineOptions{}))
		fo := must(NewOnline("funding_overheat", m{"level": -0.01}, g, OnlineOptions{}))
		o := OnlineAny(fl, fo)
		dst := make([]float64, len(o.Features()))
		if !o.At(0, dst) {
			t.Fatalf("%s: any does not hold at row 0 (a settlement)", mode)
		}
		for k := range 4 {
			if !math.IsNaN(dst[k]) {
				t.Errorf("%s: %s = %v before the window is full, want NaN", mode, o.Features()[k], dst[k])
			}
		}
		if dst[4] != 0.0001 {
			t.Errorf("%s: funding feature %v", mode, dst[4])
		}
	}
}

// TestOnlineCatalogue: every catalogue signal has an online form (with
// its defaults) and equivalence cases.
func TestOnlineCatalogue(t *testing.T) {
	g := engine.NewGridBuilder(engine.Nanos(5*time.Minute), nil).Live()
	opt := OnlineOptions{MapSamples: []*MapSeries{{Above: 0.12, Below: 0.10}}}
	names := map[string]bool{}
	for _, c := range signalCases() {
		names[strings.SplitN(c.name, "/", 2)[0]] = true
	}
	short := map[string]string{"funding_overheat": "funding", "oi_divergence": "oi", "wyckoff_spring": "spring",
		"deleveraging_flush": "flush", "sentiment_extreme": "sentiment", "liq_asymmetry": "asym"}
	for _, h := range engine.Hypotheses() {
		if _, err := NewOnline(h.Name, nil, g, opt); err != nil {
			t.Errorf("%s: %v", h.Name, err)
		}
		if !names[short[h.Name]] {
			t.Errorf("%s: no equivalence case", h.Name)
		}
	}
}
