package liquidation

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig: %v", err)
	}
	bad := map[string]func(c *Config){
		"price bin":        func(c *Config) { c.PriceBin = 0.5 },
		"no leverage":      func(c *Config) { c.Leverage = nil },
		"leverage < 1":     func(c *Config) { c.Leverage[0] = 0.5 },
		"leverage > table": func(c *Config) { c.Leverage[9] = 150 },
		"weights length":   func(c *Config) { c.PassiveWeights = c.PassiveWeights[1:] },
		"weights negative": func(c *Config) { c.AggressorWeights[0] = -1 },
		"weights zero":     func(c *Config) { c.AggressorWeights = make([]float64, len(c.Leverage)) },
		"outflow":          func(c *Config) { c.Outflow = "newest_first" },
		"brackets":         func(c *Config) { c.Brackets = nil },
		"interval":         func(c *Config) { c.InflowInterval = 0 },
		"impact model":     func(c *Config) { c.Impact.Model = "linear" },
		"impact window":    func(c *Config) { c.Impact.Window = time.Second },
		"cascade gap":      func(c *Config) { c.CascadeGap = 0 },
		"wave gap":         func(c *Config) { c.WaveGap = time.Hour },
		"account":          func(c *Config) { c.AccountNotional = 0 },
		"waves":            func(c *Config) { c.MaxShockWaves = 0 },
		"min notional":     func(c *Config) { c.EpisodeMinNotional = math.NaN() },
		"leveraged share":  func(c *Config) { c.LeveragedShare = 0 },
		"hold half-life":   func(c *Config) { c.HoldHalfLife = -time.Hour },
		"funding tilt":     func(c *Config) { c.FundingTilt = math.NaN() },
		"funding tilt < 0": func(c *Config) { c.FundingTilt = -1 },
		"bucket < 0":       func(c *Config) { c.EpisodeBucket = -time.Minute },
		"bucket > gap":     func(c *Config) { c.EpisodeBucket = time.Hour },
	}
	for name, f := range bad {
		c := DefaultConfig()
		f(&c)
		if err := c.Validate(); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%s: Validate() = %v, want ErrBadConfig", name, err)
		}
		if _, err := New(c); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%s: New() = %v, want ErrBadConfig", name, err)
		}
	}
	// New copies the config: changing the caller's slices has no effect.
	c := DefaultConfig()
	b := mustNew(t, c)
	c.Leverage[0] = 99
	if b.Config().Leverage[0] != 2 {
		t.Error("New did not copy Config.Leverage")
	}
}

// oneCohortBook opens qty contracts at price with a single leverage bucket.
func oneCohortBook(t *testing.T, cfg Config, price, qty float64) *Book {
	t.Helper()
	b := mustNew(t, cfg)
	feed(t, b, oiEv(at(0), 0), trade(at(time.Second), price, 1, 1), oiEv(at(5*time.Minute), qty))
	return b
}

// Each cohort's liquidation price is perp's exact isolated price for one
// account of min(AccountNotional, the leverage's max notional), in every
// tier of the BTCUSDT table.
func TestCohortLiquidationPriceByBracket(t *testing.T) {
	bs := perp.BinanceBTCUSDT2024
	const price = 60_000.0
	for ti, tier := range bs {
		for _, frac := range []float64{0.5, 1} {
			acct := tier.Floor + frac*(tier.Cap-tier.Floor)
			lev := tier.MaxLeverage
			for _, side := range []perp.Side{perp.Long, perp.Short} {
				cfg := DefaultConfig()
				cfg.Leverage, cfg.AggressorWeights, cfg.PassiveWeights = []float64{lev}, []float64{1}, []float64{1}
				cfg.AccountNotional = acct
				b := oneCohortBook(t, cfg, price, 10)
				var got *Cohort
				for _, c := range b.Cohorts() {
					if c.Side == side {
						got = &c
					}
				}
				if got == nil {
					t.Fatalf("tier %d %v: no cohort", ti+1, side)
				}
				q := acct / price
				want, wt := bs.IsolatedLiquidationPrice(side, q, price, q*price/lev)
				near(t, "entry", got.Entry, price, 1e-9)
				near(t, side.String()+" LP tier "+tier2s(ti), got.LiqPrice, want, 1e-9*price)
				if want > 0 && bs.Lookup(q*want) != wt {
					t.Errorf("tier %d: perp chose a tier inconsistent with its LP", ti+1)
				}
			}
		}
	}
	// AccountNotional above what the leverage allows is capped: 125x
	// allows 50 000, so a 1M account prices like a 50k one.
	cfg := DefaultConfig()
	cfg.Leverage, cfg.AggressorWeights, cfg.PassiveWeights = []float64{125}, []float64{1}, []float64{1}
	cfg.AccountNotional = 1e6
	b := oneCohortBook(t, cfg, price, 10)
	q := 50_000 / price
	want, _ := bs.IsolatedLiquidationPrice(perp.Long, q, price, q*price/125)
	near(t, "capped LP", b.Cohorts()[0].LiqPrice, want, 1e-9*price)
}

