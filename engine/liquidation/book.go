package liquidation

import (
	"math"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

// side indices
const (
	long  = 0
	short = 1
)

func sideOf(s int) perp.Side {
	if s == long {
		return perp.Long
	}
	return perp.Short
}

// cohort is one (entry bin, side, leverage bucket) group of isolated
// positions. Its liquidation price is that of one representative account
// (see Config.AccountNotional), so it does not depend on qty.
type cohort struct {
	qty   float64 // base units in stored units: real = qty·Book.unit(side, lev)
	entry float64 // average entry price
	// mpu is the isolated margin per base unit (quote), average, and lp
	// the liquidation price (0: cannot be liquidated), both as of the
	// last funding fold (see lazyFunding; Book.mpuOf and Book.lpOf give
	// today's values, the same without lazy funding). lp is the cohort's
	// key in the LP grid.
	mpu float64
	lp  float64
	// blo, bhi: the edges of its LP bin while placed (+Inf, -Inf when
	// not), for relp's same-bin check.
	blo, bhi float64
	ebin     int32  // entry bin
	lbin     int32  // liquidation-price bin (valid while slot >= 0)
	slot     int32  // index in its LP cell; -1 when not placed
	gen      uint32 // bumped when released (invalidates lots)
	nlots    int32  // lots in the oldest_first queue that refer to it
	side     uint8
	lev      uint8
	live     bool
	eager    bool // re-priced at every funding settlement (see lazyFunding)
}

// histCell is one bin of the volume-at-price histogram of the current
// inflow interval.
type histCell struct {
	qty   float64 // base volume
	val   float64 // quote volume (for the bin's VWAP)
	stamp uint32  // epoch in which the cell was last touched
}

// lot is one inflow into a cohort, for the oldest_first rule.
type lot struct {
	id  int32
	gen uint32
	qty float64 // stored units
}

type lotQueue struct {
	items []lot
	head  int
	stale int // lots after head whose cohort was released
}

// Book is the market-wide positioning model: cohorts of leveraged
// isolated positions built from open-interest changes and the traded
// volume at price, liquidated when the price crosses their liquidation
// prices. Feed it every event in time order with OnEvent (or the OnTrade,
// OnBar, OnOI and OnFunding methods). It is not safe for concurrent use.
type Book struct {
	// Hot fields, read on every trade.
	qLo, qHi          float64 // fast-path range (see quiet)
	last              float64 // last price (0 = none yet)
	longMax, shortMin float64 // highest long and lowest short liquidation price
	hLo, hHi          float64 // price range of the cached histogram cell
	hCell             int
	hist              []histCell
	hEdge             []float64  // hEdge[i] = lower edge of hist[i]; len(hist)+1
	taker             [4]float64 // taker volume (base) this interval by Side+1: [0] sell, [1] unknown, [2] buy
	realTrades        bool       // a non-path trade has been seen
	cal               Calibrator

	out []Liquidation

	cfg  Config
	bn   binner
	nLev int
	acct []float64 // account notional per leverage bucket
	// liqTier[side][lev] is the margin tier a fresh cohort (margin
	// entry/leverage) is liquidated in; it does not depend on the entry
	// because the account notional is fixed per leverage.
	liqTier  [2][]int
	fresh    [2][]freshLP // the fresh tier's linear formula per (side, leverage)
	lf       lazyFunding
	aggr     []float64 // normalised
	pass     []float64 // normalised
	mix      []float64 // scratch: one side's leverage mix
	sc, isc  []float64 // scratch: one side's unit per leverage bucket and its inverse
	invLev   []float64 // 1/leverage per bucket
	interval int64

	hw      span
	touched []int32
	epoch   uint32

	cs    []cohort
	free  []int32
	ew    span       // entry-bin window (both sides)
	eids  [2][]int32 // cohort index+1 per (entry bin, leverage), 0 = none
	eocc  [2]bitset  // entry bins holding a cohort
	lw    [2]span    // LP-bin windows
	cells [2][][]int32
	locc  [2]bitset
	scale [2]float64   // lazy proportional-outflow factor per side
	dec   [2][]float64 // lazy holding-decay factor per (side, leverage); all 1 without decay
	tot   [2]float64   // sum of stored qty
	tl    [2][]float64 // sum of stored qty per (side, leverage)
	cnt   [2][]int32   // live cohorts per (side, leverage)
	lots  [2]lotQueue

	rate      []float64    // holding-decay rate per leverage bucket (per ns); nil without decay
	decTS     engine.Nanos // time up to which decay has been applied
	decDT     float64      // the step (ns) decK was computed for
	decK      []float64    // decay factor over decDT per leverage bucket
	asym      bool         // the sides may hold different quantities (decay or tilt)
	tilt      float64      // side split of new leveraged positions: longs get LeveragedShare·(1+tilt)
	tiltTo    engine.Nanos // the tilt's funding rate is stale after this (see staleFunding)
	fundHours float64      // interval of the funding event being fed (hours; 0 = unknown)

	haveRef   bool
	ref       float64 // OI (base) the book accounts for: legacy + tracked
	legacy    float64 // untracked pool (base): the first observation's OI plus the unlevered share of inflows
	appliedIv int64

	sweep   []sweepItem
	ok      []bool // scratch: which (bin, leverage) pairs of an inflow survive
	counter Stats
}

// New returns an empty book. It validates cfg and keeps its own copy.
func New(cfg Config) (*Book, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.clone()
	n := len(cfg.Leverage)
	b := &Book{
		cfg:      cfg,
		bn:       newBinner(cfg.PriceBin),
		nLev:     n,
		acct:     make([]float64, n),
		aggr:     normalised(cfg.AggressorWeights),
		pass:     normalised(cfg.PassiveWeights),
		mix:      make([]float64, n),
		sc:       make([]float64, n),
		isc:      make([]float64, n),
		invLev:   make([]float64, n),
		interval: int64(cfg.InflowInterval),
		epoch:    1,
		longMax:  math.Inf(-1),
		shortMin: math.Inf(1),
		scale:    [2]float64{1, 1},
		cal:      *NewCalibrator(cfg.Impact.Window),
	}
	for i, l := range cfg.Leverage {
		b.acct[i] = math.Min(cfg.AccountNotional, cfg.Brackets.MaxNotional(l))
		b.invLev[i] = 1 / l
	}
	for s := range 2 {
		b.liqTier[s] = make([]int, n)
		for i, l := range cfg.Leverage {
			q := b.acct[i] // at entry 1
			lp := b.exactLiqPrice(s, i, 1, 1/l)
			b.liqTier[s][i] = cfg.Brackets.Index(q * lp)
		}
		b.fresh[s] = make([]freshLP, n)
		for i, l := range cfg.Leverage {
			t, sg := b.liqTier[s][i], sideOf(s).Sign()
			br := cfg.Brackets[t]
			f := &b.fresh[s][i]
			f.a = 1 / (br.MMR - sg)
			f.b = (br.Cum/b.acct[i] - sg) / (br.MMR - sg)
			f.k = f.a/l + f.b
			f.lo, f.hi = math.Inf(-1), math.Inf(1)
			if t > 0 {
				f.lo = cfg.Brackets[t-1].Cap / b.acct[i]
			}
			if t < len(cfg.Brackets)-1 {
				f.hi = br.Cap / b.acct[i]
			}
		}
		b.tl[s] = make([]float64, n)
		b.cnt[s] = make([]int32, n)
		b.dec[s] = make([]float64, n)
		for i := range n {
			b.dec[s][i] = 1
		}
	}
	b.lf.init(b)
	b.asym = cfg.FundingTilt > 0
	if h := cfg.HoldHalfLife; h > 0 {
		b.asym = true
		b.rate = make([]float64, n)
		b.decK = make([]float64, n)
		for i, l := range cfg.Leverage {
			b.rate[i] = math.Ln2 * math.Sqrt(l) / float64(h)
		}
	}
	return b, nil
}

func normalised(w []float64) []float64 {
	out := make([]float64, len(w))
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	for i, x := range w {
		out[i] = x / sum
	}
	return out
}

// Config returns the book's configuration (a copy).
func (b *Book) Config() Config { return b.cfg.clone() }

// Price returns the last price the book has seen (0 if none).
func (b *Book) Price() float64 { return b.last }

// OnEvent feeds one event and returns the liquidations it caused, in
// execution order (longs from the highest liquidation price down, shorts
// from the lowest up). The slice is the book's own buffer: it is valid
// until the next call and must not be retained. Trades cost a few
// nanoseconds and allocate nothing unless they cross a liquidation price.
// KindLiquidation and KindSeries events are ignored.
func (b *Book) OnEvent(e *engine.Event) []Liquidation {
	if e.Kind == engine.KindTrade {
		return b.OnTrade(e)
	}
	switch e.Kind {
	case engine.KindOI:
		return b.OnOI(e.TS, e.Qty, e.Value)
	case engine.KindFunding:
		b.fundHours = e.Aux
		return b.OnFunding(e.TS, e.Value, e.Price)
	case engine.KindBar:
		return b.OnBar(e)
	}
	return nil
}

// OnTrade feeds a trade (or an intra-bar path point, flagged
// engine.FlagBarPath) and returns the liquidations it caused (see
// OnEvent). Real trades add their volume to the interval's volume-at-price
// histogram, taker-side split and impact calibration; path points only
// move the price (their bar's volume comes with the KindBar event).
// Trades with a non-positive or non-finite price are ignored.
func (b *Book) OnTrade(e *engine.Event) []Liquidation {
	// Fast path: a real trade inside the cached histogram bin and between
	// the highest long and the lowest short liquidation price.
	if p := e.Price; p >= b.qLo && p < b.qHi && e.Flags&engine.FlagBarPath == 0 {
		q := e.Qty // accumulate, inlined by hand
		if !(q > 0) || q > math.MaxFloat64 {
			q = 0
		}
		c := &b.hist[b.hCell]
		c.qty += q
		c.val += p * q
		b.taker[uint8(e.Side+1)&3] += q
		if e.TS >= b.cal.next {
			b.cal.last = b.last
			b.cal.roll(e.TS)
		}
		b.cal.cur += p * q
		b.last = p
		return nil
	}
	return b.onTradeSlow(e)
}

// accumulate adds a real trade to the interval's histogram and taker
// split and to the impact calibration; p is in the cached bin.
func (b *Book) accumulate(e *engine.Event, p float64) {
	q := e.Qty
	if !(q > 0) || q > math.MaxFloat64 {
		q = 0
	}
	c := &b.hist[b.hCell]
	c.qty += q
	c.val += p * q
	b.taker[uint8(e.Side+1)&3] += q // branch-free: [0] sells, [2] buys
	if e.TS >= b.cal.next {
		b.cal.last = b.last // the bucket closes at the previous price
		b.cal.roll(e.TS)
	}
	b.cal.cur += p * q
}

func (b *Book) onTradeSlow(e *engine.Event) []Liquidation {
	p := e.Price
	if e.Flags&engine.FlagBarPath == 0 {
		if !(p >= b.hLo && p < b.hHi) && !b.rebin(p) {
			return nil
		}
		b.accumulate(e, p)
	} else if !(p > 0 && p <= math.MaxFloat64) {
		return nil
	}
	prev := b.last
	b.last = p
	if p <= b.longMax || p >= b.shortMin {
		if prev == 0 {
			prev = p
		}
		b.out = b.out[:0]
		b.cross(e.TS, p, prev)
		return b.out
	}
	return nil
}

// quiet recomputes the fast path's range [qLo, qHi): the cached
// histogram bin less the prices at or past a liquidation price. Call it
// whenever hLo, hHi, longMax or shortMin change.
func (b *Book) quiet() {
	b.qLo, b.qHi = nextUp(b.longMax), b.shortMin
	if b.hLo > b.qLo {
		b.qLo = b.hLo
	}
	if b.hHi < b.qHi {
		b.qHi = b.hHi
	}
}

// nextUp is math.Nextafter(x, +Inf) for x not NaN or +Inf.
func nextUp(x float64) float64 {
	switch {
	case x > 0:
		return math.Float64frombits(math.Float64bits(x) + 1)
	case x < 0:
		return math.Float64frombits(math.Float64bits(x) - 1)
	}
	return math.SmallestNonzeroFloat64
}

// rebin points the histogram cache at p's bin; false if p is not a finite
// positive price. Small moves step from the cached bin over the edge
// table; jumps take the logarithm.
func (b *Book) rebin(p float64) bool {
	if !(p > 0 && p <= math.MaxFloat64) {
		return false
	}
	b.realTrades = true
	i := -1
	if b.hHi > 0 {
		i = stepBin(b.hEdge, b.hCell, p)
	}
	if i < 0 {
		i = b.histCell(b.bn.bin(p))
	} else {
		b.touch(i)
	}
	b.hCell = i
	b.hLo, b.hHi = b.hEdge[i], b.hEdge[i+1]
	b.quiet()
	return true
}

// stepBin walks at most 8 bins from i over the edge table e to the bin
// holding p; -1 if p is farther or off the table.
func stepBin(e []float64, i int, p float64) int {
	for range 8 {
		switch {
		case p >= e[i+1]:
			i++
		case p < e[i]:
			i--
		default:
			return i
		}
		if i < 0 || i+1 >= len(e) {
			return -1
		}
	}
	return -1
}

// histCell returns the index of bin k's histogram cell, growing the
// window as needed, and marks it touched in this interval.
func (b *Book) histCell(k int32) int {
	i := b.hw.idx(k)
	if i < 0 {
		nw := b.hw.grown(k)
		b.hist = regrow(b.hist, b.hw, nw, 1)
		b.hw = nw
		b.hEdge = make([]float64, nw.n+1)
		for j := range b.hEdge {
			b.hEdge[j] = b.bn.edge(nw.off + int32(j))
		}
		b.hLo, b.hHi = 0, 0 // the cached index moved
		b.quiet()
		i = b.hw.idx(k)
	}
	b.touch(i)
	return i
}

// touch marks histogram cell i as used in this interval (zeroing it if
// it was last used in an earlier one).
func (b *Book) touch(i int) {
	if c := &b.hist[i]; c.stamp != b.epoch {
		*c = histCell{stamp: b.epoch}
		b.touched = append(b.touched, b.hw.off+int32(i))
	}
}

// resetHist starts a new inflow interval. The cached cell stays cached
// (and so is marked touched at once).
func (b *Book) resetHist() {
	b.epoch++
	b.touched = b.touched[:0]
	b.taker = [4]float64{}
	if b.hHi > 0 {
		b.touch(b.hCell)
	}
}

// OnBar feeds a completed bar. While the book has seen no real trades the
// bar's volume is spread evenly over the bins from its low to its high
// (quote volume at each bin's centre), its taker-buy volume (Value) sets
// the interval's taker split and it feeds the impact calibration. The
// bar's extremes and close are then checked for crossings in path order
// (open, the extreme nearer the open, the other extreme, close), at the
// bar's timestamp; with intra-bar path trades before it this finds
// nothing new.
func (b *Book) OnBar(e *engine.Event) []Liquidation {
	b.out = b.out[:0]
	c := e.Price
	if !(c > 0 && c <= math.MaxFloat64) {
		return nil
	}
	o, h, l := e.Open, e.High, e.Low
	if !(o > 0 && o <= math.MaxFloat64) {
		o = c
	}
	if !(h >= c && h >= o && h <= math.MaxFloat64) {
		h = math.Max(o, c)
	}
	if !(l > 0 && l <= c && l <= o) {
		l = math.Min(o, c)
	}
	if v := e.Qty; !b.realTrades && v > 0 && v <= math.MaxFloat64 {
		kl, kh := b.bn.bin(l), b.bn.bin(h)
		n := int(kh-kl) + 1
		const maxBins = 1024
		step := 1
		if n > maxBins {
			step = (n + maxBins - 1) / maxBins
		}
		cells := (n + step - 1) / step
		share := v / float64(cells)
		for k := kl; k <= kh; k += int32(step) {
			cell := &b.hist[b.histCell(k)]
			cell.qty += share
			cell.val += share * b.bn.center(k)
		}
		if tb := e.Value; tb >= 0 && tb <= v {
			b.taker[2] += tb
			b.taker[0] += v - tb
		}
		if e.TS >= b.cal.next {
			b.cal.last = b.last
			b.cal.roll(e.TS)
		}
		b.cal.cur += v * c
	}
	first, second := h, l
	if math.Abs(o-l) <= math.Abs(h-o) {
		first, second = l, h
	}
	prev := b.last
	if prev == 0 {
		prev = o
	}
	for _, p := range [...]float64{o, first, second, c} {
		if p <= b.longMax || p >= b.shortMin {
			b.cross(e.TS, p, prev)
		}
		prev = p
	}
	b.last = c
	return b.out
}

// OnOI feeds an open-interest observation: qty in base units, value in
// quote (either may be NaN; quote is converted at the last price). The
// first observation in each InflowInterval (on the Unix-epoch grid) is
// applied; later ones in the same interval are ignored. The very first
// observation only sets the baseline: that OI is the untracked pool,
// whose entries are unknown. Afterwards (with Config.HoldHalfLife the
// positions whose holding time ran out since the last applied observation
// are closed first) ΔOI = OI − the book's OI (which liquidations and
// holding decay have already reduced) is turned into new cohorts (ΔOI > 0,
// spread over the interval's volume at price) or closes positions (ΔOI <
// 0, per Config.Outflow). It returns the liquidations of cohorts that the
// update left past the current price.
func (b *Book) OnOI(ts engine.Nanos, qty, value float64) []Liquidation {
	b.out = b.out[:0]
	oi := qty
	if !(oi >= 0 && oi <= math.MaxFloat64) {
		if !(value >= 0 && value <= math.MaxFloat64 && b.last > 0) {
			return nil
		}
		oi = value / b.last
	}
	iv := floorDiv(int64(ts), b.interval)
	if b.haveRef && iv == b.appliedIv {
		return nil
	}
	b.appliedIv = iv
	if !b.haveRef {
		b.haveRef = true
		b.ref, b.legacy = oi, oi
		b.decTS = ts
		b.resetHist()
		return nil
	}
	b.decay(ts)
	d := oi - b.ref
	b.ref = oi
	if b.tilt != 0 && ts > b.tiltTo {
		b.tilt = 0 // the last funding rate is stale
	}
	switch {
	case d > 0:
		b.inflow(d)
	case d < 0:
		b.outflow(-d)
	}
	b.resetHist()
	if b.lf.fold { // a new cohort's key would not be positive
		b.fold()
	}
	b.settle(ts)
	return b.out
}

// staleFunding is how many funding intervals a rate steers the side
// split of inflows (FundingTilt) without a newer settlement: where the
// funding data stops, positioning stops following the last rate seen.
const staleFunding = 3

// OnFunding feeds a funding settlement: rate per interval (positive: longs
// pay shorts) and the mark price (NaN: the last price is used). With
// Config.FundingTilt the rate sets the side split of later inflows (the
// interval is taken from the event's Aux when fed through OnEvent, else 8
// hours). With Config.Funding every cohort's isolated margin changes by
// its funding cashflow, −s·mark·rate per base unit, and its liquidation
// price is recomputed. It returns the liquidations of cohorts whose new
// liquidation price is past the current price.
func (b *Book) OnFunding(ts engine.Nanos, rate, mark float64) []Liquidation {
	b.out = b.out[:0]
	if k := b.cfg.FundingTilt; k > 0 && finite(rate) {
		h := b.fundHours
		if !(h > 0 && h <= 24*7) {
			h = 8
		}
		b.tilt = math.Max(-1, math.Min(1, k*(rate-perp.DefaultInterestRate*h/8)))
		b.tiltTo = ts + engine.Nanos(staleFunding*h*float64(engine.Hour))
	}
	b.fundHours = 0
	if !b.cfg.Funding || !finite(rate) || rate == 0 {
		return nil
	}
	if !(mark > 0 && mark <= math.MaxFloat64) {
		mark = b.last
	}
	if mark <= 0 {
		return nil
	}
	d := mark * rate
	if b.lf.on {
		b.lf.settle(b, d)
	} else {
		// Every cohort of a side moves by the same margin per unit; most
		// stay in their tier and LP bin, where the new price is one
		// multiply-add.
		dm := [2]float64{long: -d, short: d} // mpu + (−d) is mpu − d exactly
		for i := range b.cs {
			c := &b.cs[i]
			if !c.live {
				continue
			}
			c.mpu += dm[c.side&1]
			if lp, ok := b.sameBinLP(c); ok {
				c.lp = lp // relp's fast path, inlined
				continue
			}
			b.relp(int32(i))
		}
	}
	if b.last == 0 {
		b.last = mark
	}
	b.settle(ts)
	return b.out
}

// settle recomputes the extremes after a structural change and liquidates
// the cohorts it left past the current price (at that price).
func (b *Book) settle(ts engine.Nanos) {
	b.extremes()
	if p := b.last; p > 0 && (p <= b.longMax || p >= b.shortMin) {
		b.cross(ts, p, p)
	}
}
