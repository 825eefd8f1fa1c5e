package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/cascade-research/cascade/data/parquetfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/engine/perp"
	"github.com/cascade-research/cascade/engine/replay"
	"github.com/cascade-research/cascade/results"
	"github.com/cascade-research/cascade/scenarios"
)

// Output is what Compute produces.
type Output struct {
	Tables []results.Table
	// DataQuality lists the assumptions the data forced (e.g. the OI
	// proxy), recorded in runs.data_quality.
	DataQuality string
	Events      int64
	Digest      string
	Gaps        []parquetfeed.Gap
	Report      *replay.Report
}

// ComputeOptions tunes Compute.
type ComputeOptions struct {
	Logger *slog.Logger
	// Progress, if set, is called during the replay with the current event
	// time and event count.
	Progress func(ts engine.Nanos, events int64)
	// BatchRows is the reader's batch size (0: default). Results do not
	// depend on it.
	BatchRows int
	// CPUs, if set, lends the replay a second CPU to read ahead on (see
	// replay.Run); nil: whenever GOMAXPROCS > 1. Results do not depend on
	// it.
	CPUs replay.CPUs
}

// hasKind reports whether any partition of the job reads kind k.
func hasKind(j *Job, k engine.Kind) bool {
	for _, x := range j.Kinds {
		if x == k {
			return true
		}
	}
	for _, p := range j.Extra {
		for _, x := range p.Kinds {
			if x == k {
				return true
			}
		}
	}
	return false
}

// SimulatorConfig converts a scenario's simulator settings into the
// simulator's configuration.
func SimulatorConfig(s scenarios.Simulator) (liquidation.Config, error) {
	tiers := make([]perp.Bracket, len(s.Brackets))
	for i, b := range s.Brackets {
		tiers[i] = perp.Bracket{Floor: b.Floor, Cap: b.Cap, MaxLeverage: b.MaxLeverage, MMR: b.MMR}
	}
	bs, err := perp.NewBrackets(tiers)
	if err != nil {
		return liquidation.Config{}, fmt.Errorf("simulator.brackets: %w", err)
	}
	c := liquidation.DefaultConfig()
	c.PriceBin = s.PriceBin
	c.Leverage = s.Leverage
	c.AggressorWeights = s.AggressorWeights
	c.PassiveWeights = s.PassiveWeights
	c.Outflow = liquidation.OutflowRule(s.Outflow)
	c.Brackets = bs
	c.Funding = s.Funding
	c.InflowInterval = s.InflowInterval
	c.Impact.Model = s.Impact.Model
	c.Impact.Coefficient = s.Impact.Coefficient
	c.Impact.Window = s.Impact.Window
	c.CascadeGap = s.CascadeGap
	c.WaveGap = s.WaveGap
	c.EpisodeMinNotional = s.MinEpisode
	c.LeveragedShare = s.LeveragedShare
	c.AccountNotional = s.AccountNotional
	c.HoldHalfLife = s.HoldHalfLife
	c.FundingTilt = s.FundingTilt
	c.EpisodeBucket = s.EpisodeBucket
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// Compute replays the job's data through the engine and builds the result
// tables and their digest. It opens no database.
func Compute(ctx context.Context, j *Job, opt ComputeOptions) (*Output, error) {
	s := j.Scenario
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hyp := hypothesisSpecs(s)
	plan, err := planStrategies(s)
	if err != nil {
		return nil, err
	}
	cfg := replay.Config{GridStep: s.Stats.Step, Progress: opt.Progress, Sink: plan.sink(j), CPUs: opt.CPUs}
	if s.Simulator.Enabled {
		sim, err := SimulatorConfig(s.Simulator)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Source, err)
		}
		cfg.Simulator = &sim
		if cfg.Maps, err = mapRequests(slices.Concat(hyp, compositeMapSpecs(s), plan.mapSpecs())); err != nil {
			return nil, err
		}
		if r := s.Report; r.HeatmapEvery > 0 {
			cfg.Heatmap = &replay.HeatmapRequest{Every: r.HeatmapEvery, Range: r.HeatmapRange, Step: r.HeatmapStep}
		}
	}
	var quality []string
	sim := s.Simulator
	switch {
	case sim.Enabled && !hasKind(j, engine.KindOI):
		cfg.OIProxy = &replay.OIProxy{Turnover: sim.OIProxyTurnover, Window: sim.OIProxyWindow, Every: sim.InflowInterval}
		quality = append(quality, fmt.Sprintf("oi: volume proxy (turnover %s, window %s)", sim.OIProxyTurnover, sim.OIProxyWindow))
	case sim.Enabled && sim.OISpread > 0:
		cfg.OIProxy = &replay.OIProxy{Turnover: sim.OIProxyTurnover, Window: sim.OIProxyWindow, Every: sim.InflowInterval, Anchor: sim.OISpread}
		quality = append(quality, fmt.Sprintf("oi: one observation per %s, spread over it by volume", sim.OISpread))
	case sim.Enabled && sim.InflowInterval >= 24*time.Hour:
		quality = append(quality, "oi: daily")
	}
	if hasKind(j, engine.KindBar) && !hasKind(j, engine.KindTrade) {
		quality = append(quality, "price: bars (intra-bar path assumed)")
	}
	cov, err := j.quality()
	if err != nil {
		return nil, err
	}
	cov.runLevel = quality
	rep, gaps, err := replayParts(ctx, j, cfg, log, opt.BatchRows)
	if err != nil {
		return nil, err
	}
	out := &Output{Events: rep.Tally.Events, Report: rep, DataQuality: cov.span(j, j.From, j.To), Gaps: gaps}
	for _, g := range out.Gaps {
		if cov.covered(g.Kind, g.First, g.Last) {
			log.Info("missing days covered by a fallback", "scenario", s.Name, "kind", g.Kind, "first", g.First.Format("2006-01-02"), "last", g.Last.Format("2006-01-02"))
			continue
		}
		log.Warn("missing days", "scenario", s.Name, "kind", g.Kind, "first", g.First.Format("2006-01-02"), "last", g.Last.Format("2006-01-02"))
	}
	out.Tables = []results.Table{results.MarketDaily(rep.Daily, rep.Book != nil), results.MarketBars(rep.Grid, s.Report.BarsEvery, rep.Book != nil)}
	if rep.Book != nil {
		out.Tables = append(out.Tables, results.Liquidations(rep.Liquidations), results.Cascades(rep.Episodes, rep.Grid, liquidation.DefaultCascadeRule),
			results.LiqHeatmap(rep.Heatmap))
	}
	hypTables, err := evaluateHypotheses(s, rep, hyp)
	if err != nil {
		return nil, err
	}
	out.Tables = append(out.Tables, hypTables...)
	stratTables, err := plan.finish(j, rep.Grid)
	if err != nil {
		return nil, err
	}
	out.Tables = append(out.Tables, stratTables...)
	addQuality(out.Tables, j, cov, rep.Grid)
	out.Digest, err = results.Digest(out.Tables)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// openParts opens a feed per partition of the job (sharing series names)
