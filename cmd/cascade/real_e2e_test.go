package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedReal locates the shared real-data folder beside the project
// ($CASCADE_SHARED overrides) or skips.
func sharedReal(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CASCADE_SHARED")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data", "real")
	}
	if _, err := os.Stat(filepath.Join(dir, "SOURCES.md")); err != nil {
		t.Skipf("no shared real data at %s (set CASCADE_SHARED): %v", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestE2ERealHistory drives the real-history path through the binary on
// four months around the switch from perp to spot bars (2023-06-30): import
// the shared files with the shipped mappings, run the full-history
// scenario, check the per-row data-quality flags and the fallback, render
// the real-history tables and the report.
func TestE2ERealHistory(t *testing.T) {
	shared := sharedReal(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "datasets", "real")
	mustRun(t, dir, "ingest", "real", "--shared", shared, "--out", root, "--from", "2023-05-01", "--to", "2023-08-31")
	scenario, _ := filepath.Abs(filepath.Join("..", "..", "scenarios", "real", "full-history.yaml"))
	db := filepath.Join(dir, "real.duckdb")
	r := runBin(t, dir, nil, "run", scenario, "--db", db, "--set", "data.root="+root,
		"--set", "data.start=2023-05-01", "--set", "data.end=2023-08-31")
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, `msg="missing days" scenario=real-full-history kind=bars`) {
		t.Errorf("bar days covered by the spot fallback reported as missing:\n%s", r.stderr)
	}
	q := func(sql string) string {
		return strings.TrimSpace(mustRun(t, dir, "sql", "--db", db, "--format", "csv", sql))
	}
	// Perp bars until 2023-06-29, spot bars from 2023-06-30 on: the flag
	// says so day by day.
	want := "false,60\ntrue,63"
	if got := q(`select data_quality like '%spot bars (perp missing%' as spot, count(*) from market_daily where trades > 0 group by 1 order by 1`); !strings.HasSuffix(got, want) {
		t.Errorf("spot-flagged days:\n%s\nwant\n%s", got, want)
	}
	if got := q(`select min(day) from market_daily where data_quality like '%spot bars%'`); !strings.HasSuffix(got, "2023-06-30") {
		t.Errorf("first spot day %s, want 2023-06-30", got)
	}
	// Every analysis row carries a flag; sample rows count the days.
	for _, tb := range []string{"market_daily", "market_bars", "liquidations_est", "cascades", "hypothesis_results", "hypothesis_events", "strategy_metrics", "strategy_fills"} {
		if got := q(`select count(*) from ` + tb + ` where data_quality is null or data_quality = ''`); !strings.HasSuffix(got, "\n0") {
			t.Errorf("%s: rows without data_quality: %s", tb, got)
		}
	}
	if got := q(`select data_quality from runs`); !strings.Contains(got, "price: spot bars (perp missing; basis ignored) (63 of 123 days)") {
		t.Errorf("run data_quality: %s", got)
	}
	// The simulator ran over both sources: a liquidation map before and
	// after the switch.
	if got := q(`select count(distinct ts > '2023-06-30') from liq_heatmap`); !strings.HasSuffix(got, "2") {
		t.Errorf("heatmap does not span the switch: %s", got)
	}
	doc, _ := filepath.Abs(filepath.Join("..", "..", "docs", "real-history.sql"))
	md := mustRun(t, dir, "sql", "--db", db, "--format", "markdown", "--file", doc)
	for _, s := range []string{"## The days with the largest estimated liquidations", "| real-full-history | 2023-05-01 | 2023-08-31 |"} {
		if !strings.Contains(md, s) {
			t.Errorf("real-history tables lack %q:\n%s", s, md)
		}
	}
	mustRun(t, dir, "report", "--db", db, "--latest", "real-full-history", "--out", filepath.Join(dir, "real.html"))
}

// cascade sql --file runs every statement of a commented SQL file and,
// with --format markdown, prints the comments as text and the results as
// tables (cells with | or newlines escaped).
func TestE2ESQLFileMarkdown(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.duckdb")
	mustRun(t, dir, "sql", "--db", db, "--write", "select 1")
	file := filepath.Join(dir, "q.sql")
	os.WriteFile(file, []byte("-- # Title\n--\n-- ## First\nselect 1 as a, 'x|y' as b; -- trailing comment\n\n-- ## Second\nselect 'line1\nline2' as c\n;\n"), 0o644)
	out := mustRun(t, dir, "sql", "--db", db, "--format", "markdown", "--file", file)
	want := "# Title\n\n## First\n\n| a | b |\n|---|---|\n| 1 | x\\|y |\n\n## Second\n\n| c |\n|---|\n| line1<br>line2 |\n\n"
	if out != want {
		t.Fatalf("got\n%q\nwant\n%q", out, want)
	}
	os.WriteFile(file, []byte("select 1;\nselect 2\n"), 0o644)
	if r := runBin(t, dir, nil, "sql", "--db", db, "--file", file); r.code != 2 || !strings.Contains(r.stderr, `does not end with ";"`) {
		t.Fatalf("unterminated statement: exit %d, %s", r.code, r.stderr)
	}
}
