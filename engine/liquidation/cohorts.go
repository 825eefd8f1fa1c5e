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

// freshLP is the liquidation price of the cohorts of one (side, leverage
// bucket) in the tier a fresh cohort of theirs liquidates in (see
// Book.liqTier). With q = acct/entry the representative account's
// quantity, the isolated price in a fixed tier,
//
//	LP = (q·mpu + cum − s·q·entry) / (q·MMR − s·q),
//
// is, divided through by q, linear in the margin per unit and the entry:
//
//	LP = a·mpu + b·entry,  a = 1/(MMR − s),  b = (cum/acct − s)/(MMR − s).
//
// The tier is the right one while the liquidation notional q·LP lies in
// (Cap[t−1], Cap[t]], that is LP in (lo·entry, hi·entry] with lo =
// Cap[t−1]/acct and hi = Cap[t]/acct (±Inf at the ends of the table).
type freshLP struct {
	a, b   float64
	k      float64 // LP per unit entry of a fresh position (mpu = entry/L): a/L + b
	lo, hi float64
}

// liqPrice returns the isolated liquidation price of a representative
// account of a cohort of side and leverage bucket lev: notional acct at
// entry, margin mpu per base unit.
func (b *Book) liqPrice(side int, lev int, entry, mpu float64) float64 {
	lp, _ := b.tieredPrice(side, lev, entry, float64(b.fresh[side][lev].a*mpu)+float64(b.fresh[side][lev].b*entry), 0, mpu)
	return lp
}

// tieredPrice finishes liqPrice given the fresh tier's price key+shift
// (see lazyFunding; shift 0 for a margin of today): when that price lands
// in the fresh tier it is the exact answer, the fixed point
// perp.Brackets.LiquidationPrice iterates to; otherwise (funding moved
// the margin across a tier) the general search prices margin mpu. fresh
// reports which.
func (b *Book) tieredPrice(side, lev int, entry, key, shift, mpu float64) (lp float64, fresh bool) {
	f := &b.fresh[side][lev]
	lp = key + shift
	if lp <= 0 {
		lp = 0 // math.Max(lp, 0), NaN included
	}
	if lp > f.lo*entry && lp <= f.hi*entry {
		return lp, true
	}
	return b.exactLiqPrice(side, lev, entry, mpu), false
}

// freshSurvives reports whether a fresh position of side s, leverage
// bucket lev, entered at entry, is still open at the current price.
func (b *Book) freshSurvives(s, lev int, entry float64) bool {
	f := &b.fresh[s][lev]
	lp := f.k * entry
	if lp <= 0 {
		lp = 0
	}
	if !(lp > f.lo*entry && lp <= f.hi*entry) {
		lp = b.liqPrice(s, lev, entry, entry/b.cfg.Leverage[lev])
	}
	return b.survives(s, lp)
}

// exactLiqPrice is liqPrice without the fresh-tier shortcut.
func (b *Book) exactLiqPrice(side int, lev int, entry, mpu float64) float64 {
	q := b.acct[lev] / entry
	lp, _ := b.cfg.Brackets.IsolatedLiquidationPrice(sideOf(side), q, entry, q*mpu)
	return lp
}

// entryRow returns the window index of entry bin k, growing the entry
// window as needed.
func (b *Book) entryRow(k int32) int {
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
	return i
}

// newCohort creates the (side, entry bin k, leverage) cohort; i is k's
// entry-window index (the window must hold k).
func (b *Book) newCohort(s int, k int32, i, lev int) int32 {
	var id int32
	if n := len(b.free); n > 0 {
		id = b.free[n-1]
		b.free = b.free[:n-1]
	} else {
		b.cs = append(b.cs, cohort{})
		id = int32(len(b.cs) - 1)
	}
	c := &b.cs[id]
	*c = cohort{ebin: k, slot: -1, gen: c.gen, side: uint8(s), lev: uint8(lev), live: true,
		blo: math.Inf(1), bhi: math.Inf(-1)}
	b.cnt[s][lev]++
	b.eids[s][i*b.nLev+lev] = id + 1
	b.eocc[s].set(i)
	return id
}

// sameBinLP returns cohort c's key in the LP grid (its liquidation price
// as of the last funding fold, see lazyFunding) by its fresh tier's
// formula, and whether that is all relp would do: today's price is in
// the tier (liqPrice's check) and placeable (positive, and above 1e-4 of
// the entry for a long, see place), and the key stays in its LP bin
// [blo, bhi). It does not change c.
func (b *Book) sameBinLP(c *cohort) (float64, bool) {
	f := &b.fresh[c.side][c.lev]
	key := float64(f.a*c.mpu) + float64(f.b*c.entry)
	lp := key + b.lf.shift[c.side&1]
	return key, key >= c.blo && key < c.bhi && lp > f.lo*c.entry && lp <= f.hi*c.entry && lp > 0 && (c.side != long || lp >= c.entry*1e-4)
}

