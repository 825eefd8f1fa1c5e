package engine

import (
	"context"
	"fmt"
)

// RunConfig configures one replay through the engine.
type RunConfig struct {
	// Progress, if set, is called about every ProgressEvery events with the
	// current event time and the number of events so far.
	Progress      func(ts Nanos, events int64)
	ProgressEvery int64 // default 1<<18
}

// Report is everything a run computed, in deterministic order. Later
// layers (simulator, hypotheses, strategies) add their outputs here.
type Report struct {
	Tally Tally
	Daily []DailyStat
}

// Run replays src through the engine and returns its report. It checks ctx
// every few thousand events and returns ctx's error, wrapped, when
// cancelled. It does not close src.
func Run(ctx context.Context, src Source, cfg RunConfig) (*Report, error) {
	every := cfg.ProgressEvery
	if every <= 0 {
		every = 1 << 18
	}
	var rep Report
	var daily DailyStats
	var n int64
	for src.Next() {
		e := src.Event()
		rep.Tally.Add(e)
		daily.Add(e)
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
	rep.Daily = daily.Rows()
	return &rep, nil
}
