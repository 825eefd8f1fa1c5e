// Package report turns one run of a results database into a single
// self-contained HTML report (inline SVG charts, no external resources),
// and exports its charts as SVG or PNG files.
//
// It works in three steps, each usable on its own:
//
//   - Load reads everything the report draws for one run from DuckDB (via
//     database/sql) into plain structs (Data). Tables that an older
//     database does not have (market_bars, liq_heatmap, strategy_*) load
//     as empty.
//   - Build is a pure function from Data to a Model: the heatmap re-binned
//     onto a bounded time × price grid, the liquidation map at one sample,
//     the average return paths around each hypothesis's events with their
//     confidence bands and baselines, and the strategy tables and curves.
//     Its size is bounded by Options, not by the length of the run.
//   - Charts draws a Model with gonum.org/v1/plot; each Chart renders to
//     SVG or PNG. WriteHTML assembles the page.
//
// Everything is deterministic: the same database gives the same bytes
// (nothing reads the clock). Nothing here holds state between calls; the
// functions are safe for concurrent use on distinct inputs. Units: prices
// and notionals in quote currency, returns as fractions, times UTC.
//
// docs/reports.md describes every chart, the binning and the size bound.
package report