// and merges them. close releases the feeds; gaps lists the missing days
// the feeds met (complete once the source is drained).
func openParts(ctx context.Context, j *Job, log *slog.Logger, batchRows int) (src engine.Source, series *parquetfeed.SeriesNames,
	gaps func() []parquetfeed.Gap, close func(), err error) {
	s := j.Scenario
	series = parquetfeed.NewSeriesNames()
	parts := append([]Part{{Exchange: s.Data.Exchange, Symbol: s.Data.Symbol, Kinds: j.Kinds}}, j.Extra...)
	var feeds []*parquetfeed.Feed
	close = func() {
		for _, f := range feeds {
			f.Close()
		}
	}
	type span struct {
		p        Part
		from, to engine.Nanos
	}
	var spans []span
	for _, p := range parts {
		spans = append(spans, span{p, j.From, j.To})
	}
	for _, fb := range j.Fallback {
		for _, r := range fb.Ranges {
			spans = append(spans, span{fb.Part, r[0], r[1]})
		}
	}
	for _, sp := range spans {
		p := sp.p
		f, err := parquetfeed.Open(ctx, parquetfeed.Options{Root: s.Data.Root, Exchange: p.Exchange, Symbol: p.Symbol,
			From: sp.from, To: sp.to, Kinds: p.Kinds, Logger: log, BatchRows: batchRows, Series: series})
		if err != nil {
			close()
			return nil, nil, nil, nil, err
		}
		feeds = append(feeds, f)
	}
	src = feeds[0]
	if len(feeds) > 1 {
		srcs := make([]engine.Source, len(feeds))
		for i, f := range feeds {
			srcs[i] = f
		}
		src = engine.Merge(srcs...)
	}
	gaps = func() []parquetfeed.Gap {
		var out []parquetfeed.Gap
		for _, f := range feeds {
			out = append(out, f.Gaps()...)
		}
		return out
	}
	return src, series, gaps, close, nil
}

// replayParts opens the job's partitions and runs the replay.
func replayParts(ctx context.Context, j *Job, cfg replay.Config, log *slog.Logger, batchRows int) (*replay.Report, []parquetfeed.Gap, error) {
	src, series, gaps, closeFeeds, err := openParts(ctx, j, log, batchRows)
	if err != nil {
		return nil, nil, err
	}
	defer closeFeeds()
	cfg.SeriesName = series.Name
	rep, err := replay.Run(ctx, src, cfg)
	if err != nil {
		return nil, nil, err
	}
	return rep, gaps(), nil
}