func tier2s(i int) string { return strconv.Itoa(i + 1) }

// ΔOI > 0 is spread over the interval's volume at price and over the
// leverage buckets by the taker split.
func TestInflowWeights(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Leverage = []float64{2, 5, 10}
	cfg.AggressorWeights = []float64{2, 3, 5} // normalised: .2 .3 .5
	cfg.PassiveWeights = []float64{6, 3, 1}
	b := mustNew(t, cfg)
	bn := newBinner(cfg.PriceBin)
	if bn.bin(100) != bn.bin(100.02) || bn.bin(100) == bn.bin(100.6) {
		t.Fatal("test prices are not in the bins assumed")
	}
	feed(t, b,
		oiEv(at(0), 0),
		trade(at(1*time.Second), 100, 2, 1), // bin A: 3 base, VWAP (200+100.02)/3
		trade(at(2*time.Second), 100.6, 1, -1),
		trade(at(3*time.Second), 100.02, 1, 1),
		trade(at(4*time.Second), 100.6, 0, 1), // no volume
		oiEv(at(5*time.Minute), 8),
	)
	const buy = 3.0 / 4
	aggr, pass := []float64{.2, .3, .5}, []float64{.6, .3, .1}
	want := map[[3]int]float64{} // side, bin, lev -> qty
	for i := range 3 {
		lm := buy*aggr[i] + (1-buy)*pass[i]
		sm := (1-buy)*aggr[i] + buy*pass[i]
		want[[3]int{1, int(bn.bin(100)), i}] = 8 * 3.0 / 4 * lm
		want[[3]int{1, int(bn.bin(100.6)), i}] = 8 * 1.0 / 4 * lm
		want[[3]int{-1, int(bn.bin(100)), i}] = 8 * 3.0 / 4 * sm
		want[[3]int{-1, int(bn.bin(100.6)), i}] = 8 * 1.0 / 4 * sm
	}
	cs := b.Cohorts()
	if len(cs) != len(want) {
		t.Fatalf("%d cohorts, want %d: %+v", len(cs), len(want), cs)
	}
	var longs, shorts float64
	for _, c := range cs {
		li := map[float64]int{2: 0, 5: 1, 10: 2}[c.Leverage]
		w, ok := want[[3]int{int(c.Side), int(c.Bin), li}]
		if !ok {
			t.Fatalf("unexpected cohort %+v", c)
		}
		near(t, "qty", c.Qty, w, 1e-12)
		wantEntry := 100.6
		if c.Bin == bn.bin(100) {
			wantEntry = (200 + 100.02) / 3
		}
		near(t, "entry", c.Entry, wantEntry, 1e-9)
		near(t, "margin per unit", c.Margin, c.Entry/c.Leverage, 1e-9)
		if c.Side == perp.Long {
			longs += c.Qty
		} else {
			shorts += c.Qty
		}
	}
	near(t, "long total", longs, 8, 1e-12)
	near(t, "short total", shorts, 8, 1e-12)
	st := b.Stats()
	near(t, "book OI", st.OI, 8, 0)
	near(t, "legacy", st.UntrackedQty, 0, 0)
}

// Positions that would already be past the current price cannot have
// survived to the OI observation: their share goes to the others.
func TestInflowSurvival(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Leverage = []float64{5, 100}
	cfg.AggressorWeights, cfg.PassiveWeights = []float64{1, 1}, []float64{1, 1}
	b := mustNew(t, cfg)
	// Half the volume at 101, then the price drops to 100: a 100x long
	// from 101 (LP ≈ 100.4) is gone, a 100x short from 101 and everything
	// at 100 survive.
	feed(t, b, oiEv(at(0), 0), trade(at(time.Second), 101, 1, 1), trade(at(2*time.Second), 100, 1, -1), oiEv(at(5*time.Minute), 4))
	var longs, shorts float64
	for _, c := range b.Cohorts() {
		if c.Side == perp.Long {
			longs += c.Qty
			if c.Leverage == 100 && c.Entry > 100.5 {
				t.Errorf("a 100x long at %v survived a drop to 100 (LP %v)", c.Entry, c.LiqPrice)
			}
			near(t, "surviving long", c.Qty, 4.0/3, 1e-12)
		} else {
			shorts += c.Qty
			near(t, "short", c.Qty, 1, 1e-12)
		}
	}
	near(t, "longs", longs, 4, 1e-12)
	near(t, "shorts", shorts, 4, 1e-12)
}

