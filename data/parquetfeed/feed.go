package parquetfeed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

// ErrNoData reports a requested kind with no data in the requested range.
var ErrNoData = errors.New("no data")

// DefaultBatchRows is the default number of rows decoded per column per
// batch.
const DefaultBatchRows = 4096

// Options selects what to replay.
type Options struct {
	Root     string
	Exchange string
	Symbol   string
	From, To engine.Nanos  // half-open range [From, To)
	Kinds    []engine.Kind // kinds to merge; at least one
	// BatchRows is the number of rows decoded per column per batch
	// (DefaultBatchRows if 0). It does not change the events yielded.
	BatchRows int
	// AllowMissing, when true, lets a requested kind have no data in the
	// range (it then yields nothing) instead of failing with ErrNoData.
	AllowMissing bool
	Logger       *slog.Logger
	// Series, if set, is the series-name registry to use: give feeds that
	// will be merged the same one. Nil: a registry of the feed's own.
	Series *SeriesNames
}

// Gap is a run of consecutive UTC days with no partition for a kind.
type Gap struct {
	Kind        engine.Kind
	First, Last time.Time // inclusive days
}

// Feed is the merged, time-ordered replay of several kinds. It implements
// engine.Source.
type Feed struct {
	mergeState
	sources []*kindSource
	series  *SeriesNames
	gaps    []Gap
	days    map[engine.Kind]int
}

// Open lists the day partitions of each requested kind in [From, To) and
// returns a Feed over them. It fails with ErrNoData (wrapped, naming the
// kind, dataset and range) when a requested kind has no partition in the
// range, unless AllowMissing is set. Files are opened lazily as the replay
// reaches them.
func Open(ctx context.Context, opt Options) (*Feed, error) {
	if len(opt.Kinds) == 0 {
		return nil, errors.New("open feed: no kinds requested")
	}
	if opt.To <= opt.From {
		return nil, fmt.Errorf("open feed: empty range [%s, %s)", opt.From, opt.To)
	}
	if opt.BatchRows <= 0 {
		opt.BatchRows = DefaultBatchRows
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	series := opt.Series
	if series == nil {
		series = NewSeriesNames()
	}
	f := &Feed{series: series, days: map[engine.Kind]int{}}
	seen := map[engine.Kind]bool{}
	for _, k := range opt.Kinds {
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, ok := kindColumns[k]; !ok {
			return nil, fmt.Errorf("open feed: unsupported kind %s", k)
		}
		days, err := dataset.ListDays(opt.Root, opt.Exchange, opt.Symbol, k, opt.From, opt.To)
		if err != nil {
			return nil, fmt.Errorf("open feed: %w", err)
		}
		if len(days) == 0 && !opt.AllowMissing {
			return nil, fmt.Errorf("open feed: %w for kind %s of exchange=%s symbol=%s in [%s, %s) under %s",
				ErrNoData, k, opt.Exchange, opt.Symbol, opt.From.Time().Format(time.RFC3339), opt.To.Time().Format(time.RFC3339), opt.Root)
		}
		f.days[k] = len(days)
		for _, g := range dataset.DayRanges(dataset.MissingDays(days, opt.From, opt.To)) {
			f.gaps = append(f.gaps, Gap{Kind: k, First: g[0], Last: g[1]})
		}
		s := newKindSource(ctx, k, days, opt.From, opt.To, opt.BatchRows, f.series)
		f.sources = append(f.sources, s)
		log.Debug("feed kind", "kind", k, "days", len(days))
	}
	return f, nil
}

// Gaps returns, per kind, the runs of days in the range with no data.
// Sparse kinds (funding, series) legitimately skip days in some datasets;
// the caller decides what a gap means.
func (f *Feed) Gaps() []Gap { return f.gaps }

// Days returns the number of day partitions found for kind k.
func (f *Feed) Days(k engine.Kind) int { return f.days[k] }

// SeriesNames returns the names of series seen so far; Event.Series indexes
// this slice.
func (f *Feed) SeriesNames() []string { return f.series.names }

// Stats returns read statistics per kind, in the order the kinds were
// requested.
func (f *Feed) Stats() map[engine.Kind]Stats {
	out := make(map[engine.Kind]Stats, len(f.sources))
	for _, s := range f.sources {
		out[s.kind] = s.stats
	}
	return out
}
