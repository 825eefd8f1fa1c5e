package liquidation

import (
	"math"

	"github.com/cascade-research/cascade/engine"
)

// inflow opens d base units of new contracts (one long and one short
// holder each), spread over the interval's volume at price, and over
// leverage buckets by the taker split: with b the taker-buy share, longs
// get b·aggressor + (1−b)·passive and shorts (1−b)·aggressor + b·passive.
// (bin, leverage) pairs whose fresh position would already be past the
// current price cannot have survived to the observation; they are
// skipped and the rest renormalised (unless nothing survives).
func (b *Book) inflow(d float64) {
	// The unlevered share joins the untracked pool.
	var ds [2]float64
	if tilt := b.tilt; tilt != 0 {
		sh := b.cfg.LeveragedShare
		ds[long] = d * math.Min(1, sh*(1+tilt))
		ds[short] = d * math.Min(1, sh*(1-tilt))
		b.legacy += d - (ds[long]+ds[short])/2
	} else {
		if sh := b.cfg.LeveragedShare; sh < 1 {
			b.legacy += d * (1 - sh)
			d *= sh
		}
		ds = [2]float64{d, d}
	}
	// The interval's bins; with no volume, the last price.
	bins := b.touched
	vol := 0.0
	for _, k := range bins {
		vol += b.hist[b.hw.idx(k)].qty
	}
	if !(vol > 0) {
		if b.last <= 0 {
			b.legacy += (ds[long] + ds[short]) / 2 // nowhere to put it
			return
		}
		k := b.bn.bin(b.last)
		c := &b.hist[b.histCell(k)]
		c.qty, c.val = 1, b.last
		bins, vol = b.touched, 1
	}
	bs := 0.5
	if t := b.taker[2] + b.taker[0]; t > 0 {
		bs = b.taker[2] / t
	}
	n := b.nLev
	need := len(bins) * n
	if cap(b.ok) < need {
		b.ok = make([]bool, need)
	}
	ok := b.ok[:need]
	// The interval's lowest and highest entry (bin VWAP).
	eLo, eHi := math.Inf(1), math.Inf(-1)
	for _, k := range bins {
		if c := &b.hist[b.hw.idx(k)]; c.qty > 0 {
			e := c.val / c.qty
			eLo, eHi = min(eLo, e), max(eHi, e)
		}
	}
	for s := range 2 {
		ba := bs // aggressor share of this side
		if s == short {
			ba = 1 - bs
		}
		for i := range n {
			b.mix[i] = ba*b.aggr[i] + (1-ba)*b.pass[i]
		}
		// Pass 1: which (bin, leverage) survive at the current price.
		// Usually all: the interval's prices are close to the last one.
		worst := eHi // survival is monotone in the entry
		if s == short {
			worst = eLo
		}
		all := b.allSurvive(s, worst)
		feasible := 0.0
		for j, k := range bins {
			c := &b.hist[b.hw.idx(k)]
			if !(c.qty > 0) {
				continue
			}
			vw, entry := c.qty/vol, c.val/c.qty
			for i := range n {
				w := vw * b.mix[i]
				sv := all || b.freshSurvives(s, i, entry)
				ok[j*n+i] = sv
				if w > 0 && sv {
					feasible += w
				}
			}
		}
		norm, filter := 1.0, feasible > 0
		if filter {
			norm = 1 / feasible
		}
		// Pass 2: open q base units entered at the bin's VWAP in each
		// (bin, leverage) cohort, merging entry and margin (price/leverage
		// per unit) by quantity.
		for i := range n {
			sc := b.unit(s, i)
			b.sc[i], b.isc[i] = sc, 1/sc
		}
		md := b.lf.md[s] // margins are kept as of the last funding fold
		for j, k := range bins {
			h := &b.hist[b.hw.idx(k)]
			if !(h.qty > 0) {
				continue
			}
			vw, price := h.qty/vol, h.val/h.qty
			row := b.entryRow(k) // the cohorts of bin k, found once
			ids := b.eids[s][row*n : (row+1)*n]
			for i := range n {
				w := vw * b.mix[i]
				if w <= 0 || filter && !ok[j*n+i] {
					continue
				}
				q := ds[s] * w * norm
				if !(q > 0) {
					continue
				}
				id := ids[i] - 1
				if id < 0 {
					id = b.newCohort(s, k, row, i)
				}
				c := &b.cs[id]
				old := c.qty * b.sc[i]
				r := 1 / (old + q) // one division for both averages
				c.entry = (c.entry*old + price*q) * r
				c.mpu = ((c.mpu-md)*old+price*b.invLev[i]*q)*r + md
				dq := q * b.isc[i]
				c.qty += dq
				b.addStored(s, i, dq)
				if key, same := b.sameBinLP(c); same && !c.eager {
					c.lp = key // relp's fast path, inlined
				} else {
					b.relp(id)
				}
				if b.cfg.Outflow == OutflowOldestFirst {
					b.lots[s].items = append(b.lots[s].items, lot{id: id, gen: c.gen, qty: dq})
					c.nlots++
				}
			}
		}
	}
}

