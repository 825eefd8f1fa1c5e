package liquidation

import (
	"math"
	"slices"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

// Liquidation is one cohort liquidated by the book: every position of one
// (entry bin, side, leverage bucket) at once.
type Liquidation struct {
	TS engine.Nanos
	// Side is the side liquidated: perp.Long (+1, a forced sell) or
	// perp.Short (-1, a forced buy).
	Side perp.Side
	// Price is where the forced order is assumed to execute: the
	// liquidation price when the price path went through it (the previous
	// price was on the safe side), otherwise the price that found the
	// cohort already past its liquidation price (a gap: the first price,
	// or after funding or an inflow moved the liquidation price past the
	// market).
	Price float64
	// LiqPrice is the cohort's liquidation price.
	LiqPrice float64
	// Qty is the quantity liquidated (base units).
	Qty float64
	// Notional is Qty·LiqPrice (quote).
	Notional float64
	// Leverage is the cohort's leverage bucket.
	Leverage float64
	// EntryPrice is the cohort's average entry price.
	EntryPrice float64
}

// liqPrice returns the isolated liquidation price of a representative
// account of cohort c: notional acct at entry, margin mpu per base unit.
func (b *Book) liqPrice(side int, lev int, entry, mpu float64) float64 {
	// Start from the tier a fresh cohort of this side and leverage
	// liquidates in (it does not depend on the entry): when the price
	// computed with it lands in the same tier it is the exact answer, the
	// fixed point perp.Brackets.LiquidationPrice iterates to; otherwise
	// (funding moved the margin across a tier) take the general path.
	q := b.acct[lev] / entry
	t := b.liqTier[side][lev]
	lp := perp.LiquidationPrice(sideOf(side), q, entry, q*mpu, 0, 0, b.cfg.Brackets[t])
	if b.cfg.Brackets.Index(q*math.Max(lp, 0)) == t {
		return math.Max(lp, 0)
	}
	return b.exactLiqPrice(side, lev, entry, mpu)
}

// exactLiqPrice is liqPrice without the fresh-margin shortcut.
func (b *Book) exactLiqPrice(side int, lev int, entry, mpu float64) float64 {
	q := b.acct[lev] / entry
	lp, _ := b.cfg.Brackets.IsolatedLiquidationPrice(sideOf(side), q, entry, q*mpu)
	return lp
}

// cohortAt returns the index of the (side, entry bin, leverage) cohort,
// creating it if needed.
func (b *Book) cohortAt(s int, k int32, lev int) int32 {
	i := b.ew.idx(k)
	if i < 0 {
		nw := b.ew.grown(k)
		for t := range 2 {
			b.eids[t] = regrow(b.eids[t], b.ew, nw, b.nLev)
			b.eocc[t] = regrowBits(b.eocc[t], b.ew, nw)
		}
		b.ew = nw
		i = b.ew.idx(k)
	}
	if id := b.eids[s][i*b.nLev+lev]; id > 0 {
		return id - 1
	}
	var id int32
	if n := len(b.free); n > 0 {
		id = b.free[n-1]
		b.free = b.free[:n-1]
	} else {
		b.cs = append(b.cs, cohort{})
		id = int32(len(b.cs) - 1)
	}
	c := &b.cs[id]
	*c = cohort{ebin: k, slot: -1, gen: c.gen, side: uint8(s), lev: uint8(lev), live: true}
	b.cnt[s][lev]++
	b.eids[s][i*b.nLev+lev] = id + 1
	b.eocc[s].set(i)
	return id
}

// relp recomputes cohort id's liquidation price and moves it in the grid
// if its bin changed. Callers must call extremes (settle) afterwards.
func (b *Book) relp(id int32) {
	c := &b.cs[id]
	lp := b.liqPrice(int(c.side), int(c.lev), c.entry, c.mpu)
	if c.slot >= 0 && lp >= b.bn.edge(c.lbin) && lp < b.bn.edge(c.lbin+1) {
		c.lp = lp // same bin: the callers fix the extremes
		return
	}
	b.unplace(id)
	c.lp = lp
	b.place(id)
}

// place puts cohort id into the LP grid of its side. Longs whose
// liquidation price is 0 or below 1e-4 of their entry (leverage ~1) can
// never be liquidated and stay out of the grid.
func (b *Book) place(id int32) {
	c := &b.cs[id]
	s := int(c.side)
	if !(c.lp > 0 && c.lp <= math.MaxFloat64) || s == long && c.lp < c.entry*1e-4 {
		c.slot = -1
		return
	}
	k := b.bn.bin(c.lp)
	i := b.lw[s].idx(k)
	if i < 0 {
		nw := b.lw[s].grown(k)
		b.cells[s] = regrow(b.cells[s], b.lw[s], nw, 1)
		b.locc[s] = regrowBits(b.locc[s], b.lw[s], nw)
		b.lw[s] = nw
		i = nw.idx(k)
	}
	c.lbin = k
	c.slot = int32(len(b.cells[s][i]))
	b.cells[s][i] = append(b.cells[s][i], id)
	b.locc[s].set(i)
	if s == long {
		b.longMax = math.Max(b.longMax, c.lp)
	} else {
		b.shortMin = math.Min(b.shortMin, c.lp)
	}
	b.quiet()
}

// unplace takes cohort id out of the LP grid (the extremes are fixed by
// the caller with extremes).
func (b *Book) unplace(id int32) {
	c := &b.cs[id]
	if c.slot < 0 {
		return
	}
	s := int(c.side)
	i := b.lw[s].idx(c.lbin)
	cell := b.cells[s][i]
	last := len(cell) - 1
	if moved := cell[last]; int(c.slot) != last {
		cell[c.slot] = moved
		b.cs[moved].slot = c.slot
	}
	b.cells[s][i] = cell[:last]
	if last == 0 {
		b.locc[s].clear(i)
	}
	c.slot = -1
}

// release removes cohort id from the book.
func (b *Book) release(id int32) {
	c := &b.cs[id]
	b.unplace(id)
	s := int(c.side)
	i := b.ew.idx(c.ebin)
	row := b.eids[s][i*b.nLev : (i+1)*b.nLev]
	row[c.lev] = 0
	empty := true
	for _, x := range row {
		if x != 0 {
			empty = false
			break
		}
	}
	if empty {
		b.eocc[s].clear(i)
	}
	b.addStored(s, int(c.lev), -c.qty)
	if b.cnt[s][c.lev]--; b.cnt[s][c.lev] == 0 {
		b.tl[s][c.lev] = 0 // no float residue in an empty bucket
	}
	b.lots[s].stale += int(c.nlots)
	c.nlots = 0
	c.live = false
	c.qty = 0
	c.gen++
	b.free = append(b.free, id)
}

// extremes recomputes the highest long and lowest short liquidation
// prices from the grid.
func (b *Book) extremes() {
	b.longMax, b.shortMin = math.Inf(-1), math.Inf(1)
	if i := b.locc[long].prev(int(b.lw[long].n) - 1); i >= 0 {
		for _, id := range b.cells[long][i] {
			b.longMax = math.Max(b.longMax, b.cs[id].lp)
		}
	}
	if i := b.locc[short].next(0); i >= 0 {
		for _, id := range b.cells[short][i] {
			b.shortMin = math.Min(b.shortMin, b.cs[id].lp)
		}
	}
	b.quiet()
}

// sweepItem orders crossed cohorts: by key1 (−LP for longs, LP for
// shorts), then key2 (−entry bin for longs, entry bin for shorts), then
// leverage bucket.
type sweepItem struct {
	key1 float64
	key2 int32
	lev  uint8
	id   int32
}

func cmpSweep(a, b sweepItem) int {
	switch {
	case a.key1 < b.key1:
		return -1
	case a.key1 > b.key1:
		return 1
	case a.key2 != b.key2:
		return int(a.key2) - int(b.key2)
	}
	return int(a.lev) - int(b.lev)
}

// cross liquidates every cohort past price p (longs with LP >= p, shorts
// with LP <= p), appending to b.out; prev is the price before p.
func (b *Book) cross(ts engine.Nanos, p, prev float64) {
	if p <= b.longMax {
		b.sweepSide(ts, long, p, prev)
	}
	if p >= b.shortMin {
		b.sweepSide(ts, short, p, prev)
	}
}

func (b *Book) sweepSide(ts engine.Nanos, s int, p, prev float64) {
	kp := b.bn.bin(p)
	w := b.lw[s]
	items := b.sweep[:0]
	if s == long {
		for i := b.locc[s].prev(int(w.n) - 1); i >= 0 && int32(i)+w.off >= kp; i = b.locc[s].prev(i - 1) {
			for _, id := range b.cells[s][i] {
				if c := &b.cs[id]; c.lp >= p {
					items = append(items, sweepItem{-c.lp, -c.ebin, c.lev, id})
				}
			}
		}
	} else {
		for i := b.locc[s].next(0); i >= 0 && int32(i)+w.off <= kp; i = b.locc[s].next(i + 1) {
			for _, id := range b.cells[s][i] {
				if c := &b.cs[id]; c.lp <= p {
					items = append(items, sweepItem{c.lp, c.ebin, c.lev, id})
				}
			}
		}
	}
	slices.SortFunc(items, cmpSweep)
	total := 0.0
	for _, it := range items {
		c := &b.cs[it.id]
		q := c.qty * b.unit(s, int(c.lev))
		px := c.lp
		if s == long && !(prev > c.lp) || s == short && !(prev < c.lp) {
			px = p
		}
		b.out = append(b.out, Liquidation{TS: ts, Side: sideOf(s), Price: px, LiqPrice: c.lp, Qty: q,
			Notional: q * c.lp, Leverage: b.cfg.Leverage[c.lev], EntryPrice: c.entry})
		total += q
		b.counter.Liquidations++
		if s == long {
			b.counter.LiquidatedLong += q * c.lp
		} else {
			b.counter.LiquidatedShort += q * c.lp
		}
		b.release(it.id)
	}
	b.sweep = items[:0]
	if len(items) == 0 {
		b.extremes()
		return
	}
	// The liquidated contracts leave open interest; their counterparties
	// are assumed to be holders of the other side closing.
	b.ref -= total
	b.removeSide(1-s, total)
	b.extremes()
}
