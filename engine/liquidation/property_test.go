package liquidation

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

var rules = []OutflowRule{OutflowProportional, OutflowLosersFirst, OutflowOldestFirst}

// randomBook replays a random walk with OI and funding into a new book.
func randomBook(t testing.TB, cfg Config, seed uint64, trades int) (*Book, []engine.Event) {
	t.Helper()
	b := mustNew(t, cfg)
	evs := walkEvents(walkOpts{seed: seed, trades: trades, start: 50_000, vol: 0.0006, stepNs: 2 * engine.Second, oi: 1000, fundRate: 0.0008})
	for i := range evs {
		b.OnEvent(&evs[i])
	}
	if err := b.check(); err != nil {
		t.Fatal(err)
	}
	return b, evs
}

// liqKey identifies a liquidated cohort.
type liqKey struct {
	side  perp.Side
	bin   int32
	lev   float64
	lp    float64
	qty   float64
	entry float64
}

// bruteCrossed scans every live cohort for those a price p crosses, in
// emission order.
func bruteCrossed(b *Book, p float64) []liqKey {
	var out []liqKey
	for _, s := range []int{long, short} {
		var ks []liqKey
		for i := range b.cs {
			c := &b.cs[i]
			if !c.live || int(c.side) != s {
				continue
			}
			var hit bool
			lp := b.lpOf(c) // today's price (see lazyFunding)
			if s == long {
				hit = lp > 0 && lp >= c.entry*1e-4 && lp >= p
			} else {
				hit = lp > 0 && lp <= p
			}
			if hit {
				ks = append(ks, liqKey{sideOf(s), c.ebin, b.cfg.Leverage[c.lev], lp, c.qty * b.unit(s, int(c.lev)), c.entry})
			}
		}
		slices.SortFunc(ks, func(x, y liqKey) int {
			if s == long {
				x.lp, y.lp, x.bin, y.bin = -x.lp, -y.lp, -x.bin, -y.bin
			}
			switch {
			case x.lp != y.lp:
				if x.lp < y.lp {
					return -1
				}
				return 1
			case x.bin != y.bin:
				return int(x.bin - y.bin)
			}
			if x.lev < y.lev {
				return -1
			}
			return 1
		})
		out = append(out, ks...)
	}
	return out
}

// Every trade liquidates exactly the cohorts a brute-force scan finds
// past its price, and nothing else; the book's invariants hold after
// every event.
func TestCrossingMatchesBruteForce(t *testing.T) {
	variants := []struct {
		name string
		set  func(c *Config)
	}{
		{"", func(c *Config) {}},
		// Holding decay (with lazy per-leverage factors), a funding tilt
		// and a leveraged share: the sides differ.
		{"/decay", func(c *Config) { c.HoldHalfLife = 96 * time.Hour; c.FundingTilt = 3000; c.LeveragedShare = 0.5 }},
		// Decay so fast that the lazy factors underflow and are folded
		// into the cohorts (and lots) many times.
		{"/fastdecay", func(c *Config) { c.HoldHalfLife = 10 * time.Minute }},
	}
	for _, rule := range rules {
		for _, v := range variants {
			t.Run(string(rule)+v.name, func(t *testing.T) {
				cfg := DefaultConfig()
				cfg.Outflow = rule
				v.set(&cfg)
				crossingMatchesBruteForce(t, cfg)
			})
		}
	}
}

func crossingMatchesBruteForce(t *testing.T, cfg Config) {
	{
		{
			b := mustNew(t, cfg)
			evs := walkEvents(walkOpts{seed: 7, trades: 25_000, start: 50_000, vol: 0.0008, stepNs: 3 * engine.Second, oi: 1000, fundRate: 0.001})
			r := rand.New(rand.NewPCG(3, 4))
			var nLiq, nCross int
			for i := range evs {
				e := evs[i]
				if e.Kind == engine.KindTrade && r.IntN(500) == 0 { // occasional gaps
					e.Price *= 1 + 0.03*r.NormFloat64()
				}
				var want []liqKey
				if e.Kind == engine.KindTrade {
					want = bruteCrossed(b, e.Price)
				}
				got := b.OnEvent(&e)
				if len(got) == 0 && e.Kind == engine.KindTrade && i%101 != 0 {
					// cheap path; checked below
				} else if err := b.check(); err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				nLiq += len(got)
				if e.Kind != engine.KindTrade {
					continue
				}
				if len(want) > 0 {
					nCross++
				}
				if len(got) != len(want) {
					t.Fatalf("event %d price %v: %d liquidations, brute force %d", i, e.Price, len(got), len(want))
				}
				for j := range got {
					g, w := got[j], want[j]
					if g.Side != w.side || g.Leverage != w.lev || g.LiqPrice != w.lp || g.Qty != w.qty || g.EntryPrice != w.entry {
						t.Fatalf("event %d liquidation %d = %+v, brute force %+v", i, j, g, w)
					}
				}
			}
			if nCross < 20 || nLiq < 100 {
				t.Fatalf("only %d crossing trades and %d liquidations: the walk is too tame to test anything", nCross, nLiq)
			}
			t.Logf("%d crossing trades, %d liquidations, %d cohorts left", nCross, nLiq, b.Stats().Cohorts)
		}
	}
}