// allSurvive reports whether fresh positions of side s of every leverage
// bucket survive (freshSurvives) at every entry on the safe side of worst
// (below it for longs, above for shorts): whether they survive at worst,
// when each bucket's fresh price is k·entry in the fresh tier for every
// entry (k well inside the tier's bounds), which is monotone in the
// entry, rounding included. False means: ask freshSurvives pair by pair.
func (b *Book) allSurvive(s int, worst float64) bool {
	if !(worst > 0 && worst <= math.MaxFloat64) {
		return false
	}
	for i := range b.nLev {
		f := &b.fresh[s][i]
		if !(f.k > 0 && f.k > f.lo*(1+1e-9) && f.k < f.hi*(1-1e-9)) || !b.survives(s, f.k*worst) {
			return false
		}
	}
	return true
}

// survives reports whether a position of side s with liquidation price lp
// is still open at the current price.
func (b *Book) survives(s int, lp float64) bool {
	p := b.last
	if p <= 0 {
		return true
	}
	if s == long {
		return lp < p
	}
	return lp > p
}

// outflow closes x base units of contracts on both sides. The untracked
// pool takes its proportion of the book's OI; the rest is closed from the
// tracked cohorts by the outflow rule.
func (b *Book) outflow(x float64) {
	if b.asym {
		b.outflowAsym(x)
		return
	}
	tracked := math.Max(b.sideQty(long), b.sideQty(short))
	var fromLegacy float64
	if t := b.legacy + tracked; t > 0 {
		fromLegacy = x * b.legacy / t
	}
	b.legacy -= fromLegacy
	rest := x - fromLegacy
	if rest > tracked {
		b.legacy = math.Max(0, b.legacy-(rest-tracked))
		rest = tracked
	}
	b.removeSide(long, rest)
	b.removeSide(short, rest)
}

// outflowAsym is outflow for books whose sides may differ (holding decay,
// side tilt): each side's holders close x in proportion, the untracked
// pool (the average of the sides' untracked holders) its share and side
// s's cohorts x·tracked(s)/OI.
func (b *Book) outflowAsym(x float64) {
	tq := [2]float64{b.sideQty(long), b.sideQty(short)}
	ref := b.legacy + (tq[long]+tq[short])/2
	if !(ref > 0) {
		return
	}
	if x >= ref {
		b.legacy = 0
		b.removeSide(long, tq[long])
		b.removeSide(short, tq[short])
		return
	}
	b.legacy -= x * b.legacy / ref
	for s := range 2 {
		b.removeSide(s, x*tq[s]/ref)
	}
}

