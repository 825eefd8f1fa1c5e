// Package replay drives one run of the engine: the event loop over a
// time-ordered engine.Source that feeds, for every event, the run's tally,
// the daily statistics, the sampling grid and the market-wide liquidation
// simulator, and samples the liquidation map for the hypotheses that need
// it. Everything it returns is computed in memory, deterministically, from
// the events alone.
//
// The loop is concrete: no interface call per event except the source's
// Next/Event, and no allocation per event unless something is recorded
// (a liquidation, a grid row, a map sample). With more than one CPU the
// source is read ahead on a second goroutine (see Run).
package replay

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/hypo"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/engine/perp"
)

// MapRequest asks for liquidation-map samples: the quote notional of
// shorts liquidatable within +Above of the price and of longs within
// −Below, sampled at the first event of every Every interval (aligned to
// the Unix epoch).
type MapRequest struct {
	Above, Below float64
	Every        time.Duration
}

// MapSeries holds the samples of one MapRequest (the type the hypotheses
// read them as).
type MapSeries = hypo.MapSeries

// Sink receives every event after the engine has processed it: the grid
// (the event's row included), the simulator and the map samples are up to
// date with it. The strategies of a single replay are a Sink
// (strategy.Runner).
type Sink interface {
	Event(e *engine.Event) error
}

// OIProxy synthesises open interest from traded volume for data that has
// none, so the simulator still has inflows and outflows: at every Every
// boundary the OI value (quote) is set to Turnover × the exponential moving
// average (time constant Window) of the traded quote volume per unit time.
// OI then rises when activity rises and falls when it calms down. It is a
// documented assumption, not an observation (docs/liquidation-model.md).
type OIProxy struct {
	Turnover time.Duration // OI ≈ the quote volume traded in this long (e.g. 12h)
	Window   time.Duration // EMA time constant of the volume rate (e.g. 7 days)
	Every    time.Duration // how often a proxy observation is fed (the inflow interval)
	// Anchor, when > 0, rescales the proxy to the observed open interest:
	// the first OI observation in each Anchor-long slot sets the scale so
	// that the proxy equals it at that moment, and the proxy's volume
	// shape carries it until the next. This spreads coarse (e.g. daily) OI
	// over the day by activity.
	Anchor time.Duration
}

// HeatmapRequest asks for snapshots of the whole liquidation map, for
// pictures: every Every (aligned to the Unix epoch, taken at the first
// trade of the interval) the bands of width Step (fraction of price) out
// to ±Range around the price.
type HeatmapRequest struct {
	Every       time.Duration
	Range, Step float64
}

// HeatBand is one non-empty band of a heatmap snapshot.
type HeatBand struct {
	TS     engine.Nanos
	Price  float64   // price at the snapshot
	Side   perp.Side // Long: band below the price; Short: above
	Lo, Hi float64   // band edges (absolute price)
	// Notional is the estimated liquidatable quote notional with its
	// liquidation price in the band.
	Notional float64
}

// Config configures a run.
type Config struct {
	// OIProxy, if set, feeds the simulator proxy OI observations (use it
	// when the stream has no open interest). OI events in the stream then
	// still reach the grid but not the simulator.
	OIProxy *OIProxy
	// GridStep is the step of the sampling grid (default 5m).
	GridStep time.Duration
	// Simulator configures the liquidation simulator; nil turns it off.
	Simulator *liquidation.Config
	// Maps lists the liquidation-map samples to record (needs Simulator).
	Maps []MapRequest
	// Heatmap, if set, records liquidation-map snapshots (needs Simulator).
	Heatmap *HeatmapRequest
	// Sink, if set, is called once before the first event with the grid
	// being built (engine.GridBuilder.Live) and the map series being
	// recorded (in the order of Maps), and returns the Sink that then
	// receives every event. Its error, or one of the Sink's, ends the run.
	Sink func(g *engine.Grid, maps []*MapSeries) (Sink, error)
	// SeriesName maps an event's Series index to its name.
	SeriesName func(uint16) string
	// CPUs, if set, decides when the run may read ahead on a second
	// goroutine (see Run); nil: whenever runtime.GOMAXPROCS > 1.
	CPUs CPUs
	// Progress, if set, is called about every ProgressEvery events.
	Progress      func(ts engine.Nanos, events int64)
	ProgressEvery int64
}