// byEntry sums cohort quantities by side and entry price (rounded).
func byEntry(b *Book) map[perp.Side]map[float64]float64 {
	m := map[perp.Side]map[float64]float64{perp.Long: {}, perp.Short: {}}
	for _, c := range b.Cohorts() {
		m[c.Side][math.Round(c.Entry)] += c.Qty
	}
	return m
}

func TestOutflowRules(t *testing.T) {
	// Interval 1 opens 10 at 100, interval 2 opens 10 at 110, the price
	// goes to 105 and OI falls by 12.
	tests := []struct {
		rule   OutflowRule
		longs  map[float64]float64 // entry -> remaining
		shorts map[float64]float64
	}{
		{OutflowProportional, map[float64]float64{100: 4, 110: 4}, map[float64]float64{100: 4, 110: 4}},
		// Losers: longs from the highest entry, shorts from the lowest.
		{OutflowLosersFirst, map[float64]float64{100: 8}, map[float64]float64{110: 8}},
		// Oldest: the 100 interval first on both sides.
		{OutflowOldestFirst, map[float64]float64{110: 8}, map[float64]float64{110: 8}},
	}
	for _, tc := range tests {
		t.Run(string(tc.rule), func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Leverage, cfg.AggressorWeights, cfg.PassiveWeights = []float64{2, 3}, []float64{1, 1}, []float64{1, 3}
			cfg.Outflow = tc.rule
			b := mustNew(t, cfg)
			feed(t, b,
				oiEv(at(0), 0),
				trade(at(time.Minute), 100, 1, 1),
				oiEv(at(5*time.Minute), 10),
				trade(at(6*time.Minute), 110, 1, 1),
				oiEv(at(10*time.Minute), 20),
				trade(at(11*time.Minute), 105, 1, 1),
				oiEv(at(15*time.Minute), 8),
			)
			got := byEntry(b)
			for side, want := range map[perp.Side]map[float64]float64{perp.Long: tc.longs, perp.Short: tc.shorts} {
				total := 0.0
				for e, q := range got[side] {
					total += q
					near(t, side.String()+" at "+ftoa(e), q, want[e], 1e-9)
				}
				for e, q := range want {
					if _, ok := got[side][e]; !ok && q > 0 {
						t.Errorf("%v at %v: missing, want %v", side, e, q)
					}
				}
				near(t, side.String()+" total", total, 8, 1e-9)
			}
		})
	}
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// The untracked pool (the first observation's OI, and the unlevered share
// of later inflows) takes its proportion of every outflow, whatever the
// rule.
func TestOutflowUntrackedPool(t *testing.T) {
	for _, tc := range []struct {
		rule          OutflowRule
		share         float64
		base          float64 // first observation
		legacy, longQ float64 // after +100 and then −50
	}{
		{OutflowProportional, 1, 100, 75, 75},
		{OutflowLosersFirst, 1, 100, 75, 75},
		{OutflowOldestFirst, 1, 100, 75, 75},
		{OutflowProportional, 0.4, 0, 30, 20},
		{OutflowOldestFirst, 0.4, 0, 30, 20},
	} {
		cfg := DefaultConfig()
		cfg.Leverage, cfg.AggressorWeights, cfg.PassiveWeights = []float64{2}, []float64{1}, []float64{1}
		cfg.Outflow = tc.rule
		cfg.LeveragedShare = tc.share
		b := mustNew(t, cfg)
		feed(t, b, oiEv(at(0), tc.base), trade(at(time.Minute), 100, 1, 1), oiEv(at(5*time.Minute), tc.base+100),
			trade(at(6*time.Minute), 100, 1, 1), oiEv(at(10*time.Minute), tc.base+50))
		st := b.Stats()
		name := fmt.Sprintf("%s share %v", tc.rule, tc.share)
		near(t, name+" legacy", st.UntrackedQty, tc.legacy, 1e-9)
		near(t, name+" longs", st.LongQty, tc.longQ, 1e-9)
		near(t, name+" shorts", st.ShortQty, tc.longQ, 1e-9)
		near(t, name+" OI", st.OI, tc.base+50, 1e-9)
	}
}

