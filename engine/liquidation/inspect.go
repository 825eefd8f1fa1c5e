package liquidation

import (
	"fmt"
	"math"

	"github.com/cascade-research/cascade/engine/perp"
)

// Stats is a summary of the book's state and activity.
type Stats struct {
	Cohorts      int     // live cohorts
	LongQty      float64 // tracked long positions (base)
	ShortQty     float64 // tracked short positions (base)
	UntrackedQty float64 // untracked pool (base): the first OI observation plus the unlevered share of inflows, less its outflows (and, with holding decay, the counterparties of decayed positions)
	OI           float64 // the book's OI (base): untracked + tracked (the mean of the sides), observed OI less liquidations and holding decay since
	Price        float64 // last price
	// Liquidations counts liquidated cohorts; LiquidatedLong and
	// LiquidatedShort sum their notional (quote at LP).
	Liquidations    int64
	LiquidatedLong  float64
	LiquidatedShort float64
}

// Stats returns the book's current summary.
func (b *Book) Stats() Stats {
	st := b.counter
	st.Cohorts = len(b.cs) - len(b.free)
	st.LongQty = b.sideQty(long)
	st.ShortQty = b.sideQty(short)
	st.UntrackedQty = b.legacy
	st.OI = b.ref
	st.Price = b.last
	return st
}

// Cohort describes one cohort of the book.
type Cohort struct {
	Side     perp.Side
	Bin      int32   // entry-price bin
	Leverage float64 // leverage bucket
	Entry    float64 // average entry price
	Qty      float64 // open positions (base)
	Margin   float64 // isolated margin per base unit (quote), after funding
	LiqPrice float64 // liquidation price (0: cannot be liquidated)
}

// Notional returns Qty·LiqPrice, the quote notional liquidated at LP.
func (c Cohort) Notional() float64 { return c.Qty * c.LiqPrice }

// Cohorts returns every live cohort, longs first, then by entry bin and
// leverage bucket.
func (b *Book) Cohorts() []Cohort {
	var out []Cohort
	for s := range 2 {
		for i := b.eocc[s].next(0); i >= 0; i = b.eocc[s].next(i + 1) {
			for lev := range b.nLev {
				if id := b.eids[s][i*b.nLev+lev]; id > 0 {
					c := &b.cs[id-1]
					out = append(out, Cohort{Side: sideOf(s), Bin: c.ebin, Leverage: b.cfg.Leverage[lev],
						Entry: c.entry, Qty: c.qty * b.unit(s, lev), Margin: b.mpuOf(c), LiqPrice: b.lpOf(c)})
				}
			}
		}
	}
	return out
}