// Report is everything a run computed.
type Report struct {
	Tally        engine.Tally // event counts (First/Last are grid-step times; Notional etc. are in the grid)
	Daily        []engine.DailyStat
	Grid         *engine.Grid
	Liquidations []liquidation.Liquidation // estimated, in time order
	Episodes     []liquidation.Episode     // cascade episodes, in time order
	Maps         []MapSeries
	Heatmap      []HeatBand        // snapshots in time order, bands nearest first, longs then shorts
	Book         *liquidation.Book // the simulator's final state (nil if off)
}

const checkEvery = 1 << 14

// CPUs lends spare CPUs to runs: a Run reads ahead on a second goroutine
// only while it holds one. A batch uses it to keep the number of busy
// CPUs at its --jobs; TryAcquire must not block.
type CPUs interface {
	TryAcquire() bool
	Release()
}

// spareEvery is how often (in events) a run without a spare CPU asks for
// one again, e.g. when other runs of a batch have finished.
const spareEvery = 1 << 18

// Run replays src through the engine. It checks ctx every few thousand
// events and returns ctx's error, wrapped, when cancelled. It does not
// close src.
//
// With a CPU to spare, src is read ahead, after the first readAheadAfter
// events, on a second goroutine in batches of copied events while this
// one runs the engine: the same events in the same order, so the same
// results. A CPU is spare when runtime.GOMAXPROCS is above 1 and cfg.CPUs,
// if set, lends one (asked again every spareEvery events while it does
// not). Run returns only after that goroutine has stopped calling src.
func Run(ctx context.Context, src engine.Source, cfg Config) (*Report, error) {
	r, err := newRun(cfg)
	if err != nil {
		return nil, err
	}
	err = r.all(ctx, src)
	if err != nil {
		return nil, err
	}
	if err := src.Err(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("run cancelled: %w", err)
	}
	return r.finish(), nil
}

// all runs every event of src, reading ahead once a CPU is spare.
func (r *run) all(ctx context.Context, src engine.Source) error {
	if runtime.GOMAXPROCS(0) == 1 { // one goroutine runs at a time anyway
		return r.serial(ctx, src, math.MaxInt64)
	}
	// The first events are run here directly: a short replay is over
	// before a second goroutine would pay off.
	limit := int64(readAheadAfter)
	for {
		if err := r.serial(ctx, src, limit); err != nil || r.n < limit {
			return err // src is done (or failed)
		}
		if r.cfg.CPUs == nil {
			return r.readAhead(ctx, src)
		}
		if r.cfg.CPUs.TryAcquire() {
			defer r.cfg.CPUs.Release()
			return r.readAhead(ctx, src)
		}
		limit += spareEvery
	}
}

// run is the state of one Run.
type run struct {
	cfg      Config
	every    int64
	rep      *Report
	grid     *engine.GridBuilder
	book     *liquidation.Book
	eps      *liquidation.Episodes
	maps     []MapSeries
	slots    []engine.Nanos // last sampled slot per map request
	heatSlot engine.Nanos
	px       *proxyState
	// Liquidations are collected in fixed-size chunks and joined once at
	// the end: growing one slice of a few hundred thousand would copy it
	// about twenty times.
	liqs liqChunks
	// direct: trades with the simulator on and no OI proxy go straight
	// to Book.OnTrade; everything else goes through OnEvent. sample: map
	// samples or heatmap snapshots are requested.
	direct, sample bool
	sink           Sink         // nil: none
	tally          engine.Tally // event counts
	n              int64        // events so far
	due            int64        // event count of the next call to counted
}

