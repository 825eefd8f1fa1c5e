package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/data/parquetfeed"
	"github.com/cascade-research/cascade/engine"
)

// dataFlags are the flags that select a dataset slice.
type dataFlags struct {
	root, exchange, symbol string
	from, to               string
	kinds                  string
}

func (d *dataFlags) register(cmd *cobra.Command, defKinds string) {
	cmd.Flags().StringVar(&d.root, "data", "datasets/synth-demo", "dataset root directory")
	cmd.Flags().StringVar(&d.exchange, "exchange", "synth", "exchange partition")
	cmd.Flags().StringVar(&d.symbol, "symbol", "BTCUSDT", "symbol partition")
	cmd.Flags().StringVar(&d.from, "from", "", "first UTC day or time (YYYY-MM-DD or RFC 3339); default: first day with data")
	cmd.Flags().StringVar(&d.to, "to", "", "last UTC day (inclusive, YYYY-MM-DD) or end time (RFC 3339, exclusive); default: last day with data")
	cmd.Flags().StringVar(&d.kinds, "kinds", defKinds, "comma-separated kinds: trades, bars, funding, oi, liquidations, series")
}

// parseTime parses YYYY-MM-DD (a UTC day; end=true means the end of that
// day) or RFC 3339.
func parseTime(flag, s string, end bool) (engine.Nanos, error) {
	if t, err := time.Parse(dataset.DateLayout, s); err == nil {
		if end {
			t = t.Add(24 * time.Hour)
		}
		return engine.FromTime(t), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return engine.FromTime(t), nil
	}
	return 0, usagef("--%s %q: want a date YYYY-MM-DD or an RFC 3339 time like 2024-08-05T00:00:00Z", flag, s)
}

// options resolves the flags into feed options, defaulting the range to
// the span of the data present.
func (d *dataFlags) options() (parquetfeed.Options, error) {
	opt := parquetfeed.Options{Root: d.root, Exchange: d.exchange, Symbol: d.symbol}
	for _, k := range strings.Split(d.kinds, ",") {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		kind, err := engine.ParseKind(k)
		if err != nil {
			return opt, usagef("--kinds: %v", err)
		}
		opt.Kinds = append(opt.Kinds, kind)
	}
	if len(opt.Kinds) == 0 {
		return opt, usagef("--kinds: want at least one kind")
	}
	var err error
	if d.from != "" {
		if opt.From, err = parseTime("from", d.from, false); err != nil {
			return opt, err
		}
	}
	if d.to != "" {
		if opt.To, err = parseTime("to", d.to, true); err != nil {
			return opt, err
		}
	}
	if d.from == "" || d.to == "" {
		lo, hi, ok, err := span(opt)
		if err != nil {
			return opt, err
		}
		if !ok {
			return opt, fmt.Errorf("no %s data for exchange=%s symbol=%s under %s (generate some with `cascade gen --out %s`)",
				d.kinds, d.exchange, d.symbol, d.root, d.root)
		}
		if d.from == "" {
			opt.From = lo
		}
		if d.to == "" {
			opt.To = hi
		}
	}
	if opt.To <= opt.From {
		return opt, usagef("--to %s is not after --from %s", opt.To, opt.From)
	}
	return opt, nil
}

// span returns the first and last+1 day covered by any requested kind.
func span(opt parquetfeed.Options) (lo, hi engine.Nanos, ok bool, err error) {
	const far = engine.Nanos(1 << 62)
	for _, k := range opt.Kinds {
		days, err := dataset.ListDays(opt.Root, opt.Exchange, opt.Symbol, k, -far, far)
		if err != nil {
			return 0, 0, false, err
		}
		if len(days) == 0 {
			continue
		}
		a, b := engine.FromTime(days[0].Date), engine.FromTime(days[len(days)-1].Date)+engine.Day
		if !ok || a < lo {
			lo = a
		}
		if !ok || b > hi {
			hi = b
		}
		ok = true
	}
	return lo, hi, ok, nil
}

// replaySummary is what `cascade replay --json` prints.
type replaySummary struct {
	From, To        time.Time
	Events          int64
	ByKind          map[string]int64
	Seconds         float64
	EventsPerSecond float64
	Notional        float64
	Gaps            []gapJSON
	PeakRSSBytes    int64
	Stats           map[string]parquetfeed.Stats
}