// relp recomputes cohort id's liquidation price and moves it in the grid
// if its bin changed. Callers must call extremes (settle) afterwards.
func (b *Book) relp(id int32) {
	c := &b.cs[id]
	if key, ok := b.sameBinLP(c); ok {
		c.lp = key // same bin: the callers fix the extremes
		if c.eager {
			b.setEager(c, false)
		}
		return
	}
	// liqPrice at today's margin, with the fresh tier's price taken as
	// key + shift as everywhere else.
	s, lev := int(c.side), int(c.lev)
	f := &b.fresh[s][lev]
	shift := b.lf.shift[s]
	key := float64(f.a*c.mpu) + float64(f.b*c.entry)
	lp, fresh := b.tieredPrice(s, lev, c.entry, key, shift, b.mpuOf(c))
	if !fresh || lp == 0 {
		key = lp - shift // so that lpOf gives lp back
	}
	hint := c.lbin
	if c.slot < 0 {
		hint = noHint
	}
	b.unplace(id)
	c.lp = key
	b.place(id, hint, lp)
	if c.slot >= 0 {
		c.blo, c.bhi = b.bn.edge(c.lbin), b.bn.edge(c.lbin+1)
	} else {
		c.blo, c.bhi = math.Inf(1), math.Inf(-1) // never the same bin
	}
	if b.lf.on {
		b.setEager(c, !fresh || c.slot < 0)
	}
}

// noHint is place's hint when the cohort's previous LP bin is unknown.
const noHint = math.MinInt32

// place puts cohort id into the LP grid of its side, keyed by c.lp, given
// today's liquidation price lp. Longs whose liquidation price is 0 or
// below 1e-4 of their entry (leverage ~1) can never be liquidated and
// stay out of the grid. hint is a bin near the key's (its previous one),
// or noHint. The extremes are fixed by the caller with extremes (relp's
// callers settle). A placeable cohort whose key is not positive (a large
// funding shift) is left out and asks for a fold.
func (b *Book) place(id int32, hint int32, lp float64) {
	c := &b.cs[id]
	s := int(c.side)
	if !(lp > 0 && lp <= math.MaxFloat64) || s == long && lp < c.entry*1e-4 {
		c.slot = -1
		return
	}
	if !(c.lp > 0 && c.lp <= math.MaxFloat64) {
		c.slot = -1
		b.lf.fold = true
		return
	}
	k := b.bn.binNear(c.lp, hint)
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
	b.setEager(c, false)
	c.live = false
	c.qty = 0
	c.gen++
	b.free = append(b.free, id)
}

// extremes recomputes the highest long and lowest short liquidation
// prices from the grid.
func (b *Book) extremes() {
	b.longMax, b.shortMin = math.Inf(-1), math.Inf(1)
	// Today's prices are monotone in the keys: the extremes are in the
	// extreme bins.
	if i := b.locc[long].prev(int(b.lw[long].n) - 1); i >= 0 {
		for _, id := range b.cells[long][i] {
			b.longMax = math.Max(b.longMax, b.lpOf(&b.cs[id]))
		}
	}
	if i := b.locc[short].next(0); i >= 0 {
		for _, id := range b.cells[short][i] {
			b.shortMin = math.Min(b.shortMin, b.lpOf(&b.cs[id]))
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
	hint := int32(noHint)
	if b.hHi > 0 {
		hint = b.hw.off + int32(b.hCell) // p's bin when p is a trade's
	}
	// The keys to visit: those whose price today (key + shift) may be
	// past p, with one bin to spare for the shift's rounding.
	var kp int32
	if shift := b.lf.shift[s]; shift == 0 {
		kp = b.bn.binNear(p, hint)
	} else if x := p - shift; !(x > 0) {
		kp = math.MinInt32 // every long key is past p; no short key is
	} else if kp = b.bn.bin(x); s == long {
		kp--
	} else {
		kp++
	}
	w := b.lw[s]
	items := b.sweep[:0]
	if s == long {
		for i := b.locc[s].prev(int(w.n) - 1); i >= 0 && int32(i)+w.off >= kp; i = b.locc[s].prev(i - 1) {
			for _, id := range b.cells[s][i] {
				c := &b.cs[id]
				if lp := b.lpOf(c); lp >= p {
					items = append(items, sweepItem{-lp, -c.ebin, c.lev, id})
				}
			}
		}
	} else {
		for i := b.locc[s].next(0); i >= 0 && int32(i)+w.off <= kp; i = b.locc[s].next(i + 1) {
			for _, id := range b.cells[s][i] {
				c := &b.cs[id]
				if lp := b.lpOf(c); lp <= p {
					items = append(items, sweepItem{lp, c.ebin, c.lev, id})
				}
			}
		}
	}
	slices.SortFunc(items, cmpSweep)
	total := 0.0
	for _, it := range items {
		c := &b.cs[it.id]
		q := c.qty * b.unit(s, int(c.lev))
		lp := b.lpOf(c)
		px := lp
		if s == long && !(prev > lp) || s == short && !(prev < lp) {
			px = p
		}
		b.out = append(b.out, Liquidation{TS: ts, Side: sideOf(s), Price: px, LiqPrice: lp, Qty: q,
			Notional: q * lp, Leverage: b.cfg.Leverage[c.lev], EntryPrice: c.entry})
		total += q
		b.counter.Liquidations++
		if s == long {
			b.counter.LiquidatedLong += q * lp
		} else {
			b.counter.LiquidatedShort += q * lp
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