// Map totals and bands equal brute-force sums over the cohorts.
func TestMapMatchesCohorts(t *testing.T) {
	b, _ := randomBook(t, DefaultConfig(), 11, 30_000)
	cs := b.Cohorts()
	if len(cs) < 50 {
		t.Fatalf("only %d cohorts", len(cs))
	}
	p := b.Price()
	for _, tc := range []struct{ price, above, below, step float64 }{
		{p, 0.05, 0.05, 0.005},
		{p, 0.2, 0.15, 0.01},
		{p, 0.1, 0.1, 0.03}, // last band shorter
		{p * 1.02, 0.1, 0.1, 0.01},
		{p, 0.1, 0.1, 0}, // one band
		{p, 0.5, 1.0, 0.1},
	} {
		t.Run(fmt.Sprintf("%.0f_%g_%g_%g", tc.price, tc.above, tc.below, tc.step), func(t *testing.T) {
			m := b.Map(tc.price, tc.above, tc.below, tc.step)
			hi, lo := tc.price*(1+tc.above), tc.price*(1-math.Min(tc.below, 1))
			var sw, lw float64
			sb := make([]float64, len(m.Shorts))
			lb := make([]float64, len(m.Longs))
			for _, c := range cs {
				n := c.Notional()
				if c.Side == perp.Short && c.LiqPrice > tc.price && c.LiqPrice <= hi {
					sw += n
					for i := range m.Shorts {
						in := tc.price
						if i > 0 {
							in = m.Shorts[i-1].Price
						}
						if c.LiqPrice > in && c.LiqPrice <= m.Shorts[i].Price {
							sb[i] += n
						}
					}
				}
				if c.Side == perp.Long && c.LiqPrice >= lo && c.LiqPrice < tc.price && c.LiqPrice >= c.Entry*1e-4 {
					lw += n
					for i := range m.Longs {
						in := tc.price
						if i > 0 {
							in = m.Longs[i-1].Price
						}
						if c.LiqPrice < in && c.LiqPrice >= m.Longs[i].Price {
							lb[i] += n
						}
					}
				}
			}
			tol := 1e-9 * (sw + lw + 1)
			near(t, "ShortsWithin", m.ShortsWithin, sw, tol)
			near(t, "LongsWithin", m.LongsWithin, lw, tol)
			for i := range sb {
				near(t, fmt.Sprintf("short band %d", i), m.Shorts[i].Notional, sb[i], tol)
			}
			for i := range lb {
				near(t, fmt.Sprintf("long band %d", i), m.Longs[i].Notional, lb[i], tol)
			}
			if n := len(m.Shorts); n > 0 {
				near(t, "short cumulative", m.Shorts[n-1].Cumulative, sw, tol)
				near(t, "last short edge", m.Shorts[n-1].Price, hi, 0)
			}
			if n := len(m.Longs); n > 0 {
				near(t, "long cumulative", m.Longs[n-1].Cumulative, lw, tol)
			}
			if lw > 0 {
				near(t, "asymmetry", m.Asymmetry, sw/lw, 1e-9*sw/lw)
			}
			if sw == 0 || lw == 0 {
				t.Errorf("degenerate test map: shorts %v longs %v", sw, lw)
			}
		})
	}
}

