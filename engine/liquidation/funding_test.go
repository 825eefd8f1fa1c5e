package liquidation

import (
	"math"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// TestLazyFunding replays a week with large funding settlements every 8
// hours through a book that settles funding lazily and one that re-prices
// every cohort at every settlement: the same liquidations at the same
// times, prices equal up to rounding, and the lazy book's invariants
// (today's prices against the exact formula, the grid, the extremes) hold
// after every event. The variants reach the lazy book's corners: an
// account notional at a tier boundary (funding moves cohorts out of their
// fresh tier: eager cohorts) and funding large enough to shift prices
// past the keys of new cohorts (folds).
func TestLazyFunding(t *testing.T) {
	for _, tc := range []struct {
		name         string
		rate         float64
		set          func(c *Config)
		eager, folds bool // expected
	}{
		{"default", 0.002, func(c *Config) {}, false, false},
		{"scenario", 0.002, func(c *Config) {
			c.LeveragedShare, c.HoldHalfLife, c.FundingTilt = 0.35, 96*time.Hour, 3000
		}, false, false},
		{"tier-boundary", 0.004, func(c *Config) {
			c.Leverage, c.AggressorWeights, c.PassiveWeights = []float64{20}, []float64{1}, []float64{1}
			c.AccountNotional = 52_600 // a fresh 20x long liquidates just above the 50 000 cap
		}, true, false},
		{"huge-funding", 0.2, func(c *Config) {}, true, true},
		{"losers", 0.01, func(c *Config) { c.Outflow = OutflowLosersFirst }, false, false},
		{"oldest", 0.01, func(c *Config) { c.Outflow = OutflowOldestFirst }, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.set(&cfg)
			lazy, eager := mustNew(t, cfg), mustNew(t, cfg)
			if !lazy.lf.on {
				t.Fatal("lazy funding is off")
			}
			eager.lf.on = false
			evs := walkEvents(walkOpts{seed: 11, trades: 30_000, start: 30_000, vol: 0.001, stepNs: 20 * engine.Second, oi: 1000, fundRate: tc.rate})
			var liqs, settlements, eagerSeen int
			for i := range evs {
				e := evs[i]
				got := append([]Liquidation(nil), lazy.OnEvent(&e)...)
				want := eager.OnEvent(&e)
				if e.Kind == engine.KindFunding {
					settlements++
				}
				eagerSeen = max(eagerSeen, lazy.lf.eager)
				if len(got) != len(want) {
					t.Fatalf("event %d (%v): lazy book liquidated %d cohorts, eager %d", i, e.Kind, len(got), len(want))
				}
				for j := range got {
					g, w := got[j], want[j]
					if g.TS != w.TS || g.Side != w.Side || g.Leverage != w.Leverage || math.Abs(g.LiqPrice-w.LiqPrice) > 1e-9*w.LiqPrice ||
						math.Abs(g.Price-w.Price) > 1e-9*w.Price || math.Abs(g.Qty-w.Qty) > 1e-9*w.Qty || math.Abs(g.EntryPrice-w.EntryPrice) > 1e-9*w.EntryPrice {
						t.Fatalf("event %d liquidation %d: lazy %+v, eager %+v", i, j, g, w)
					}
				}
				liqs += len(got)
				if e.Kind != engine.KindTrade || i%50 == 0 {
					if err := lazy.check(); err != nil {
						t.Fatalf("event %d (%v): %v", i, e.Kind, err)
					}
				}
			}
			if liqs < 50 || settlements < 20 {
				t.Fatalf("%d liquidations, %d settlements: too tame to test anything", liqs, settlements)
			}
			folds := lazy.lf.folds
			if tc.folds && folds == 0 {
				t.Errorf("no fold in %d settlements", settlements)
			}
			if tc.eager && eagerSeen == 0 {
				t.Errorf("no eager cohort in %d settlements", settlements)
			}
			gc, wc := lazy.Cohorts(), eager.Cohorts()
			if len(gc) != len(wc) {
				t.Fatalf("%d cohorts left, eager book %d", len(gc), len(wc))
			}
			for j := range gc {
				g, w := gc[j], wc[j]
				if g.Bin != w.Bin || g.Leverage != w.Leverage || math.Abs(g.Margin-w.Margin) > 1e-9*w.Entry || math.Abs(g.LiqPrice-w.LiqPrice) > 1e-9*w.Entry {
					t.Fatalf("cohort %d: lazy %+v, eager %+v", j, g, w)
				}
			}
			lm, em := lazy.Map(lazy.Price(), 0.3, 0.3, 0.01), eager.Map(eager.Price(), 0.3, 0.3, 0.01)
			if math.Abs(lm.LongsWithin-em.LongsWithin) > 1e-9*em.LongsWithin || math.Abs(lm.ShortsWithin-em.ShortsWithin) > 1e-9*em.ShortsWithin {
				t.Errorf("maps: lazy %v/%v, eager %v/%v", lm.LongsWithin, lm.ShortsWithin, em.LongsWithin, em.ShortsWithin)
			}
			t.Logf("%d liquidations, %d settlements, %d folds, up to %d eager cohorts, %d cohorts left", liqs, settlements, folds, eagerSeen, len(gc))
		})
	}
}

// TestLazyFundingFoldOnInflow: after funding has shifted the long prices
// by more than a new 2x long's liquidation price, that long's key would
// not be positive; the inflow that opens it folds, so a trade right after
// (before any other settlement) liquidates it like an eager book does.
func TestLazyFundingFoldOnInflow(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Leverage, cfg.AggressorWeights, cfg.PassiveWeights = []float64{2, 50}, []float64{1, 1}, []float64{1, 1}
	lazy, eager := mustNew(t, cfg), mustNew(t, cfg)
	eager.lf.on = false
	feedBoth := func(e engine.Event) (got, want []Liquidation) {
		got = append([]Liquidation(nil), lazy.OnEvent(&e)...)
		want = eager.OnEvent(&e)
		if err := lazy.check(); err != nil {
			t.Fatal(err)
		}
		return got, want
	}
	feedBoth(oiEv(t0, 0))
	feedBoth(trade(t0+engine.Minute, 100, 1, 1))
	feedBoth(oiEv(t0+5*engine.Minute, 10))
	// Longs pay shorts 30% of the price per unit three times (the longs
	// there are liquidated on the way): long prices rise by about 90,
	// k·D with D = 90.
	for i := range 3 {
		e := fundingEv(t0+engine.Nanos(i+1)*8*engine.Hour, 0.3, 100)
		feedBoth(e)
	}
	if lazy.lf.folds != 0 {
		t.Fatalf("%d folds before the inflow", lazy.lf.folds)
	}
	// New 2x longs at 100 liquidate near 50: a key of about 50 − 90.
	feedBoth(trade(t0+25*engine.Hour, 100, 1, 1))
	feedBoth(oiEv(t0+25*engine.Hour+5*engine.Minute, 20))
	if lazy.lf.folds == 0 {
		t.Fatal("the inflow did not fold")
	}
	got, want := feedBoth(trade(t0+25*engine.Hour+6*engine.Minute, 49, 1, -1))
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("crash to 49: lazy book liquidated %d cohorts, eager %d", len(got), len(want))
	}
	for j := range got {
		if g, w := got[j], want[j]; g.Leverage != w.Leverage || g.Side != w.Side || math.Abs(g.LiqPrice-w.LiqPrice) > 1e-9*w.LiqPrice {
			t.Errorf("liquidation %d: lazy %+v, eager %+v", j, g, w)
		}
	}
}
