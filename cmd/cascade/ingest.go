package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/data/ingest"
	"github.com/cascade-research/cascade/engine"
)

// ingestFlags are shared by the ingest subcommands that take files.
type ingestFlags struct {
	exchange, symbol, out string
	interval              string
	window                windowFlags
}

// windowFlags are the flags every ingest subcommand shares.
type windowFlags struct {
	from, to string
	skipBad  bool
	dryRun   bool
}

func (w *windowFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&w.from, "from", "", "import only rows at or after this UTC day (YYYY-MM-DD) or RFC 3339 time")
	cmd.Flags().StringVar(&w.to, "to", "", "import only rows before the end of this UTC day (YYYY-MM-DD, inclusive) or this RFC 3339 time")
	cmd.Flags().BoolVar(&w.skipBad, "skip-bad", false, "skip bad rows (counted) instead of failing")
	cmd.Flags().BoolVar(&w.dryRun, "dry-run", false, "parse, check and merge in memory, but write nothing")
}

func (w *windowFlags) apply(o *ingest.Options) error {
	o.SkipBad, o.DryRun = w.skipBad, w.dryRun
	var err error
	if w.from != "" {
		if o.From, err = parseTime("from", w.from, false); err != nil {
			return err
		}
	}
	if w.to != "" {
		if o.To, err = parseTime("to", w.to, true); err != nil {
			return err
		}
	}
	if o.From != 0 && o.To != 0 && o.To <= o.From {
		return usagef("--to must be after --from")
	}
	return nil
}

func (f *ingestFlags) register(cmd *cobra.Command, defExchange string) {
	cmd.Flags().StringVar(&f.exchange, "exchange", defExchange, "exchange partition to write (required)")
	cmd.Flags().StringVar(&f.symbol, "symbol", "", "symbol partition to write (required)")
	cmd.Flags().StringVar(&f.out, "out", "", "dataset root directory (required)")
	cmd.Flags().StringVar(&f.interval, "interval", "", "bars only: interval such as 1m, 1h, 1d (default: mapping, file name, close_time or row spacing)")
	f.window.register(cmd)
	cmd.MarkFlagRequired("symbol")
	cmd.MarkFlagRequired("out")
}

func (f *ingestFlags) options(a *app) (ingest.Options, error) {
	o := ingest.Options{Root: f.out, Exchange: f.exchange, Symbol: f.symbol, Log: a.log}
	if err := f.window.apply(&o); err != nil {
		return o, err
	}
	if f.interval != "" {
		d, err := dataset.ParseInterval(f.interval)
		if err != nil {
			return o, usagef("--interval: %v", err)
		}
		o.Interval = d
	}
	if err := errors.Join(ingest.CheckName("--exchange", f.exchange), ingest.CheckName("--symbol", f.symbol)); err != nil {
		return o, usageError{err}
	}
	return o, nil
}

// ingestErr marks input errors as the user's (exit code 2).
func ingestErr(err error) error {
	if errors.Is(err, ingest.ErrBadInput) {
		return usageError{err}
	}
	return err
}

func (a *app) ingestCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Import exchange or vendor files into a dataset",
		Long: `Import exchange dumps and vendor files into a Cascade dataset (see docs/ingest.md).

Every import merges into the day files already present: rows with the same key
are de-duplicated (the newer import wins a conflict, and conflicts are counted),
so importing the same files twice changes nothing.`,
	}
	cmd.AddCommand(a.ingestBinanceCmd(), a.ingestCSVCmd(), a.ingestRealCmd(), a.ingestMappingsCmd())
	return cmd
}

func (a *app) ingestBinanceCmd() *cobra.Command {
	var f ingestFlags
	var kind string
	cmd := &cobra.Command{
		Use:   "binance --kind aggTrades|trades|klines|fundingRate|metrics --symbol S --out DIR FILES...",
		Short: "Import Binance public-data files (data.binance.vision; CSV or .zip, with or without header)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			m, err := ingest.BinanceMapping(kind)
			if err != nil {
				return usagef("--kind: %v", err)
			}
			return a.runImport(cmd, m, files, &f)
		},
	}
	f.register(cmd, "binance")
	cmd.Flags().StringVar(&kind, "kind", "", "file kind: aggTrades, trades, klines, fundingRate or metrics (required)")
	cmd.MarkFlagRequired("kind")
	return cmd
}