func TestMapAsymmetryEdgeCases(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Leverage, cfg.AggressorWeights, cfg.PassiveWeights = []float64{10}, []float64{1}, []float64{1}
	empty := mustNew(t, cfg)
	if m := empty.Map(100, 0.2, 0.2, 0.01); m.Asymmetry != 1 || m.ShortsWithin != 0 || len(m.Shorts) != 20 {
		t.Errorf("empty book: %+v", m)
	}
	b := oneCohortBook(t, cfg, 100, 10) // 10x: longs at ~90.4, shorts at ~109.6
	if m := b.Map(100, 0.2, 0.05, 0.01); !math.IsInf(m.Asymmetry, 1) || m.LongsWithin != 0 || m.ShortsWithin == 0 {
		t.Errorf("shorts only within range: asymmetry %v, longs %v, shorts %v", m.Asymmetry, m.LongsWithin, m.ShortsWithin)
	}
	if m := b.Map(100, 0.05, 0.2, 0.01); m.Asymmetry != 0 {
		t.Errorf("longs only: asymmetry %v, want 0", m.Asymmetry)
	}
	m := b.Map(100, 0.2, 0.2, 0.01)
	near(t, "symmetric book asymmetry", m.Asymmetry, 10*m.Shorts[9].Notional/(10*m.Longs[9].Notional), 1e-12)
	if m.Shorts[9].Notional == 0 || m.Longs[9].Notional == 0 {
		t.Errorf("10x cohorts not in the 9–10%% bands: %+v", m)
	}
	if m := b.Map(math.NaN(), 0.1, 0.1, 0.01); m.Shorts != nil || m.Asymmetry != 1 {
		t.Errorf("NaN price: %+v", m)
	}
}

// constImpact moves the price by k per unit of cumulative notional.
type constImpact float64

func (k constImpact) Move(n, _ float64) float64 { return float64(k) * n }

func TestShockWaves(t *testing.T) {
	s := &Snapshot{Price: 100, MaxWaves: 10, Longs: []Exposure{
		{LiqPrice: 99, Notional: 1}, {LiqPrice: 98.5, Notional: 1}, {LiqPrice: 97, Notional: 2}, {LiqPrice: 90, Notional: 5},
	}}
	// −1% reaches 99: impact 0.01·1 → 99·e^−0.01 = 98.01 reaches 98.5;
	// cumulative 2 → 99·e^−0.02 = 97.04 (not 97); stop.
	r := Shock(s, 100, -0.01, constImpact(0.01))
	if r.Waves != 2 || r.LongNotional != 2 || r.ShortNotional != 0 || r.Truncated || r.Side != perp.Long {
		t.Fatalf("got %+v", r)
	}
	near(t, "final", r.Final, 99*math.Exp(-0.02), 1e-12)
	if r.Detail[0].From != 100 || r.Detail[0].To != 99 || r.Detail[1].From != 99 {
		t.Errorf("wave detail %+v", r.Detail)
	}
	// Stronger impact: everything goes, in three waves (99; 98.5 and 97
	// at 96.07; 90 at 87.8).
	r = Shock(s, 100, -0.01, constImpact(0.03))
	if r.Waves != 3 || r.LongNotional != 9 {
		t.Fatalf("got %+v", r)
	}
	// A cap on waves.
	s.MaxWaves = 2
	r = Shock(s, 100, -0.01, constImpact(0.03))
	if r.Waves != 2 || !r.Truncated {
		t.Fatalf("got %+v, want 2 waves, truncated", r)
	}
	// No impact: one wave.
	if r := Shock(s, 100, -0.05, nil); r.Waves != 1 || r.LongNotional != 4 || r.Final != 95 {
		t.Fatalf("nil impact: %+v", r)
	}
	if r := Shock(s, 100, 0, constImpact(1)); r.Waves != 0 || r.Final != 100 {
		t.Fatalf("no move: %+v", r)
	}
}

// Shocks terminate, never liquidate less for a larger move, and leave the
// book unchanged.
func TestShockMonotone(t *testing.T) {
	b, _ := randomBook(t, DefaultConfig(), 5, 30_000)
	before, st := b.Cohorts(), b.Stats()
	snap := b.Snapshot()
	p := b.Price()
	for _, im := range []ImpactModel{b.Impact(), SqrtImpact{Coefficient: 3, DailyVolume: 1e7, DailyVol: 0.05}, nil} {
		for _, dir := range []float64{-1, 1} {
			prevN, prevFinal := -1.0, p
			for m := 0.0025; m <= 0.4; m += 0.0025 {
				r := Shock(snap, p, dir*m, im)
				n := r.LongNotional + r.ShortNotional
				if n < prevN*(1-1e-12) { // equal sums may differ in the last bit
					t.Fatalf("impact %+v: move %v liquidated %v < %v for a smaller move", im, dir*m, n, prevN)
				}
				if dir < 0 && r.Final > prevFinal || dir > 0 && r.Final < prevFinal {
					t.Fatalf("move %v: final %v not beyond %v", dir*m, r.Final, prevFinal)
				}
				if r.Waves > snap.MaxWaves {
					t.Fatalf("%d waves", r.Waves)
				}
				prevN, prevFinal = n, r.Final
			}
			if prevN == 0 {
				t.Errorf("direction %v: a 40%% move liquidated nothing", dir)
			}
		}
	}
	if r := b.Shock(-0.1); r.LongNotional == 0 {
		t.Errorf("Book.Shock(-10%%) liquidated nothing: %+v", r)
	}
	if !slices.Equal(before, b.Cohorts()) || st != b.Stats() {
		t.Error("Shock changed the book")
	}
}