func newRun(cfg Config) (*run, error) {
	step := cfg.GridStep
	if step <= 0 {
		step = 5 * time.Minute
	}
	r := &run{cfg: cfg, every: cfg.ProgressEvery, rep: &Report{}, heatSlot: math.MinInt64, due: checkEvery}
	if r.every <= 0 {
		r.every = 1 << 18
	}
	r.grid = engine.NewGridBuilder(engine.Nanos(step), cfg.SeriesName)
	if cfg.Simulator != nil {
		var err error
		if r.book, err = liquidation.New(*cfg.Simulator); err != nil {
			return nil, err
		}
		rep := r.rep
		r.eps = liquidation.NewEpisodes(*cfg.Simulator, func(e liquidation.Episode) { rep.Episodes = append(rep.Episodes, e) })
	} else if len(cfg.Maps) > 0 {
		return nil, fmt.Errorf("liquidation-map samples need the simulator (simulator.enabled)")
	}
	r.maps = make([]MapSeries, len(cfg.Maps))
	r.slots = make([]engine.Nanos, len(cfg.Maps))
	for i, m := range cfg.Maps {
		if m.Every <= 0 {
			return nil, fmt.Errorf("map request %d: every must be > 0", i)
		}
		r.maps[i] = MapSeries{Above: m.Above, Below: m.Below}
		r.slots[i] = math.MinInt64
	}
	if h := cfg.Heatmap; h != nil {
		if r.book == nil {
			return nil, fmt.Errorf("liquidation heatmap needs the simulator (simulator.enabled)")
		}
		if h.Every <= 0 || !(h.Range > 0 && h.Range <= 1) || !(h.Step > 0 && h.Step <= h.Range) {
			return nil, fmt.Errorf("heatmap: want every > 0, 0 < range <= 1 and 0 < step <= range, got %s, %g, %g", h.Every, h.Range, h.Step)
		}
	}
	if cfg.OIProxy != nil && r.book != nil {
		if cfg.OIProxy.Every <= 0 || cfg.OIProxy.Window <= 0 || cfg.OIProxy.Turnover <= 0 {
			return nil, fmt.Errorf("oi proxy: turnover, window and every must be > 0")
		}
		r.px = &proxyState{cfg: *cfg.OIProxy, slot: math.MinInt64}
	}
	if cfg.Progress != nil {
		r.due = min(r.due, r.every)
	}
	r.direct = r.book != nil && r.px == nil
	r.sample = r.book != nil && (cfg.Heatmap != nil || len(r.maps) > 0)
	if cfg.Sink != nil {
		ptrs := make([]*MapSeries, len(r.maps))
		for i := range r.maps {
			ptrs[i] = &r.maps[i]
		}
		var err error
		if r.sink, err = cfg.Sink(r.grid.Live(), ptrs); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// serial runs the events of src through r on this goroutine until src
// ends or r.n reaches limit.
func (r *run) serial(ctx context.Context, src engine.Source, limit int64) error {
	grid, book := r.grid, r.book
	fast := r.direct && !r.sample // trades need only the tally, the grid and OnTrade
	for r.n < limit && src.Next() {
		e := src.Event()
		if fast && e.Kind == engine.KindTrade { // r.event, inlined for the common case
			r.tally.ByKind[engine.KindTrade]++
			grid.Add(e)
			if ls := book.OnTrade(e); len(ls) > 0 {
				r.record(ls)
			}
		} else {
			r.event(e)
		}
		if r.sink != nil {
			if err := r.sink.Event(e); err != nil {
				return err
			}
		}
		if r.n++; r.n == r.due {
			if err := r.counted(ctx, e, r.n); err != nil {
				return err
			}
		}
	}
	return nil
}

// event feeds one event to the tally, the grid and the simulator and
// takes the samples due.
func (r *run) event(e *engine.Event) {
	r.tally.ByKind[e.Kind]++
	r.grid.Add(e)
	if r.direct && e.Kind == engine.KindTrade {
		if ls := r.book.OnTrade(e); len(ls) > 0 { // usually none: no call
			r.record(ls)
		}
	} else if r.book != nil {
		r.other(e)
	}
	if r.sample && e.Kind == engine.KindTrade {
		r.samples(e)
	}
}

// counted is called after the n-th event e when n reaches r.due: it
// checks ctx every checkEvery events (returning its error, wrapped, when
// the run is cancelled), reports progress every r.every events, and sets
// the next r.due.
func (r *run) counted(ctx context.Context, e *engine.Event, n int64) error {
	if n%checkEvery == 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("run cancelled at %s after %d events: %w", e.TS, n, err)
		}
	}
	if r.cfg.Progress != nil && n%r.every == 0 {
		r.cfg.Progress(e.TS, n)
	}
	r.due = (n/checkEvery + 1) * checkEvery
	if r.cfg.Progress != nil {
		r.due = min(r.due, (n/r.every+1)*r.every)
	}
	return nil
}

