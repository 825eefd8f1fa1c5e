package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cascade-research/cascade/data/parquetfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/engine/perp"
	"github.com/cascade-research/cascade/engine/replay"
	"github.com/cascade-research/cascade/pipeline"
	"github.com/cascade-research/cascade/results/report"
	"github.com/cascade-research/cascade/scenarios"
	"github.com/cascade-research/cascade/strategies"
)

// parsePct parses "12%", "-5%" or a fraction like "0.12".
func parsePct(flag, s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, usagef("--%s %q: want a percentage like 12%% or a fraction like 0.12", flag, s)
	}
	if pct {
		v /= 100
	}
	return v, nil
}

// liqmapOut is what `cascade liqmap --json` prints.
type liqmapOut struct {
	At             time.Time                `json:"at"`
	Price          float64                  `json:"price"`
	Above          float64                  `json:"above"`
	Below          float64                  `json:"below"`
	ShortsWithin   float64                  `json:"shorts_within_above"`
	LongsWithin    float64                  `json:"longs_within_below"`
	Asymmetry      float64                  `json:"asymmetry"`
	Shorts         []liquidation.Level      `json:"shorts"`
	Longs          []liquidation.Level      `json:"longs"`
	Stats          liquidation.Stats        `json:"book"`
	Shock          *liquidation.ShockResult `json:"shock,omitempty"`
	WarmupFrom     time.Time                `json:"warmup_from"`
	EventsReplayed int64                    `json:"events_replayed"`
}

func (a *app) liqmapCmd() *cobra.Command {
	var d dataFlags
	var at, above, below, step, shock, warmup, scenario, png string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "liqmap --data DIR --exchange E --symbol S --at TIME",
		Short: "Print the estimated liquidation map at a moment (and optionally a shock cascade)",
		Long: `Replay the data from --at minus --warmup up to --at through the liquidation
simulator (settings from --scenario, else the defaults) and print the estimated
notional that would be force-closed at each price level above (shorts) and below
(longs) the price, the cumulative curves, and the asymmetry ratio of shorts
within +above to longs within -below.

--shock -5% then applies that move to the book and propagates it: liquidations,
forced orders, square-root price impact, further liquidations, until exhausted.`,
		Example: `  cascade liqmap --data datasets/synth-demo --exchange synth --symbol BTCUSDT --at 2024-03-01T00:00:00Z
  cascade liqmap --data datasets/real --exchange binance --symbol BTCUSDT --kinds bars,funding,oi --at 2022-11-09 --shock -5%
  cascade liqmap --data datasets/synth-demo --exchange synth --symbol BTCUSDT --at 2024-03-01 --png liqmap.png`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if at == "" {
				return usagef("--at is required (YYYY-MM-DD or RFC 3339)")
			}
			atT, err := parseTime("at", at, false)
			if err != nil {
				return err
			}
			up, err := parsePct("above", above)
			if err != nil {
				return err
			}
			dn, err := parsePct("below", below)
			if err != nil {
				return err
			}
			st, err := parsePct("step", step)
			if err != nil {
				return err
			}
			if up <= 0 || dn <= 0 || dn >= 1 || st <= 0 {
				return usagef("--above, --below and --step must be > 0 (and --below < 100%%)")
			}
			wu, err := engine.ParseDuration(warmup)
			if err != nil || wu <= 0 {
				return usagef("--warmup %q: want a duration like 30d or 72h", warmup)
			}
			sim := scenarios.DefaultSimulator()
			if scenario != "" {
				s, err := scenarios.Load(scenario, scenarios.Options{Strategies: strategies.Specs()})
				if err != nil {
					if errors.Is(err, scenarios.ErrBadScenario) {
						return usageError{err}
					}
					return err
				}
				sim = s.Simulator
			}
			cfg, err := pipeline.SimulatorConfig(sim)
			if err != nil {
				return err
			}
			d.from, d.to = "", ""
			opt, err := d.options()
			if err != nil {
				return err
			}
			opt.From, opt.To = atT-engine.Nanos(wu), atT
			opt.Logger = a.log
			feed, err := parquetfeed.Open(cmd.Context(), opt)
			if err != nil {
				return err
			}
			defer feed.Close()
			rep, err := replay.Run(cmd.Context(), feed, replay.Config{Simulator: &cfg,
				SeriesName: func(i uint16) string { return feed.SeriesNames()[i] }})
			if err != nil {
				return err
			}
			book := rep.Book
			price := book.Price()
			if !(price > 0) {
				return fmt.Errorf("no price before %s in the data: nothing to map", atT)
			}
			m := book.Map(price, up, dn, st)
			out := liqmapOut{At: atT.Time(), Price: price, Above: up, Below: dn, ShortsWithin: m.ShortsWithin, LongsWithin: m.LongsWithin,
				Asymmetry: m.Asymmetry, Shorts: m.Shorts, Longs: m.Longs, Stats: book.Stats(), WarmupFrom: opt.From.Time(), EventsReplayed: rep.Tally.Events}
			if shock != "" {
				mv, err := parsePct("shock", shock)
				if err != nil {
					return err
				}
				r := liquidation.Shock(book.Snapshot(), price, mv, book.Impact())
				out.Shock = &r
			}
			if png != "" {
				if err := writeLiqmapPNG(png, out); err != nil {
					return err
				}
				fmt.Fprintf(a.stderr, "wrote %s\n", png)
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(jsonSafe(out))
			}
			printLiqmap(a, out)
			return nil
		},
	}
	d.register(cmd, "trades,funding,oi")
	cmd.Flags().StringVar(&at, "at", "", "moment of the map (YYYY-MM-DD = 00:00 UTC, or RFC 3339)")
	cmd.Flags().StringVar(&above, "above", "12%", "range above the price for shorts at risk")
	cmd.Flags().StringVar(&below, "below", "10%", "range below the price for longs at risk")
	cmd.Flags().StringVar(&step, "step", "1%", "level width")
	cmd.Flags().StringVar(&shock, "shock", "", "apply a price move and propagate the cascade, e.g. -5% or +8%")
	cmd.Flags().StringVar(&warmup, "warmup", "30d", "history replayed before --at to build the positions")
	cmd.Flags().StringVar(&scenario, "scenario", "", "take the simulator settings from this scenario")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&png, "png", "", "also draw the map as a PNG image to this file (the report's map chart)")
	return cmd
}