// removeSide closes amt base units of side s's cohorts by the outflow
// rule.
func (b *Book) removeSide(s int, amt float64) {
	total := b.sideQty(s)
	if !(amt > 0) || !(total > 0) {
		return
	}
	if amt >= total*(1-1e-12) {
		b.clearSide(s)
		return
	}
	switch b.cfg.Outflow {
	case OutflowProportional:
		b.scale[s] *= 1 - amt/total
		if b.scale[s] < 1e-150 {
			b.renorm(s)
		}
	case OutflowLosersFirst:
		b.removeLosers(s, amt)
	case OutflowOldestFirst:
		b.removeOldest(s, amt)
	}
}

// clearSide releases every cohort of side s.
func (b *Book) clearSide(s int) {
	for i := range b.cs {
		if c := &b.cs[i]; c.live && int(c.side) == s {
			b.release(int32(i))
		}
	}
	b.tot[s], b.scale[s] = 0, 1
	for l := range b.nLev {
		b.tl[s][l], b.dec[s][l] = 0, 1
	}
	b.lots[s] = lotQueue{items: b.lots[s].items[:0]}
}

// renorm folds side s's scale and decay factors into its cohorts' stored
// quantities (and its lots').
func (b *Book) renorm(s int) {
	b.tot[s] = 0
	for l := range b.nLev {
		b.tl[s][l] = 0
	}
	for i := range b.cs {
		if c := &b.cs[i]; c.live && int(c.side) == s {
			c.qty *= b.unit(s, int(c.lev))
			b.tot[s] += c.qty
			b.tl[s][c.lev] += c.qty
		}
	}
	lq := &b.lots[s]
	for j := lq.head; j < len(lq.items); j++ {
		if l := &lq.items[j]; b.cs[l.id].live && b.cs[l.id].gen == l.gen {
			l.qty *= b.unit(s, int(b.cs[l.id].lev))
		}
	}
	b.scale[s] = 1
	for l := range b.nLev {
		b.dec[s][l] = 1
	}
}

// unit converts side s's stored quantities of leverage bucket l into base
// units.
func (b *Book) unit(s, l int) float64 { return b.scale[s] * b.dec[s][l] }

// sideQty returns side s's tracked quantity (base).
func (b *Book) sideQty(s int) float64 {
	if b.rate == nil {
		return b.tot[s] * b.scale[s]
	}
	q := 0.0
	for l, x := range b.tl[s] {
		q += x * b.dec[s][l]
	}
	return q * b.scale[s]
}

// addStored adds dq stored units to side s, leverage bucket l's totals.
func (b *Book) addStored(s, l int, dq float64) {
	b.tot[s] += dq
	b.tl[s][l] += dq
}

// minDecayFactor is the smallest lazy decay factor: below it the side's
// factors are folded into its cohorts (O(cohorts), about once a week of
// data for 125x at HoldHalfLife 96h), which keeps the stored quantities
// within a factor 1e6 of each other and their sums accurate.
const minDecayFactor = 1e-6

// decay closes, at an applied OI observation at ts, the positions whose
// holding time ran out since the previous one: every cohort of leverage L
// keeps 2^(−Δt·sqrt(L)/HoldHalfLife) of its quantity (one lazy factor per
// side and leverage bucket, O(leverage buckets)). A closing holder's
// counterparty is untracked with probability u = untracked/book OI (the
// contract closes and the pool loses that holder) and otherwise a tracked
// holder who is closing too (already counted in its own decay, so the two
// close one contract). With D the quantity closed on both sides together,
// the book's OI falls by D·(1+u)/2 and the pool by D·u/2.
func (b *Book) decay(ts engine.Nanos) {
	if b.rate == nil || ts <= b.decTS {
		return
	}
	dt := float64(ts - b.decTS)
	b.decTS = ts
	if dt != b.decDT { // the factors of the usual step are kept
		b.decDT = dt
		for l, r := range b.rate {
			b.decK[l] = math.Exp(-r * dt)
		}
	}
	closed := 0.0
	for s := range 2 {
		sc, small := b.scale[s], false
		for l := range b.rate {
			q := b.tl[s][l] * b.dec[s][l] * sc
			k := b.decK[l]
			closed += q * (1 - k)
			if b.dec[s][l] *= k; b.dec[s][l] < minDecayFactor {
				small = true
			}
		}
		if small {
			b.renorm(s)
		}
	}
	b.closeVoluntary(closed)
}