// other feeds the simulator an event that is not a direct trade.
func (r *run) other(e *engine.Event) {
	book, px := r.book, r.px
	if px != nil && e.Kind == engine.KindTrade {
		if v, ok := px.add(e); ok && book.Price() > 0 {
			r.record(book.OnOI(e.TS, math.NaN(), v))
		}
	}
	if px == nil || e.Kind != engine.KindOI {
		if ls := book.OnEvent(e); len(ls) > 0 {
			r.record(ls)
		}
	} else if px.cfg.Anchor > 0 {
		px.anchor(e, book.Price())
	}
}

// record keeps the simulator's liquidations and feeds them to the grid
// and the episodes.
func (r *run) record(ls []liquidation.Liquidation) {
	for _, l := range ls {
		r.liqs.add(l)
		side := int8(1)
		if l.Side != perp.Long {
			side = -1
		}
		r.grid.AddEstimatedLiquidation(l.TS, side, l.Notional)
		r.eps.Add(l)
	}
}

// samples takes the heatmap snapshot and map samples due at trade e.
func (r *run) samples(e *engine.Event) {
	book, cfg := r.book, r.cfg
	if cfg.Heatmap != nil {
		if slot := e.TS / engine.Nanos(cfg.Heatmap.Every); slot != r.heatSlot {
			r.heatSlot = slot
			r.rep.Heatmap = appendHeat(r.rep.Heatmap, e.TS, book.Map(book.Price(), cfg.Heatmap.Range, cfg.Heatmap.Range, cfg.Heatmap.Step))
		}
	}
	for i := range r.maps {
		ev := engine.Nanos(cfg.Maps[i].Every)
		slot := e.TS / ev
		if slot == r.slots[i] {
			continue
		}
		r.slots[i] = slot
		m := &r.maps[i]
		lm := book.Map(book.Price(), m.Above, m.Below, math.Max(m.Above, m.Below))
		m.Times = append(m.Times, e.TS)
		m.Shorts = append(m.Shorts, lm.ShortsWithin)
		m.Longs = append(m.Longs, lm.LongsWithin)
	}
}

// finish completes the report after the last event.
func (r *run) finish() *Report {
	rep := r.rep
	rep.Tally = r.tally
	rep.Tally.Events = r.n
	if r.eps != nil {
		r.eps.Flush()
	}
	rep.Liquidations = r.liqs.join()
	rep.Grid = r.grid.Grid()
	rep.Daily = engine.DailyFromGrid(rep.Grid)
	if g := rep.Grid; g.Len() > 0 {
		rep.Tally.First, rep.Tally.Last = g.T0, g.Time(g.Len()-1)
	}
	rep.Maps = r.maps
	rep.Book = r.book
	return rep
}

