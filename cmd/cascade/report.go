package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cascade-research/cascade/results/duckdbsink"
	"github.com/cascade-research/cascade/results/report"
)

func (a *app) reportCmd() *cobra.Command {
	var db, runID, latest, out, svgDir, pngDir, mapAt, above, below string
	var lockTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "report (--run ID | --latest SCENARIO) --out report.html",
		Short: "Write a self-contained HTML report of a run (inline SVG charts; opens offline)",
		Long: `Write one HTML file describing a run: its metadata and scenario, the price
with the estimated liquidation heatmap and cascade episodes, the liquidation
map at one moment with its asymmetry, the average return path around each
hypothesis's events against the baseline with the summary table, and each
strategy variant's equity, drawdown, metrics and fills.

The file has no external resources: the charts are inline SVG and a small
inline script checks that each one rendered. --svg-dir and --png-dir also
export every chart as its own file. docs/reports.md describes the charts.`,
		Example: `  cascade report --db results/demo.duckdb --latest demo --out results/demo-report.html
  cascade report --run 01a1fcf4-... --out run.html --png-dir charts --map-at 2024-03-01T00:00:00Z`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (runID == "") == (latest == "") {
				return usagef("give exactly one of --run ID or --latest SCENARIO")
			}
			opt, err := reportOptions(mapAt, above, below)
			if err != nil {
				return err
			}
			d, err := loadReport(cmd.Context(), db, runID, latest, lockTimeout, a)
			if err != nil {
				return err
			}
			m := report.Build(d, opt)
			charts := report.Charts(m)
			var page bytes.Buffer
			if err := report.WriteHTML(&page, m, charts, report.Page{Generator: "cascade " + version}); err != nil {
				return err
			}
			if err := writeFileAtomic(out, page.Bytes()); err != nil {
				return err
			}
			for _, ex := range []struct{ dir, ext string }{{svgDir, "svg"}, {pngDir, "png"}} {
				if ex.dir != "" {
					if err := exportCharts(charts, ex.dir, ex.ext); err != nil {
						return err
					}
					fmt.Fprintf(a.stderr, "exported %d charts to %s\n", len(charts), ex.dir)
				}
			}
			fmt.Fprintf(a.stdout, "report of run %s (%s, %s): %d charts, %.1f KB\n%s\n", m.Run.ID, m.Run.Scenario, m.Run.Status,
				len(charts), float64(page.Len())/1024, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&db, "db", "results/cascade.duckdb", "results DuckDB file")
	f.StringVar(&runID, "run", "", "run ID")
	f.StringVar(&latest, "latest", "", "the latest completed run of this scenario")
	f.StringVar(&out, "out", "", "HTML file to write")
	f.StringVar(&svgDir, "svg-dir", "", "also write each chart as DIR/<chart>.svg")
	f.StringVar(&pngDir, "png-dir", "", "also write each chart as DIR/<chart>.png")
	f.StringVar(&mapAt, "map-at", "", "moment of the liquidation map (YYYY-MM-DD or RFC 3339; default the last heatmap sample)")
	f.StringVar(&above, "above", "10%", "asymmetry range above the price (shorts)")
	f.StringVar(&below, "below", "10%", "asymmetry range below the price (longs)")
	f.DurationVar(&lockTimeout, "lock-timeout", 5*time.Second, "how long to wait while another process holds the file")
	cmd.MarkFlagRequired("out")
	return cmd
}

func reportOptions(mapAt, above, below string) (report.Options, error) {
	opt := report.DefaultOptions()
	up, err := parsePct("above", above)
	if err != nil {
		return opt, err
	}
	dn, err := parsePct("below", below)
	if err != nil {
		return opt, err
	}
	if up <= 0 || dn <= 0 || dn >= 1 {
		return opt, usagef("--above and --below must be > 0 (and --below < 100%%)")
	}
	opt.Above, opt.Below = up, dn
	if mapAt != "" {
		t, err := parseTime("map-at", mapAt, false)
		if err != nil {
			return opt, err
		}
		opt.MapAt = t.Time()
	}
	return opt, nil
}

// loadReport opens the database read-only, resolves the run and loads its
// report data; the file is released before anything is drawn.
func loadReport(ctx context.Context, db, runID, latest string, lockTimeout time.Duration, a *app) (*report.Data, error) {
	store, err := duckdbsink.Open(ctx, db, duckdbsink.Options{ReadOnly: true, LockTimeout: lockTimeout, Logger: a.log})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	if latest != "" {
		if runID, err = latestRun(ctx, store.DB(), latest); err != nil {
			return nil, fmt.Errorf("%s: %w", db, err)
		}
	}
	d, err := report.Load(ctx, store.DB(), runID)
	if errors.Is(err, report.ErrRunNotFound) {
		return nil, usageError{fmt.Errorf("%s: %w (list runs with: cascade runs --db %s)", db, err, db)}
	}
	return d, err
}

// latestRun returns the latest completed run of scenario, or a usage
// error listing the scenarios that have one.
func latestRun(ctx context.Context, db *sql.DB, scenario string) (string, error) {
	var id string
	err := db.QueryRowContext(ctx, "SELECT run_id FROM latest_runs WHERE scenario = ?", scenario).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	var names []string
	rows, qerr := db.QueryContext(ctx, "SELECT scenario FROM latest_runs ORDER BY scenario")
	if qerr == nil {
		for rows.Next() {
			var s string
			if rows.Scan(&s) == nil {
				names = append(names, s)
			}
		}
		rows.Close()
	}
	have := "none"
	if len(names) > 0 {
		have = strings.Join(names, ", ")
	}
	return "", usagef("no completed run of scenario %q (scenarios with one: %s)", scenario, have)
}

// exportCharts writes each chart as dir/<name>.<ext> (svg or png).
func exportCharts(charts []report.Chart, dir, ext string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, c := range charts {
		render := c.SVG
		if ext == "png" {
			render = c.PNG
		}
		b, err := render()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, c.Name+"."+ext), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeFileAtomic writes b to path through a temporary file and a rename,
// creating the directory, so a reader never sees half a file.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
