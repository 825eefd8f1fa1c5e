// Package replay drives one run of the engine: the event loop over a
// time-ordered engine.Source that feeds, for every event, the run's tally,
// the daily statistics, the sampling grid and the market-wide liquidation
// simulator, and samples the liquidation map for the hypotheses that need
// it. Everything it returns is computed in memory, deterministically, from
// the events alone.
//
// The loop is concrete: no interface call per event except the source's
// Next/Event, and no allocation per event unless something is recorded
// (a liquidation, a grid row, a map sample).
package replay

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
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

// MapSeries holds the samples of one MapRequest.
type MapSeries struct {
	Above, Below  float64
	Times         []engine.Nanos
	Shorts, Longs []float64
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
	// SeriesName maps an event's Series index to its name.
	SeriesName func(uint16) string
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

// Run replays src through the engine. It checks ctx every few thousand
// events and returns ctx's error, wrapped, when cancelled. It does not
// close src.
func Run(ctx context.Context, src engine.Source, cfg Config) (*Report, error) {
	step := cfg.GridStep
	if step <= 0 {
		step = 5 * time.Minute
	}
	every := cfg.ProgressEvery
	if every <= 0 {
		every = 1 << 18
	}
	rep := &Report{}
	grid := engine.NewGridBuilder(engine.Nanos(step), cfg.SeriesName)
	var book *liquidation.Book
	var eps *liquidation.Episodes
	if cfg.Simulator != nil {
		var err error
		if book, err = liquidation.New(*cfg.Simulator); err != nil {
			return nil, err
		}
		eps = liquidation.NewEpisodes(*cfg.Simulator, func(e liquidation.Episode) { rep.Episodes = append(rep.Episodes, e) })
	} else if len(cfg.Maps) > 0 {
		return nil, fmt.Errorf("liquidation-map samples need the simulator (simulator.enabled)")
	}
	maps := make([]MapSeries, len(cfg.Maps))
	slots := make([]engine.Nanos, len(cfg.Maps)) // last sampled slot per request
	for i, m := range cfg.Maps {
		if m.Every <= 0 {
			return nil, fmt.Errorf("map request %d: every must be > 0", i)
		}
		maps[i] = MapSeries{Above: m.Above, Below: m.Below}
		slots[i] = math.MinInt64
	}
	heatSlot := engine.Nanos(math.MinInt64)
	if h := cfg.Heatmap; h != nil {
		if book == nil {
			return nil, fmt.Errorf("liquidation heatmap needs the simulator (simulator.enabled)")
		}
		if h.Every <= 0 || !(h.Range > 0 && h.Range <= 1) || !(h.Step > 0 && h.Step <= h.Range) {
			return nil, fmt.Errorf("heatmap: want every > 0, 0 < range <= 1 and 0 < step <= range, got %s, %g, %g", h.Every, h.Range, h.Step)
		}
	}
	var px *proxyState
	if cfg.OIProxy != nil && book != nil {
		if cfg.OIProxy.Every <= 0 || cfg.OIProxy.Window <= 0 || cfg.OIProxy.Turnover <= 0 {
			return nil, fmt.Errorf("oi proxy: turnover, window and every must be > 0")
		}
		px = &proxyState{cfg: *cfg.OIProxy, slot: math.MinInt64}
	}
	record := func(ls []liquidation.Liquidation) {
		for _, l := range ls {
			rep.Liquidations = append(rep.Liquidations, l)
			side := int8(1)
			if l.Side != perp.Long {
				side = -1
			}
			grid.AddEstimatedLiquidation(l.TS, side, l.Notional)
			eps.Add(l)
		}
	}
	var n int64
	for src.Next() {
		e := src.Event()
		rep.Tally.Events++
		rep.Tally.ByKind[e.Kind]++
		grid.Add(e)
		if book != nil {
			if px != nil && e.Kind == engine.KindTrade {
				if v, ok := px.add(e); ok && book.Price() > 0 {
					record(book.OnOI(e.TS, math.NaN(), v))
				}
			}
			if px == nil || e.Kind != engine.KindOI {
				if ls := book.OnEvent(e); len(ls) > 0 { // usually none: no call
					record(ls)
				}
			} else if px.cfg.Anchor > 0 {
				px.anchor(e, book.Price())
			}
			if cfg.Heatmap != nil && e.Kind == engine.KindTrade {
				if slot := e.TS / engine.Nanos(cfg.Heatmap.Every); slot != heatSlot {
					heatSlot = slot
					rep.Heatmap = appendHeat(rep.Heatmap, e.TS, book.Map(book.Price(), cfg.Heatmap.Range, cfg.Heatmap.Range, cfg.Heatmap.Step))
				}
			}
			if len(maps) > 0 && e.Kind == engine.KindTrade {
				for i := range maps {
					ev := engine.Nanos(cfg.Maps[i].Every)
					slot := e.TS / ev
					if slot == slots[i] {
						continue
					}
					slots[i] = slot
					m := &maps[i]
					lm := book.Map(book.Price(), m.Above, m.Below, math.Max(m.Above, m.Below))
					m.Times = append(m.Times, e.TS)
					m.Shorts = append(m.Shorts, lm.ShortsWithin)
					m.Longs = append(m.Longs, lm.LongsWithin)
				}
			}
		}
		n++
		if n&(checkEvery-1) == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("run cancelled at %s after %d events: %w", e.TS, n, err)
			}
		}
		if cfg.Progress != nil && n%every == 0 {
			cfg.Progress(e.TS, n)
		}
	}
	if err := src.Err(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("run cancelled: %w", err)
	}
	if eps != nil {
		eps.Flush()
	}
	rep.Grid = grid.Grid()
	rep.Daily = engine.DailyFromGrid(rep.Grid)
	if g := rep.Grid; g.Len() > 0 {
		rep.Tally.First, rep.Tally.Last = g.T0, g.Time(g.Len()-1)
	}
	rep.Maps = maps
	rep.Book = book
	return rep, nil
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
