package liquidation

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

// decayBook opens q contracts at 100 (one leverage bucket L, everything
// leveraged, no untracked pool) at 5m, with holding half-life h.
func decayBook(t *testing.T, L float64, h time.Duration, q float64) *Book {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Leverage, cfg.AggressorWeights, cfg.PassiveWeights = []float64{L}, []float64{1}, []float64{1}
	cfg.Funding = false
	cfg.HoldHalfLife = h
	b := mustNew(t, cfg)
	feed(t, b, oiEv(at(0), 0), trade(at(time.Minute), 100, 1, 1), oiEv(at(5*time.Minute), q))
	return b
}

// cohortQty returns the quantity of the book's cohorts of one side.
func cohortQty(b *Book, side perp.Side) float64 {
	q := 0.0
	for _, c := range b.Cohorts() {
		if c.Side == side {
			q += c.Qty
		}
	}
	return q
}

// A cohort of leverage L keeps q·2^(−t·sqrt(L)/H) after t, whether the
// decay is applied in one OI step or in many.
func TestHoldingDecay(t *testing.T) {
	const q = 10.0
	const h = 96 * time.Hour
	for _, tc := range []struct {
		lev   float64
		after time.Duration
		steps int
	}{
		{1, 96 * time.Hour, 1},  // one half-life of a 1x position
		{4, 48 * time.Hour, 1},  // half-life 48h
		{4, 48 * time.Hour, 96}, // the same in 30-minute steps
		{25, 24 * time.Hour, 1},
		{25, 24 * time.Hour, 288}, // 5-minute steps
		{100, 3 * time.Hour, 36},
		{125, 10 * time.Minute, 2},
		{20, 30 * 24 * time.Hour, 30}, // ~33 half-lives: daily steps
		{125, 0, 1},                   // an observation in the same interval: nothing
	} {
		t.Run(fmt.Sprintf("%gx/%v/%d", tc.lev, tc.after, tc.steps), func(t *testing.T) {
			b := decayBook(t, tc.lev, h, q)
			k := func(d time.Duration) float64 { return math.Exp2(-d.Hours() * math.Sqrt(tc.lev) / h.Hours()) }
			// OI observations that equal the decayed book's OI: no inflow
			// or outflow, only decay (no untracked pool: the closing
			// holders pair up, so the book's OI falls by one side's decay).
			for i := 1; i <= tc.steps; i++ {
				d := tc.after * time.Duration(i) / time.Duration(tc.steps)
				feed(t, b, oiEv(at(5*time.Minute+d), q*k(d)))
			}
			want := q * k(tc.after)
			for _, side := range []perp.Side{perp.Long, perp.Short} {
				near(t, side.String(), cohortQty(b, side), want, 1e-9*q)
			}
			st := b.Stats()
			near(t, "LongQty", st.LongQty, want, 1e-9*q)
			near(t, "ShortQty", st.ShortQty, want, 1e-9*q)
			near(t, "OI", st.OI, want, 1e-9*q)
			near(t, "untracked", st.UntrackedQty, 0, 1e-12)
		})
	}
}

// With decay off nothing closes while OI is flat; with decay on the
// observed OI brings the replacements in as inflow at today's price.
func TestHoldingDecayReplacement(t *testing.T) {
	for _, h := range []time.Duration{0, 24 * time.Hour} {
		b := decayBook(t, 4, h, 10)
		feed(t, b, trade(at(6*time.Minute), 101, 1, 1), oiEv(at(5*time.Minute+12*time.Hour), 10))
		old, fresh := 0.0, 0.0
		for _, c := range b.Cohorts() {
			if c.Side != perp.Long {
				continue
			}
			if c.Entry < 100.5 {
				old += c.Qty
			} else {
				fresh += c.Qty
			}
		}
		wantOld := 10.0
		if h > 0 {
			wantOld = 10 * math.Exp2(-12*2/24.0) // half-life 24h/sqrt(4) = 12h
		}
		near(t, fmt.Sprintf("hold %v: from 100", h), old, wantOld, 1e-9)
		near(t, fmt.Sprintf("hold %v: from 101", h), fresh, 10-wantOld, 1e-9)
		near(t, fmt.Sprintf("hold %v: OI", h), b.Stats().OI, 10, 1e-9)
	}
}

// With an untracked pool, a closing holder's counterparty is untracked
// with probability u = pool/OI: the book's OI falls by D·(1+u)/2 and the
// pool by D·u/2 (D: both sides' decay together).
func TestHoldingDecayPool(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Leverage, cfg.AggressorWeights, cfg.PassiveWeights = []float64{4}, []float64{1}, []float64{1}
	cfg.Funding = false
	cfg.HoldHalfLife = 24 * time.Hour // 12h for 4x
	b := mustNew(t, cfg)
	feed(t, b, oiEv(at(0), 30), trade(at(time.Minute), 100, 1, 1), oiEv(at(5*time.Minute), 40))
	// Pool 30, 10 tracked a side. After 12h each side keeps 5: D = 10.
	const u = 30.0 / 40
	want := 40 - 10*(1+u)/2
	feed(t, b, oiEv(at(5*time.Minute+12*time.Hour), want))
	st := b.Stats()
	near(t, "long", st.LongQty, 5, 1e-9)
	near(t, "short", st.ShortQty, 5, 1e-9)
	near(t, "pool", st.UntrackedQty, 30-10*u/2, 1e-9)
	near(t, "OI", st.OI, want, 1e-9)
}