// Read-ahead: a ring of readAheadDepth batches of readAheadBatch events
// between the reading goroutine and the engine's, about 10 MB: larger
// than a core's cache, so that the reader writes into memory the
// engine's core no longer holds (a ring that fits in cache is slower:
// every batch then moves cache lines back and forth between the cores).
const (
	readAheadBatch = 4096
	readAheadDepth = 64
	readAheadAfter = 1 << 16 // events run directly first
)

// packed is an event in a read-ahead batch: the fields every kind uses;
// an event that also has Value, Aux, Open, High or Low (any bit set:
// funding, OI, bars, ...) is sent whole in the batch's full list. Half
// the size of an Event.
type packed struct {
	ts         engine.Nanos
	price, qty float64
	id         int64
	kind       engine.Kind
	side       int8
	flags      uint8
	full       bool // the next event of the batch's full list
	series     uint16
}

// batch is one slot of the read-ahead ring.
type batch struct {
	evs  []packed
	full []engine.Event
}

func (b *batch) add(e *engine.Event) {
	p := packed{ts: e.TS, price: e.Price, qty: e.Qty, id: e.ID, kind: e.Kind, side: e.Side, flags: e.Flags, series: e.Series}
	if math.Float64bits(e.Value)|math.Float64bits(e.Aux)|math.Float64bits(e.Open)|math.Float64bits(e.High)|math.Float64bits(e.Low) != 0 {
		p.full = true
		b.full = append(b.full, *e)
	}
	b.evs = append(b.evs, p)
}

// ring is a single-producer single-consumer ring of batches. A side
// that finds nothing to do sleeps a little and looks again: the ring
// holds milliseconds of events, so neither side waits on the other's
// sleep, and nothing spins.
type ring struct {
	slots [readAheadDepth]batch
	_     [64]byte      // head and tail on cache lines of their own
	head  atomic.Uint64 // batches consumed
	_     [56]byte
	tail  atomic.Uint64 // batches published
	done  atomic.Bool   // the reader has published its last batch
	stop  atomic.Bool   // the engine wants no more batches
}

// Sleeps of a side that waits: the engine for a batch, the reader for a
// free slot.
const (
	engineWait = time.Millisecond
	readerWait = 200 * time.Microsecond
)

// readAhead runs the events of src through r with src read on its own
// goroutine into batches of copied events. It returns r.event's error;
// either way the reader has stopped when it returns (src.Err is then
// safe to call).
func (r *run) readAhead(ctx context.Context, src engine.Source) error {
	q := &ring{}
	var panicked any // a panic of src's, re-raised on this goroutine
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		defer q.done.Store(true)
		defer func() { panicked = recover() }()
		for t := uint64(0); ; t++ {
			for t-q.head.Load() >= readAheadDepth && !q.stop.Load() {
				time.Sleep(readerWait)
			}
			if q.stop.Load() {
				return
			}
			b := &q.slots[t%readAheadDepth]
			if b.evs == nil {
				b.evs = make([]packed, 0, readAheadBatch)
			}
			b.evs, b.full = b.evs[:0], b.full[:0]
			for len(b.evs) < readAheadBatch && src.Next() {
				b.add(src.Event())
			}
			q.tail.Store(t + 1)
			if len(b.evs) < readAheadBatch { // src is done
				return
			}
		}
	}()
	defer func() {
		// Whatever ends the run (the end of src, an error, a panic of
		// the engine's), the reader stops before Run returns.
		q.stop.Store(true)
		<-exited
		if panicked != nil {
			panic(panicked)
		}
	}()
	var err error
	var ev engine.Event
	for h := uint64(0); err == nil; h++ {
		for q.tail.Load() <= h && !q.done.Load() {
			time.Sleep(engineWait)
		}
		if q.tail.Load() <= h { // done, and nothing left
			break
		}
		b := &q.slots[h%readAheadDepth]
		nf := 0
		for i := range b.evs {
			p := &b.evs[i]
			if p.full {
				ev = b.full[nf]
				nf++
			} else {
				ev = engine.Event{TS: p.ts, Price: p.price, Qty: p.qty, ID: p.id, Kind: p.kind, Side: p.side, Flags: p.flags, Series: p.series}
			}
			r.event(&ev)
			if r.sink != nil {
				if err = r.sink.Event(&ev); err != nil {
					break
				}
			}
			if r.n++; r.n == r.due {
				if err = r.counted(ctx, &ev, r.n); err != nil {
					break
				}
			}
		}
		q.head.Store(h + 1)
	}
	return err
}