// Only the first OI observation of each inflow interval is applied; OI in
// quote is converted at the last price.
func TestOIInterval(t *testing.T) {
	cfg := DefaultConfig()
	b := mustNew(t, cfg)
	feed(t, b, trade(at(0), 100, 1, 1), oiEv(at(0), 10),
		trade(at(time.Minute), 100, 1, 1), oiEv(at(time.Minute), 50), // same interval: ignored
		oiEv(at(5*time.Minute), 20))
	near(t, "OI", b.Stats().OI, 20, 0)
	near(t, "longs", b.Stats().LongQty, 10, 1e-9)
	quote := engine.Event{TS: at(10 * time.Minute), Kind: engine.KindOI, Qty: math.NaN(), Value: 2500}
	feed(t, b, quote)
	near(t, "OI from quote", b.Stats().OI, 25, 1e-12)
}

// Positive funding: longs pay (their LP rises towards the price), shorts
// receive (their LP rises away from it); negative funding the reverse.
// A long paying funding is liquidated by a dip that would have spared it.
func TestFundingMovesLP(t *testing.T) {
	for _, rate := range []float64{0.003, -0.003} {
		cfg := DefaultConfig()
		cfg.Leverage, cfg.AggressorWeights, cfg.PassiveWeights = []float64{20}, []float64{1}, []float64{1}
		b := oneCohortBook(t, cfg, 100, 10)
		before := b.Cohorts()
		feed(t, b, fundingEv(at(8*time.Hour), rate, 100))
		after := b.Cohorts()
		for i := range before {
			c0, c1 := before[i], after[i]
			near(t, "margin change", c1.Margin-c0.Margin, -c0.Side.Sign()*100*rate, 1e-9)
			q := 20_000 / c1.Entry
			want, _ := cfg.Brackets.IsolatedLiquidationPrice(c1.Side, q, c1.Entry, q*c1.Margin)
			near(t, "LP after funding", c1.LiqPrice, want, 1e-9)
			if rate > 0 && !(c1.LiqPrice > c0.LiqPrice) || rate < 0 && !(c1.LiqPrice < c0.LiqPrice) {
				t.Errorf("rate %v %v: LP %v -> %v, wrong direction", rate, c0.Side, c0.LiqPrice, c1.LiqPrice)
			}
		}
	}
	// Liquidated sooner: a dip to between the two LPs.
	cfg := DefaultConfig()
	cfg.Leverage, cfg.AggressorWeights, cfg.PassiveWeights = []float64{20}, []float64{1}, []float64{1}
	lp0 := oneCohortBook(t, cfg, 100, 10).Cohorts()[0].LiqPrice
	for _, funding := range []bool{false, true} {
		cfg.Funding = funding
		b := oneCohortBook(t, cfg, 100, 10)
		feed(t, b, fundingEv(at(8*time.Hour), 0.003, 100))
		liqs := feed(t, b, trade(at(9*time.Hour), lp0+0.1, 1, -1))
		if got := len(liqs) > 0; got != funding {
			t.Errorf("funding %v: dip to %v liquidated %d cohorts", funding, lp0+0.1, len(liqs))
		}
	}
}