// check verifies the book's internal invariants (for tests).
func (b *Book) check() error {
	var tot [2]float64
	tl := [2][]float64{make([]float64, b.nLev), make([]float64, b.nLev)}
	cnt := [2][]int32{make([]int32, b.nLev), make([]int32, b.nLev)}
	live, eager := 0, 0
	lmax, smin := math.Inf(-1), math.Inf(1)
	for i := range b.cs {
		c := &b.cs[i]
		if !c.live {
			continue
		}
		live++
		s := int(c.side)
		if c.eager {
			eager++
		}
		if err := b.checkPrice(i, c); err != nil {
			return err
		}
		tot[s] += c.qty
		tl[s][c.lev] += c.qty
		cnt[s][c.lev]++
		if b.eids[s][b.ew.idx(c.ebin)*b.nLev+int(c.lev)] != int32(i)+1 {
			return fmt.Errorf("cohort %d missing from the entry grid", i)
		}
		if c.slot >= 0 {
			if b.cells[s][b.lw[s].idx(c.lbin)][c.slot] != int32(i) {
				return fmt.Errorf("cohort %d not at its LP slot", i)
			}
			if c.lbin != b.bn.bin(c.lp) {
				return fmt.Errorf("cohort %d in LP bin %d, want %d", i, c.lbin, b.bn.bin(c.lp))
			}
			if s == long {
				lmax = math.Max(lmax, b.lpOf(c))
			} else {
				smin = math.Min(smin, b.lpOf(c))
			}
		}
	}
	if eager != b.lf.eager {
		return fmt.Errorf("%d eager cohorts, counted %d", eager, b.lf.eager)
	}
	if live != len(b.cs)-len(b.free) {
		return fmt.Errorf("%d live cohorts, want %d", live, len(b.cs)-len(b.free))
	}
	if lmax != b.longMax || smin != b.shortMin {
		return fmt.Errorf("extremes %v/%v, want %v/%v", b.longMax, b.shortMin, lmax, smin)
	}
	for s := range 2 {
		stale := 0
		for _, l := range b.lots[s].items[b.lots[s].head:] {
			if c := &b.cs[l.id]; !c.live || c.gen != l.gen {
				stale++
			}
		}
		if stale != b.lots[s].stale {
			return fmt.Errorf("side %d: %d stale lots, counted %d", s, stale, b.lots[s].stale)
		}
		tol := 1e-9
		if b.rate != nil {
			tol = 1e-7 // stored quantities span up to 1/minDecayFactor
		}
		if math.Abs(tot[s]-b.tot[s]) > tol*math.Max(1, tot[s]) {
			return fmt.Errorf("side %d total %v, want %v", s, b.tot[s], tot[s])
		}
		for l := range b.nLev {
			if cnt[s][l] != b.cnt[s][l] {
				return fmt.Errorf("side %d leverage %d: %d cohorts, counted %d", s, l, cnt[s][l], b.cnt[s][l])
			}
			if math.Abs(tl[s][l]-b.tl[s][l]) > tol*math.Max(1, tl[s][l]) {
				return fmt.Errorf("side %d leverage %d total %v, want %v", s, l, b.tl[s][l], tl[s][l])
			}
		}
		for i := range b.cells[s] {
			if (len(b.cells[s][i]) > 0) != b.locc[s].has(i) {
				return fmt.Errorf("side %d LP bin %d occupancy bit wrong", s, i)
			}
		}
	}
	if b.qHi > b.qLo && (b.qLo <= b.longMax || b.qHi > b.shortMin || b.qLo < b.hLo || b.qHi > b.hHi) {
		return fmt.Errorf("fast-path range [%v, %v) is stale (bin [%v, %v), long max %v, short min %v)", b.qLo, b.qHi, b.hLo, b.hHi, b.longMax, b.shortMin)
	}
	if p := b.last; p > 0 && (p <= b.longMax || p >= b.shortMin) {
		return fmt.Errorf("price %v is past a liquidation price (long max %v, short min %v)", p, b.longMax, b.shortMin)
	}
	return nil
}

// checkPrice verifies cohort i's liquidation price today against the
// exact tiered formula at its margin today, and the lazy-funding
// invariants (for tests).
func (b *Book) checkPrice(i int, c *cohort) error {
	lp := b.lpOf(c)
	want := b.exactLiqPrice(int(c.side), int(c.lev), c.entry, b.mpuOf(c))
	if math.Abs(lp-want) > 1e-9*c.entry {
		return fmt.Errorf("cohort %d: liquidation price %v today, the exact formula gives %v", i, lp, want)
	}
	if placeable := lp > 0 && lp <= math.MaxFloat64 && !(c.side == long && lp < c.entry*1e-4); placeable != (c.slot >= 0) {
		return fmt.Errorf("cohort %d: placed %v with liquidation price %v (entry %v)", i, c.slot >= 0, lp, c.entry)
	}
	if !b.lf.on {
		if c.eager || b.lf.d != 0 {
			return fmt.Errorf("cohort %d: lazy funding state without lazy funding", i)
		}
		return nil
	}
	if c.eager {
		return nil
	}
	f := &b.fresh[c.side][c.lev]
	if c.slot < 0 || c.lp != float64(f.a*c.mpu)+float64(f.b*c.entry) || !(lp > f.lo*c.entry && lp <= f.hi*c.entry) {
		return fmt.Errorf("lazy cohort %d: slot %d, key %v, price %v outside its fresh tier or not its formula", i, c.slot, c.lp, lp)
	}
	return nil
}