// liqChunkLen is the length of one chunk of liqChunks.
const liqChunkLen = 4096

// liqChunks collects liquidations in fixed-size chunks.
type liqChunks struct {
	full [][]liquidation.Liquidation
	cur  []liquidation.Liquidation
	n    int
}

func (c *liqChunks) add(l liquidation.Liquidation) {
	if len(c.cur) == cap(c.cur) {
		if c.cur != nil {
			c.full = append(c.full, c.cur)
		}
		c.cur = make([]liquidation.Liquidation, 0, liqChunkLen)
	}
	c.cur = append(c.cur, l)
	c.n++
}

// join returns every liquidation in order in one slice (nil if none).
func (c *liqChunks) join() []liquidation.Liquidation {
	if c.n == 0 {
		return nil
	}
	out := make([]liquidation.Liquidation, 0, c.n)
	for _, ch := range c.full {
		out = append(out, ch...)
	}
	return append(out, c.cur...)
}

// appendHeat appends the non-empty bands of m.
func appendHeat(dst []HeatBand, ts engine.Nanos, m liquidation.Map) []HeatBand {
	inner := m.Price
	for _, l := range m.Longs {
		if l.Notional > 0 {
			dst = append(dst, HeatBand{TS: ts, Price: m.Price, Side: perp.Long, Lo: l.Price, Hi: inner, Notional: l.Notional})
		}
		inner = l.Price
	}
	inner = m.Price
	for _, l := range m.Shorts {
		if l.Notional > 0 {
			dst = append(dst, HeatBand{TS: ts, Price: m.Price, Side: perp.Short, Lo: inner, Hi: l.Price, Notional: l.Notional})
		}
		inner = l.Price
	}
	return dst
}

// proxyState keeps the volume-rate EMA of an OIProxy.
type proxyState struct {
	cfg     OIProxy
	slot    engine.Nanos // current Every slot
	slotVol float64      // quote volume traded in it
	rate    float64      // EMA of quote volume per second
	started bool
	scale   float64      // anchored scale (1 until an observation)
	aslot   engine.Nanos // last anchor slot
}

// anchor rescales the proxy to an observed OI, once per Anchor slot.
func (p *proxyState) anchor(e *engine.Event, price float64) {
	slot := e.TS / engine.Nanos(p.cfg.Anchor)
	if slot == p.aslot && p.scale != 0 {
		return
	}
	v := e.Value
	if math.IsNaN(v) {
		v = e.Qty * price
	}
	if base := p.rate * p.cfg.Turnover.Seconds(); v > 0 && base > 0 {
		p.scale, p.aslot = v/base, slot
	}
}

// add folds a trade into the current slot; at the first trade of a new
// slot it closes the previous one and returns the proxy OI value.
func (p *proxyState) add(e *engine.Event) (float64, bool) {
	every := engine.Nanos(p.cfg.Every)
	slot := e.TS / every
	emit := false
	if slot != p.slot {
		if p.slot != math.MinInt64 {
			dt := float64(slot-p.slot) * p.cfg.Every.Seconds()
			r := p.slotVol / dt
			if !p.started {
				p.rate, p.started = r, true
			} else {
				a := 1 - math.Exp(-dt/p.cfg.Window.Seconds())
				p.rate += a * (r - p.rate)
			}
			emit = true
		}
		p.slot, p.slotVol = slot, 0
	}
	p.slotVol += e.Price * e.Qty
	scale := p.scale
	if scale == 0 {
		scale = 1
	}
	return scale * p.rate * p.cfg.Turnover.Seconds(), emit
}