func TestEpisodes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.CascadeGap = 5 * time.Minute
	cfg.WaveGap = 30 * time.Second
	L := func(d time.Duration, side perp.Side, px, n float64) Liquidation {
		return Liquidation{TS: at(d), Side: side, Price: px, Notional: n, Qty: n / px}
	}
	liqs := []Liquidation{
		L(0, perp.Long, 100, 10),
		L(10*time.Second, perp.Long, 99, 20), // same wave
		L(2*time.Minute, perp.Long, 98, 5),   // new wave
		L(2*time.Minute+30*time.Second, perp.Short, 98.5, 1),
		L(6*time.Minute, perp.Long, 97, 5),              // 4m after: same episode, wave 3
		L(11*time.Minute, perp.Long, 110, 1),            // exactly 5m after: new episode
		L(11*time.Minute+time.Second, perp.Long, 90, 1), // same
		L(30*time.Minute, perp.Short, 120, 0.5),         // below the min notional filter
	}
	var got []Episode
	cfg.EpisodeMinNotional = 1
	x := NewEpisodes(cfg, func(e Episode) { got = append(got, e) })
	for _, l := range liqs {
		x.Add(l)
	}
	x.Flush()
	want := []Episode{
		{Start: at(0), End: at(6 * time.Minute), Side: perp.Long, Notional: 40, Count: 4, Waves: 3, PriceStart: 100, PriceEnd: 97, Move: 97.0/100 - 1},
		{Start: at(2*time.Minute + 30*time.Second), End: at(2*time.Minute + 30*time.Second), Side: perp.Short, Notional: 1, Count: 1, Waves: 1, PriceStart: 98.5, PriceEnd: 98.5},
		{Start: at(11 * time.Minute), End: at(11*time.Minute + time.Second), Side: perp.Long, Notional: 2, Count: 2, Waves: 1, PriceStart: 110, PriceEnd: 90, Move: 90.0/110 - 1},
	}
	if len(got) != len(want) {
		t.Fatalf("%d episodes, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		near(t, "move", g.Move, w.Move, 1e-12)
		g.Qty, g.Move, w.Move = 0, 0, 0
		if g != w {
			t.Errorf("episode %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	// Both open episodes close at once: the earlier start first.
	got = nil
	x = NewEpisodes(DefaultConfig(), func(e Episode) { got = append(got, e) })
	x.Add(L(0, perp.Short, 100, 1))
	x.Add(L(time.Second, perp.Long, 100, 1))
	x.Advance(at(time.Hour))
	if len(got) != 2 || got[0].Side != perp.Short || got[1].Side != perp.Long {
		t.Errorf("close order: %+v", got)
	}
}

// The per-trade path allocates nothing while no liquidation price is
// crossed, including when trades move between price bins.
func TestNoAllocsPerTrade(t *testing.T) {
	b, _ := randomBook(t, DefaultConfig(), 2, 20_000)
	p := b.Price()
	evs := make([]engine.Event, 64)
	for i := range evs {
		evs[i] = trade(t0+engine.Day*3+engine.Nanos(i)*engine.Second, p*(1+0.0005*float64(i%7-3)), 0.01, int8(1-2*(i%2)))
	}
	for i := range evs {
		if l := b.OnEvent(&evs[i]); len(l) > 0 {
			t.Fatalf("test trade at %v crossed a liquidation price", evs[i].Price)
		}
	}
	i := 0
	if n := testing.AllocsPerRun(10_000, func() {
		e := &evs[i%len(evs)]
		e.TS += engine.Second
		b.OnEvent(e)
		i++
	}); n != 0 {
		t.Errorf("%v allocations per trade, want 0", n)
	}
}