// writeLiqmapPNG draws the map with the report's map chart.
func writeLiqmapPNG(path string, o liqmapOut) error {
	lm := &report.LiqMap{At: o.At, Price: report.Float(o.Price), Above: report.Float(o.Above), Below: report.Float(o.Below),
		ShortsWithin: report.Float(o.ShortsWithin), LongsWithin: report.Float(o.LongsWithin), Asymmetry: report.Float(o.Asymmetry),
		Source: "replayed book"}
	edge := o.Price
	for _, l := range o.Longs { // nearest first: band i spans [l.Price, previous edge)
		lm.Longs = append(lm.Longs, report.MapLevel{Lo: report.Float(l.Price), Hi: report.Float(edge),
			Notional: report.Float(l.Notional), Cumulative: report.Float(l.Cumulative)})
		edge = l.Price
	}
	edge = o.Price
	for _, l := range o.Shorts {
		lm.Shorts = append(lm.Shorts, report.MapLevel{Lo: report.Float(edge), Hi: report.Float(l.Price),
			Notional: report.Float(l.Notional), Cumulative: report.Float(l.Cumulative)})
		edge = l.Price
	}
	b, err := report.MapChart(lm).PNG()
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b)
}

// jsonSafe replaces an infinite asymmetry (shorts but no longs) by a large
// sentinel-free representation: JSON has no Inf.
func jsonSafe(o liqmapOut) any {
	type alias liqmapOut
	if math.IsInf(o.Asymmetry, 0) || math.IsNaN(o.Asymmetry) {
		return struct {
			alias
			Asymmetry any `json:"asymmetry"`
		}{alias(o), "inf"}
	}
	return o
}

func printLiqmap(a *app, o liqmapOut) {
	w := a.stdout
	fmt.Fprintf(w, "liquidation map at %s, price %.2f (positions built from %s, %d events)\n",
		o.At.Format(time.RFC3339), o.Price, o.WarmupFrom.Format("2006-01-02"), o.EventsReplayed)
	fmt.Fprintf(w, "%10s %12s %14s %14s\n", "level", "price", "notional", "cumulative")
	for i := len(o.Shorts) - 1; i >= 0; i-- {
		l := o.Shorts[i]
		fmt.Fprintf(w, "%+9.1f%% %12.2f %14s %14s  shorts\n", (l.Price/o.Price-1)*100, l.Price, report.Money(l.Notional), report.Money(l.Cumulative))
	}
	fmt.Fprintf(w, "%10s %12.2f %14s\n", "price", o.Price, "")
	for _, l := range o.Longs {
		fmt.Fprintf(w, "%+9.1f%% %12.2f %14s %14s  longs\n", (l.Price/o.Price-1)*100, l.Price, report.Money(l.Notional), report.Money(l.Cumulative))
	}
	fmt.Fprintf(w, "shorts within +%.1f%% (to %.2f): %s; longs within -%.1f%% (to %.2f): %s; asymmetry %.2f\n",
		o.Above*100, o.Price*(1+o.Above), report.Money(o.ShortsWithin), o.Below*100, o.Price*(1-o.Below), report.Money(o.LongsWithin), o.Asymmetry)
	if s := o.Shock; s != nil {
		side := "longs"
		if s.Side == perp.Short {
			side = "shorts"
		}
		fmt.Fprintf(w, "shock %+.1f%%: %.2f -> %.2f, then cascades to %.2f (%+.2f%% in all) in %d waves; %s liquidated %s (longs %s, shorts %s)",
			(s.Shocked/s.Start-1)*100, s.Start, s.Shocked, s.Final, (s.Final/s.Start-1)*100, s.Waves, side,
			report.Money(s.LongNotional+s.ShortNotional), report.Money(s.LongNotional), report.Money(s.ShortNotional))
		if s.Truncated {
			fmt.Fprint(w, " (stopped at the wave limit)")
		}
		fmt.Fprintln(w)
	}
}
