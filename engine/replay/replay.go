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

// Config configures a run.
type Config struct {
	// GridStep is the step of the sampling grid (default 5m).
	GridStep time.Duration
	// Simulator configures the liquidation simulator; nil turns it off.
	Simulator *liquidation.Config
	// Maps lists the liquidation-map samples to record (needs Simulator).
	Maps []MapRequest
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
	var n int64
	for src.Next() {
		e := src.Event()
		rep.Tally.Events++
		rep.Tally.ByKind[e.Kind]++
		grid.Add(e)
		if book != nil {
			for _, l := range book.OnEvent(e) {
				rep.Liquidations = append(rep.Liquidations, l)
				side := int8(1)
				if l.Side != perp.Long {
					side = -1
				}
				grid.AddEstimatedLiquidation(l.TS, side, l.Notional)
				eps.Add(l)
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