// closeVoluntary accounts for q base units of tracked positions (either
// side) closed voluntarily; see decay.
func (b *Book) closeVoluntary(q float64) {
	if !(q > 0) {
		return
	}
	tracked := (b.sideQty(long) + b.sideQty(short) + q) / 2
	u := 0.0
	if t := b.legacy + tracked; t > 0 {
		u = math.Min(1, math.Max(0, b.legacy/t))
	}
	b.ref = math.Max(0, b.ref-q*(1+u)/2)
	b.legacy = math.Max(0, b.legacy-q*u/2)
}

// removeLosers closes positions from the most underwater entry bin
// (longs: highest entry; shorts: lowest), a whole bin at a time, the last
// bin in proportion.
func (b *Book) removeLosers(s int, amt float64) {
	occ := b.eocc[s]
	i := occ.prev(int(b.ew.n) - 1)
	if s == short {
		i = occ.next(0)
	}
	for i >= 0 && amt > 0 {
		row := b.eids[s][i*b.nLev : (i+1)*b.nLev]
		binQty := 0.0
		for _, id := range row {
			if id > 0 {
				c := &b.cs[id-1]
				binQty += c.qty * b.unit(s, int(c.lev))
			}
		}
		next := occ.prev(i - 1)
		if s == short {
			next = occ.next(i + 1)
		}
		if binQty <= amt*(1+1e-12) {
			for _, id := range row {
				if id > 0 {
					b.release(id - 1)
				}
			}
			amt -= binQty
		} else {
			f := 1 - amt/binQty
			for _, id := range row {
				if id > 0 {
					c := &b.cs[id-1]
					b.addStored(s, int(c.lev), -c.qty)
					c.qty *= f
					b.addStored(s, int(c.lev), c.qty)
				}
			}
			amt = 0
		}
		i = next
	}
}

// removeOldest closes positions first in, first out, following the lots
// of side s.
func (b *Book) removeOldest(s int, amt float64) {
	lq := &b.lots[s]
	for amt > 0 && lq.head < len(lq.items) {
		l := &lq.items[lq.head]
		c := &b.cs[l.id]
		if !c.live || c.gen != l.gen {
			lq.head++
			lq.stale--
			continue
		}
		sc := b.unit(s, int(c.lev))
		avail := math.Min(l.qty, c.qty) * sc
		take := math.Min(avail, amt)
		amt -= take
		t := take / sc
		if take == avail {
			t = math.Min(l.qty, c.qty)
		}
		l.qty -= t
		c.qty -= t
		b.addStored(s, int(c.lev), -t)
		if l.qty <= 0 {
			lq.head++
			c.nlots--
		}
		if c.qty <= 1e-12*(c.qty+t) { // float residue of its last lot
			b.release(l.id)
		}
	}
	b.compactLots(s)
}

// compactLots drops consumed lots and, when they are the majority, the
// lots of released cohorts.
func (b *Book) compactLots(s int) {
	lq := &b.lots[s]
	if lq.stale > 4096 && 2*lq.stale > len(lq.items)-lq.head {
		k := 0
		for _, l := range lq.items[lq.head:] {
			if c := &b.cs[l.id]; c.live && c.gen == l.gen {
				lq.items[k] = l
				k++
			}
		}
		lq.items, lq.head, lq.stale = lq.items[:k], 0, 0
		return
	}
	if lq.head > 4096 && lq.head > len(lq.items)/2 {
		n := copy(lq.items, lq.items[lq.head:])
		lq.items, lq.head = lq.items[:n], 0
	}
}
