package pipeline

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cascade-research/cascade/data/parquetfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/results"
)

// Output is what Compute produces.
type Output struct {
	Tables []results.Table
	Events int64
	Digest string
	Gaps   []parquetfeed.Gap
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
}

// Compute replays the job's data through the engine and builds the result
// tables and their digest. It opens no database.
func Compute(ctx context.Context, j *Job, opt ComputeOptions) (*Output, error) {
	s := j.Scenario
	for _, h := range s.Hypotheses {
		return nil, fmt.Errorf("hypothesis %s is defined and validated but not implemented in this version; remove it from %s to run the rest", h.Name, s.Source)
	}
	for _, st := range s.Strategies {
		return nil, fmt.Errorf("strategy %s is not implemented in this version", st.Name)
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	feed, err := parquetfeed.Open(ctx, parquetfeed.Options{Root: s.Data.Root, Exchange: s.Data.Exchange, Symbol: s.Data.Symbol,
		From: j.From, To: j.To, Kinds: j.Kinds, Logger: log, BatchRows: opt.BatchRows})
	if err != nil {
		return nil, err
	}
	defer feed.Close()
	rep, err := engine.Run(ctx, feed, engine.RunConfig{Progress: opt.Progress})
	if err != nil {
		return nil, err
	}
	out := &Output{Events: rep.Tally.Events, Gaps: feed.Gaps()}
	for _, g := range out.Gaps {
		log.Warn("missing days", "scenario", s.Name, "kind", g.Kind, "first", g.First.Format("2006-01-02"), "last", g.Last.Format("2006-01-02"))
	}
	out.Tables = []results.Table{results.MarketDaily(rep.Daily)}
	out.Digest, err = results.Digest(out.Tables)
	if err != nil {
		return nil, err
	}
	return out, nil
}
