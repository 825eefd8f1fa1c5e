package synth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

// Generate writes the synthetic market of every symbol in cfg into the
// dataset rooted at out: trades, 1-minute bars, 8-hour funding and 5-minute
// open interest, one Parquet file per kind and UTC day (via
// dataset.Writer), and the ground-truth table at TruthPath(out, exchange,
// symbol).
//
// Days are generated in order and streamed: while day d is generated, up
// to two earlier days are being encoded by writer goroutines, so memory is
// bounded by a few days of one symbol. Each day's files are the same
// whatever the interleaving. Symbols are generated one after another, each from its own
// random streams, so a symbol's data does not depend on the others listed.
// ctx is checked between days; on cancellation or error the days already
// written stay on disk and no truth table is written. log may be nil.
func Generate(ctx context.Context, out string, cfg Config, log *slog.Logger) (Summary, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var sum Summary
	for _, sym := range cfg.Symbols {
		s, err := generateSymbol(ctx, out, cfg, sym, log)
		sum.Symbols = append(sum.Symbols, s)
		if err != nil {
			return sum, err
		}
		log.Info("generated", "symbol", sym, "days", s.Days, "trades", s.Trades, "truth", s.Truth, "elapsed", s.Elapsed)
	}
	return sum, nil
}

func generateSymbol(ctx context.Context, out string, cfg Config, sym string, log *slog.Logger) (s SymbolSummary, err error) {
	t0 := time.Now()
	s = SymbolSummary{Symbol: sym}
	defer func() { s.Elapsed = time.Since(t0) }()

	// Writer goroutines encode days and hand the buffers back; the first
	// error is reported on errc and later days are skipped.
	w := dataset.Writer{Root: out, Exchange: cfg.Exchange, Symbol: sym, RowGroupRows: cfg.RowGroupRows}
	work := make(chan *dayTables)
	free := make(chan *dayTables, writers+1)
	for range writers + 1 {
		free <- new(dayTables)
	}
	errc := make(chan error, 1)
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				if !failed.Load() {
					if err := writeDay(&w, d); err != nil && failed.CompareAndSwap(false, true) {
						errc <- err
					}
				}
				free <- d
			}
		}()
	}
	stop := func() error {
		close(work)
		wg.Wait()
		select {
		case err := <-errc:
			return err
		default:
			return nil
		}
	}

	g := newGen(cfg, sym)
	for day := cfg.Start.UTC(); day.Before(cfg.End); day = day.AddDate(0, 0, 1) {
		if err := ctx.Err(); err != nil {
			return s, errors.Join(fmt.Errorf("generating %s at %s: %w", sym, day.Format(time.DateOnly), err), stop())
		}
		var d *dayTables
		select {
		case d = <-free:
		case err := <-errc:
			errc <- err
			return s, stop()
		}
		g.genDay(engine.FromTime(day), d)
		s.Days++
		s.Trades += int64(d.trades.Len())
		s.Bars += int64(d.bars.Len())
		s.Funding += int64(d.funding.Len())
		s.OI += int64(d.oi.Len())
		log.Debug("day", "symbol", sym, "date", day.Format(time.DateOnly), "trades", d.trades.Len(), "close", d.bars.Close[len(d.bars.Close)-1])
		work <- d
	}
	if err := stop(); err != nil {
		return s, err
	}
	truth := g.finish()
	s.TruthPath = TruthPath(out, cfg.Exchange, sym)
	s.Truth = len(truth)
	return s, WriteTruth(s.TruthPath, truth)
}

// writers is the number of goroutines encoding days concurrently with the
// generator.
const writers = 2

func writeDay(w *dataset.Writer, d *dayTables) error {
	for _, t := range d.tables() {
		if _, err := w.Write(t); err != nil {
			return err
		}
	}
	return nil
}