type gapJSON struct {
	Kind        string
	First, Last string
}

func (a *app) replayCmd() *cobra.Command {
	var d dataFlags
	var asJSON bool
	var batch int
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Replay a dataset as one time-ordered event stream and report throughput",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opt, err := d.options()
			if err != nil {
				return err
			}
			opt.BatchRows = batch
			if cpuProfile != "" {
				stop, err := startCPUProfile(cpuProfile)
				if err != nil {
					return err
				}
				defer stop()
			}
			opt.Logger = a.log
			start := time.Now()
			feed, err := parquetfeed.Open(cmd.Context(), opt)
			if err != nil {
				return err
			}
			tally, err := engine.Drain(cmd.Context(), feed)
			cerr := feed.Close()
			if err != nil {
				return fmt.Errorf("replay: %w", err)
			}
			if cerr != nil {
				return fmt.Errorf("replay: %w", cerr)
			}
			sum := summarize(opt, feed, tally, time.Since(start))
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(sum)
			}
			printSummary(a, sum)
			return nil
		},
	}
	d.register(cmd, "trades,funding,oi")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a machine-readable summary on stdout")
	cmd.Flags().IntVar(&batch, "batch-rows", 0, "rows decoded per column per batch (default 4096)")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile to this file")
	return cmd
}

func summarize(opt parquetfeed.Options, feed *parquetfeed.Feed, t engine.Tally, el time.Duration) replaySummary {
	s := replaySummary{From: opt.From.Time(), To: opt.To.Time(), Events: t.Events, ByKind: map[string]int64{},
		Seconds: el.Seconds(), Notional: t.Notional, Stats: map[string]parquetfeed.Stats{}, PeakRSSBytes: peakRSS()}
	if el > 0 {
		s.EventsPerSecond = float64(t.Events) / el.Seconds()
	}
	for _, k := range opt.Kinds {
		s.ByKind[k.String()] = t.ByKind[k]
		if k == engine.KindBar {
			s.ByKind["trades (bar path)"] = t.ByKind[engine.KindTrade]
		}
	}
	for k, st := range feed.Stats() {
		s.Stats[k.String()] = st
	}
	for _, g := range feed.Gaps() {
		s.Gaps = append(s.Gaps, gapJSON{g.Kind.String(), g.First.Format(dataset.DateLayout), g.Last.Format(dataset.DateLayout)})
	}
	return s
}

func printSummary(a *app, s replaySummary) {
	w := a.stdout
	fmt.Fprintf(w, "replayed %s .. %s\n", s.From.Format(time.RFC3339), s.To.Format(time.RFC3339))
	for _, k := range engine.AllKinds() {
		if n, ok := s.ByKind[k.String()]; ok {
			fmt.Fprintf(w, "  %-13s %12d events\n", k, n)
		}
	}
	if n, ok := s.ByKind["trades (bar path)"]; ok {
		fmt.Fprintf(w, "  %-13s %12d events (intra-bar path)\n", "bar path", n)
	}
	fmt.Fprintf(w, "  %d events in %.2fs: %.2f M events/s; traded notional %.6g; peak RSS %.1f MiB\n",
		s.Events, s.Seconds, s.EventsPerSecond/1e6, s.Notional, float64(s.PeakRSSBytes)/(1<<20))
	if len(s.Gaps) == 0 {
		fmt.Fprintln(w, "  no missing days")
		return
	}
	fmt.Fprintf(w, "  missing days (%d runs):\n", len(s.Gaps))
	for i, g := range s.Gaps {
		if i == 20 {
			fmt.Fprintf(w, "    ... and %d more\n", len(s.Gaps)-20)
			break
		}
		if g.First == g.Last {
			fmt.Fprintf(w, "    %-13s %s\n", g.Kind, g.First)
		} else {
			fmt.Fprintf(w, "    %-13s %s .. %s\n", g.Kind, g.First, g.Last)
		}
	}
}

// startCPUProfile starts a pprof CPU profile written to path.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// peakRSS returns the process's peak resident set size in bytes.
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return ru.Maxrss
	}
	return ru.Maxrss * 1024
}