// Decay leaves the per-trade path allocation-free and O(1).
func TestNoAllocsPerTradeWithDecay(t *testing.T) {
	cfg := DefaultConfig()
	cfg.HoldHalfLife = 96 * time.Hour
	cfg.FundingTilt = 3000
	cfg.LeveragedShare = 0.5
	b, _ := randomBook(t, cfg, 2, 20_000)
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

// The funding tilt splits new leveraged positions between the sides by
// the last funding rate's excess over the interest rate (scaled to the
// funding interval), clamped to [−1, 1].
func TestFundingTilt(t *testing.T) {
	for _, tc := range []struct {
		rate, hours float64
		tilt        float64
	}{
		{0.0001, 8, 0},     // the interest rate: no tilt
		{0.0002, 8, 0.3},   // 0.01% above it
		{-0.0001, 8, -0.6}, // shorts crowded
		{0.002, 8, 1},      // clamped
		{0.0001, 4, 0.15},  // a 4-hour interval: interest 0.005%
		{0.0002, 0, 0.3},   // interval unknown: 8 hours
	} {
		cfg := DefaultConfig()
		cfg.Leverage, cfg.AggressorWeights, cfg.PassiveWeights = []float64{10}, []float64{1}, []float64{1}
		cfg.Funding = false
		cfg.LeveragedShare = 0.4
		cfg.FundingTilt = 3000
		b := mustNew(t, cfg)
		fe := fundingEv(at(time.Minute), tc.rate, 100)
		fe.Aux = tc.hours
		feed(t, b, oiEv(at(0), 0), fe, trade(at(2*time.Minute), 100, 1, 1), oiEv(at(5*time.Minute), 10))
		st := b.Stats()
		name := fmt.Sprintf("rate %v/%vh", tc.rate, tc.hours)
		wl, ws := 10*math.Min(1, 0.4*(1+tc.tilt)), 10*math.Min(1, 0.4*(1-tc.tilt))
		near(t, name+" long", st.LongQty, wl, 1e-9)
		near(t, name+" short", st.ShortQty, ws, 1e-9)
		near(t, name+" pool", st.UntrackedQty, 10-(wl+ws)/2, 1e-9)
	}
}

// A funding rate steers the side split for staleFunding intervals after
// its settlement, no longer: where the funding data stops, later inflows
// split evenly.
func TestFundingTiltGoesStale(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after time.Duration // from the settlement to the OI rise
		tilt  float64
	}{
		{"fresh", time.Hour, 0.3},
		{"last fresh interval", 23 * time.Hour, 0.3},
		{"stale", 25 * time.Hour, 0},
	} {
		cfg := DefaultConfig()
		cfg.Leverage, cfg.AggressorWeights, cfg.PassiveWeights = []float64{10}, []float64{1}, []float64{1}
		cfg.Funding = false
		cfg.LeveragedShare = 0.4
		cfg.FundingTilt = 3000
		cfg.HoldHalfLife = 0
		b := mustNew(t, cfg)
		fe := fundingEv(at(time.Minute), 0.0002, 100) // 0.01% above the interest rate: tilt 0.3
		fe.Aux = 8
		rise := at(time.Minute + tc.after)
		feed(t, b, oiEv(at(0), 0), fe, trade(rise-engine.Minute, 100, 1, 1), oiEv(rise, 10))
		st := b.Stats()
		near(t, tc.name+" long", st.LongQty, 10*0.4*(1+tc.tilt), 1e-9)
		near(t, tc.name+" short", st.ShortQty, 10*0.4*(1-tc.tilt), 1e-9)
	}
}

// With EpisodeBucket, waves are the distinct buckets and an episode ends
// when the next liquidation's bucket starts CascadeGap or more after the
// last one's.
func TestEpisodeBuckets(t *testing.T) {
	cfg := DefaultConfig()
	cfg.EpisodeBucket = time.Minute
	cfg.CascadeGap = 4 * time.Minute
	L := func(d time.Duration) Liquidation {
		return Liquidation{TS: at(d), Side: perp.Long, Price: 100, Notional: 1, Qty: 0.01}
	}
	for _, tc := range []struct {
		name  string
		times []time.Duration
		waves []int // per episode
	}{
		{"one minute", []time.Duration{0, 20 * time.Second, 59 * time.Second}, []int{1}},
		{"minute edge", []time.Duration{59 * time.Second, 61 * time.Second}, []int{2}},
		{"2 quiet minutes join", []time.Duration{0, 3*time.Minute + 59*time.Second}, []int{2}},
		{"3 quiet minutes split", []time.Duration{59 * time.Second, 4 * time.Minute}, []int{1, 1}},
		{"waves", []time.Duration{0, 10 * time.Second, 2 * time.Minute, 3 * time.Minute, 3*time.Minute + 50*time.Second, 6 * time.Minute, 11 * time.Minute}, []int{4, 1}},
	} {
		var got []Episode
		x := NewEpisodes(cfg, func(e Episode) { got = append(got, e) })
		for _, d := range tc.times {
			x.Add(L(d))
		}
		x.Flush()
		var waves []int
		for _, e := range got {
			waves = append(waves, e.Waves)
		}
		if fmt.Sprint(waves) != fmt.Sprint(tc.waves) {
			t.Errorf("%s: waves per episode %v, want %v", tc.name, waves, tc.waves)
		}
	}
}