// A crossing trade liquidates every cohort past it, at LP when the price
// went through the LP, reduces the book's OI and removes the same
// quantity from the other side.
func TestLiquidationBasics(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Leverage, cfg.AggressorWeights, cfg.PassiveWeights = []float64{10, 50}, []float64{1, 1}, []float64{1, 1}
	b := oneCohortBook(t, cfg, 100, 10)
	var lp10, lp50 float64
	for _, c := range b.Cohorts() {
		if c.Side == perp.Long && c.Leverage == 10 {
			lp10 = c.LiqPrice
		}
		if c.Side == perp.Long && c.Leverage == 50 {
			lp50 = c.LiqPrice
		}
	}
	// Just above the 50x LP: nothing.
	if l := feed(t, b, trade(at(time.Hour), lp50+0.01, 1, -1)); len(l) != 0 {
		t.Fatalf("liquidated above LP: %+v", l)
	}
	l := feed(t, b, trade(at(time.Hour+time.Second), lp50-0.01, 1, -1))
	if len(l) != 1 || l[0].Side != perp.Long || l[0].Leverage != 50 || l[0].Price != lp50 || l[0].LiqPrice != lp50 {
		t.Fatalf("got %+v, want the 50x long at %v", l, lp50)
	}
	near(t, "qty", l[0].Qty, 5, 1e-12)
	near(t, "notional", l[0].Notional, 5*lp50, 1e-9)
	st := b.Stats()
	near(t, "OI", st.OI, 5, 1e-12)
	near(t, "longs", st.LongQty, 5, 1e-12)
	near(t, "shorts", st.ShortQty, 5, 1e-12)
	// A gap far below the 10x LP: liquidated at LP (the path went
	// through it).
	l = feed(t, b, trade(at(2*time.Hour), lp10*0.9, 1, -1))
	if len(l) != 1 || l[0].Price != lp10 {
		t.Fatalf("got %+v, want the 10x long at %v", l, lp10)
	}
	if st := b.Stats(); st.LongQty != 0 || st.ShortQty != 0 || st.Cohorts != 0 {
		t.Errorf("book not empty: %+v", st)
	}
}

// Bars: volume spread over [low, high], taker split from Value, and the
// extremes checked for crossings.
func TestBars(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Leverage, cfg.AggressorWeights, cfg.PassiveWeights = []float64{2, 50}, []float64{0, 1}, []float64{1, 0}
	b := mustNew(t, cfg)
	bar := func(ts engine.Nanos, o, h, l, c, v, tb float64) engine.Event {
		return engine.Event{TS: ts, Kind: engine.KindBar, Open: o, High: h, Low: l, Price: c, Qty: v, Value: tb, Aux: 60}
	}
	feed(t, b, oiEv(at(0), 0), bar(at(time.Minute), 100, 100.25, 99.95, 100.2, 12, 12), oiEv(at(5*time.Minute), 6))
	bn := newBinner(cfg.PriceBin)
	nb := int(bn.bin(100.25)-bn.bin(99.95)) + 1
	var longs, shorts float64
	for _, c := range b.Cohorts() {
		if c.Side == perp.Long {
			longs += c.Qty
			if c.Leverage != 50 { // all taker buys: longs are aggressors
				t.Errorf("long at %vx, want 50x only", c.Leverage)
			}
			near(t, "long per bin", c.Qty, 6.0/float64(nb), 1e-12)
		} else {
			shorts += c.Qty
			if c.Leverage != 2 {
				t.Errorf("short at %vx, want 2x only", c.Leverage)
			}
		}
	}
	near(t, "longs", longs, 6, 1e-12)
	near(t, "shorts", shorts, 6, 1e-12)
	// A bar whose low reaches the 50x longs liquidates them all.
	l := feed(t, b, bar(at(6*time.Minute), 100.2, 100.3, 97, 99, 5, math.NaN()))
	if len(l) != nb {
		t.Fatalf("%d liquidations, want %d", len(l), nb)
	}
	for i := 1; i < len(l); i++ {
		if l[i].LiqPrice > l[i-1].LiqPrice {
			t.Errorf("liquidations not ordered by LP descending")
		}
	}
}

func TestCalibrator(t *testing.T) {
	c := NewCalibrator(24 * time.Hour)
	// 1 base per second at a price alternating 100 and 101 every bucket
	// (5 minutes): daily notional ≈ 86 400·100.5, per-bucket log return
	// ±ln(1.01).
	p := 100.0
	for s := range 2 * 86_400 {
		ts := t0 + engine.Nanos(s)*engine.Second
		if s%300 == 0 {
			if p == 100 {
				p = 101
			} else {
				p = 100
			}
		}
		c.Add(ts, p, 1)
	}
	near(t, "daily volume", c.DailyVolume(), 86_400*100.5, 1)
	r := math.Log(1.01)
	near(t, "daily vol", c.DailyVol(), r*math.Sqrt(288), 1e-9)
	m := c.Impact(ImpactConfig{Coefficient: 1})
	near(t, "impact", m.Move(86_400*100.5, 100), r*math.Sqrt(288), 1e-6)
	if !c.Ready() {
		t.Error("not ready")
	}
	if (SqrtImpact{}).Move(1e6, 100) != 0 {
		t.Error("uncalibrated impact should be 0")
	}
	capped := SqrtImpact{Coefficient: 1, DailyVolume: 1, DailyVol: 1, MaxMove: 0.05}
	near(t, "capped", capped.Move(1e6, 1), 0.05, 0)
}