func (a *app) ingestCSVCmd() *cobra.Command {
	var f ingestFlags
	var mapping string
	cmd := &cobra.Command{
		Use:   "csv --mapping NAME|FILE.yaml --exchange E --symbol S --out DIR FILES...",
		Short: "Import CSV, JSON-lines or JSON files described by a YAML mapping",
		Long: `Import CSV, JSON-lines or JSON files described by a YAML mapping file, or by
the name of a mapping shipped with cascade (list them with 'cascade ingest mappings').
The mapping format is described in docs/ingest.md.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			m, err := ingest.LoadMapping(mapping)
			if err != nil {
				return usageError{err}
			}
			return a.runImport(cmd, m, files, &f)
		},
	}
	f.register(cmd, "")
	cmd.Flags().StringVar(&mapping, "mapping", "", "mapping YAML file or shipped mapping name (required)")
	cmd.MarkFlagRequired("mapping")
	cmd.MarkFlagRequired("exchange")
	return cmd
}

func (a *app) runImport(cmd *cobra.Command, m *ingest.Mapping, files []string, f *ingestFlags) error {
	o, err := f.options(a)
	if err != nil {
		return err
	}
	start := time.Now()
	st, err := ingest.Import(cmd.Context(), m, files, o)
	if err == nil || st.Days > 0 { // on error, show what was written before it
		w := cmd.OutOrStdout()
		fmt.Fprintf(w, "%s/%s -> %s (mapping %s, %s)\n", f.exchange, f.symbol, f.out, m.Name, time.Since(start).Round(time.Millisecond))
		printStats(w, []ingest.Stats{st})
	}
	return ingestErr(err)
}

func (a *app) ingestRealCmd() *cobra.Command {
	var shared, out string
	var workers int
	var win windowFlags
	cmd := &cobra.Command{
		Use:   "real --shared DIR --out DIR",
		Short: "Import every file of the shared real-data folder with the shipped mappings",
		Long: `Import every file of the shared real-data folder (its layout and units are
described in its SOURCES.md) with the shipped mappings, following the built-in
manifest (data/ingest/real.yaml): which files, which mapping, and which
exchange/symbol they go to. Spot data goes to exchange binance-spot, the
USDⓈ-M perpetual to binance. Re-running it changes nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := ingest.Options{Root: out, Log: a.log}
			if err := win.apply(&o); err != nil {
				return err
			}
			start := time.Now()
			rep, err := ingest.ImportReal(cmd.Context(), shared, workers, o)
			if rep != nil {
				printReal(cmd.OutOrStdout(), rep, time.Since(start))
			}
			return ingestErr(err)
		},
	}
	cmd.Flags().StringVar(&shared, "shared", "../shared/data/real", "the shared real-data folder")
	cmd.Flags().StringVar(&out, "out", "", "dataset root directory (required)")
	cmd.Flags().IntVar(&workers, "workers", 2, "imports run in parallel (independent exchange/symbol/kind groups)")
	win.register(cmd)
	cmd.MarkFlagRequired("out")
	return cmd
}

func (a *app) ingestMappingsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "mappings [NAME]",
		Short: "List the shipped mappings, or print one as YAML",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			if len(args) == 1 {
				b, err := ingest.ShippedMapping(args[0])
				if err != nil {
					return usageError{err}
				}
				_, err = w.Write(b)
				return err
			}
			for _, n := range ingest.ShippedMappings() {
				m, err := ingest.LoadMapping(n)
				if err != nil {
					return err
				}
				desc := m.Description
				for _, sep := range []string{". ", ": "} {
					if i := strings.Index(desc, sep); i > 0 {
						desc = desc[:i]
					}
				}
				if len(desc) > 100 {
					desc = desc[:97] + "..."
				}
				fmt.Fprintf(w, "%-30s %-13s %s\n", n, m.Kind, desc)
			}
			return nil
		},
	}
}

func statsSpan(s ingest.Stats) (string, string) {
	if s.Rows == 0 {
		return "-", "-"
	}
	return s.First.String(), s.Last.String()
}

func printStats(w io.Writer, sts []ingest.Stats) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\tfiles\tread\tbad\tempty\toutside\trows\tduplicates\tconflicts\tadded\tdays written\tfirst\tlast\t")
	for _, s := range sts {
		first, last := statsSpan(s)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t\n", s.Kind, s.Files, s.Read, s.Bad, s.Empty, s.Outside,
			s.Rows, s.Duplicates, s.Conflicts, s.Added, s.Days, first, last)
	}
	tw.Flush()
}

func printReal(w io.Writer, rep *ingest.RealReport, elapsed time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "exchange/symbol\tkind\tmappings\tfiles\trows\tdup\tconflicts\tadded\tdays\tfirst\tlast\ttime")
	totals := map[engine.Kind]*ingest.Stats{}
	for _, r := range rep.Results {
		s := r.Stats
		first, last := statsSpan(s)
		fmt.Fprintf(tw, "%s/%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", r.Exchange, r.Symbol, s.Kind, strings.Join(r.Mappings(), "+"),
			len(r.Files), s.Rows, s.Duplicates, s.Conflicts, s.Added, s.Days, first, last, r.Elapsed.Round(time.Millisecond))
		if s.Kind != 0 {
			if totals[s.Kind] == nil {
				totals[s.Kind] = &ingest.Stats{}
			}
			totals[s.Kind].Add(s)
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "\nper kind:")
	kinds := make([]ingest.Stats, 0, len(totals))
	for _, s := range totals {
		kinds = append(kinds, *s)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].Kind < kinds[j].Kind })
	printStats(w, kinds)
	for _, g := range rep.Missing {
		fmt.Fprintf(w, "warning: no file matches %s\n", g)
	}
	for _, f := range rep.Unmapped {
		fmt.Fprintf(w, "warning: %s is not in the manifest; not imported\n", f)
	}
	fmt.Fprintf(w, "done in %s\n", elapsed.Round(time.Millisecond))
}
