package liquidation

// lazyFunding settles funding without re-pricing and re-placing every
// cohort at every settlement.
//
// A settlement moves the margin per unit of every long by −d and of every
// short by +d (d = mark·rate). Within a tier the liquidation price is
// linear in the margin (freshLP: LP = a·mpu + b·entry), so it moves by
// −s·a·d: the same for every cohort of a side when the side's leverage
// buckets all liquidate in tiers of one MMR (one a per side). The book
// keeps D, the sum of d since the last fold, and each cohort's margin and
// price as of that fold (cohort.mpu, and cohort.lp, the cohort's key in
// the LP grid); today's are mpu − s·D and lp + k_s·D with k_s = −s·a_s
// (Book.mpuOf, Book.lpOf). The shift is the same for a whole side and
// monotone, so the grid's order, the extremes and the crossing sweep
// (which turns the price into a key) stay exact: the prices compared are
// today's, computed the same way everywhere.
//
// Cohorts priced outside their fresh tier, or not placed (leverage ~1
// longs), are eager: re-priced at every settlement. A lazy cohort stays
// right while today's price stays in its tier and placeable, which each
// settlement checks (an addition and a few comparisons per cohort, no
// writes; the few that fail are re-priced and become eager). A cohort
// whose key would not be
// positive (a shift larger than its price) makes the book fold: bring
// every cohort's margin and key up to date and set D = 0.
//
// Lazy funding is on when, for each side, every leverage bucket's fresh
// tier has the same MMR (the default brackets and account notional);
// otherwise every settlement re-prices every cohort.
type lazyFunding struct {
	on    bool
	d     float64    // D: the sum of mark·rate since the last fold
	k     [2]float64 // k_s = −s·a_s: LP change per unit of D
	shift [2]float64 // k_s·D: today's LP = key + shift[s]
	md    [2]float64 // s·D: today's margin = mpu − md[s]
	eager int        // live eager cohorts
	fold  bool       // a cohort needs a fold (see place)
	folds int        // folds so far (for tests)
}

// init turns lazy funding on if the brackets allow it.
func (lf *lazyFunding) init(b *Book) {
	*lf = lazyFunding{on: true}
	for s := range 2 {
		for i := range b.nLev {
			if b.cfg.Brackets[b.liqTier[s][i]].MMR != b.cfg.Brackets[b.liqTier[s][0]].MMR {
				lf.on = false
			}
		}
		lf.k[s] = -sideOf(s).Sign() * b.fresh[s][0].a
	}
}

// setD sets D and the shifts it implies.
func (lf *lazyFunding) setD(d float64) {
	lf.d = d
	for s := range 2 {
		lf.shift[s] = lf.k[s] * d
	}
	lf.md = [2]float64{long: d, short: -d}
}

// settle applies a settlement of d = mark·rate per unit (longs pay d).
func (lf *lazyFunding) settle(b *Book, d float64) {
	lf.setD(lf.d + d)
	for i := range b.cs {
		if c := &b.cs[i]; c.live && (c.eager || !b.stillLazy(c)) {
			b.relp(int32(i))
		}
	}
	if lf.fold {
		b.fold()
	}
}

// stillLazy reports whether lazy cohort c's price today is still in its
// fresh tier and placeable (relp's checks, without the bin).
func (b *Book) stillLazy(c *cohort) bool {
	f := &b.fresh[c.side][c.lev]
	lp := c.lp + b.lf.shift[c.side&1]
	return lp > f.lo*c.entry && lp <= f.hi*c.entry && lp > 0 && (c.side != long || lp >= c.entry*1e-4)
}

// fold brings every cohort's margin and price up to date and sets D = 0.
func (b *Book) fold() {
	lf := &b.lf
	lf.folds++
	for i := range b.cs {
		if c := &b.cs[i]; c.live {
			c.mpu = b.mpuOf(c)
		}
	}
	lf.setD(0)
	lf.fold = false
	for i := range b.cs {
		if c := &b.cs[i]; c.live {
			b.relp(int32(i))
		}
	}
}

// mpuOf returns cohort c's margin per unit today.
func (b *Book) mpuOf(c *cohort) float64 { return c.mpu - b.lf.md[c.side&1] }

// lpOf returns cohort c's liquidation price today.
func (b *Book) lpOf(c *cohort) float64 { return c.lp + b.lf.shift[c.side&1] }

// setEager marks cohort c eager or lazy.
func (b *Book) setEager(c *cohort, eager bool) {
	if c.eager != eager {
		c.eager = eager
		if eager {
			b.lf.eager++
		} else {
			b.lf.eager--
		}
	}
}
