package liquidation

import "math"

// inflow opens d base units of new contracts (one long and one short
// holder each), spread over the interval's volume at price, and over
// leverage buckets by the taker split: with b the taker-buy share, longs
// get b·aggressor + (1−b)·passive and shorts (1−b)·aggressor + b·passive.
// (bin, leverage) pairs whose fresh position would already be past the
// current price cannot have survived to the observation; they are
// skipped and the rest renormalised (unless nothing survives).
func (b *Book) inflow(d float64) {
	// The unlevered share joins the untracked pool.
	if sh := b.cfg.LeveragedShare; sh < 1 {
		b.legacy += d * (1 - sh)
		d *= sh
	}
	// The interval's bins; with no volume, the last price.
	bins := b.touched
	vol := 0.0
	for _, k := range bins {
		vol += b.hist[b.hw.idx(k)].qty
	}
	if !(vol > 0) {
		if b.last <= 0 {
			b.legacy += d // nowhere to put it
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
	if cap(b.fs) < need {
		b.fs = make([]float64, need)
	}
	lps := b.fs[:need]
	for s := range 2 {
		ba := bs // aggressor share of this side
		if s == short {
			ba = 1 - bs
		}
		for i := range n {
			b.mix[i] = ba*b.aggr[i] + (1-ba)*b.pass[i]
		}
		// Pass 1: which (bin, leverage) survive at the current price.
		feasible := 0.0
		for j, k := range bins {
			c := &b.hist[b.hw.idx(k)]
			if !(c.qty > 0) {
				continue
			}
			vw, entry := c.qty/vol, c.val/c.qty
			for i := range n {
				w := vw * b.mix[i]
				lp := b.liqPrice(s, i, entry, entry/b.cfg.Leverage[i])
				lps[j*n+i] = lp
				if w > 0 && b.survives(s, lp) {
					feasible += w
				}
			}
		}
		norm, filter := 1.0, feasible > 0
		if filter {
			norm = 1 / feasible
		}
		// Pass 2: open.
		for j, k := range bins {
			c := &b.hist[b.hw.idx(k)]
			if !(c.qty > 0) {
				continue
			}
			vw, entry := c.qty/vol, c.val/c.qty
			for i := range n {
				w := vw * b.mix[i]
				if w <= 0 || filter && !b.survives(s, lps[j*n+i]) {
					continue
				}
				b.open(s, k, i, d*w*norm, entry)
			}
		}
	}
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

// open adds q base units entered at price to the cohort (s, bin k,
// leverage i), merging entry and margin by quantity.
func (b *Book) open(s int, k int32, i int, q, price float64) {
	if !(q > 0) {
		return
	}
	id := b.cohortAt(s, k, i)
	c := &b.cs[id]
	sc := b.scale[s]
	old := c.qty * sc
	nq := old + q
	c.entry = (c.entry*old + price*q) / nq
	c.mpu = (c.mpu*old + price/b.cfg.Leverage[i]*q) / nq
	c.qty += q / sc
	b.tot[s] += q / sc
	b.relp(id)
	if b.cfg.Outflow == OutflowOldestFirst {
		b.lots[s].items = append(b.lots[s].items, lot{id: id, gen: c.gen, qty: q / sc})
		c.nlots++
	}
}

// outflow closes x base units of contracts on both sides. The untracked
// pool takes its proportion of the book's OI; the rest is closed from the
// tracked cohorts by the outflow rule.
func (b *Book) outflow(x float64) {
	tracked := math.Max(b.tot[long]*b.scale[long], b.tot[short]*b.scale[short])
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

// removeSide closes amt base units of side s's cohorts by the outflow
// rule.
func (b *Book) removeSide(s int, amt float64) {
	total := b.tot[s] * b.scale[s]
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
	b.lots[s] = lotQueue{items: b.lots[s].items[:0]}
}

// renorm folds side s's scale into its cohorts' stored quantities.
func (b *Book) renorm(s int) {
	sc := b.scale[s]
	b.tot[s] = 0
	for i := range b.cs {
		if c := &b.cs[i]; c.live && int(c.side) == s {
			c.qty *= sc
			b.tot[s] += c.qty
		}
	}
	b.scale[s] = 1
}

// removeLosers closes positions from the most underwater entry bin
// (longs: highest entry; shorts: lowest), a whole bin at a time, the last
// bin in proportion.
func (b *Book) removeLosers(s int, amt float64) {
	sc := b.scale[s]
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
				binQty += b.cs[id-1].qty * sc
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
					b.tot[s] -= c.qty
					c.qty *= f
					b.tot[s] += c.qty
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
	sc := b.scale[s]
	lq := &b.lots[s]
	for amt > 0 && lq.head < len(lq.items) {
		l := &lq.items[lq.head]
		c := &b.cs[l.id]
		if !c.live || c.gen != l.gen {
			lq.head++
			lq.stale--
			continue
		}
		avail := math.Min(l.qty, c.qty) * sc
		take := math.Min(avail, amt)
		amt -= take
		t := take / sc
		if take == avail {
			t = math.Min(l.qty, c.qty)
		}
		l.qty -= t
		c.qty -= t
		b.tot[s] -= t
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
