package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// reportWorkspace generates three weeks of synthetic data and runs a
// scenario with two hypotheses and a strategy of two variants on it.
func reportWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	mustRun(t, dir, "gen", "--out", "data", "--start", "2024-01-01", "--end", "2024-01-21", "--scale", "0.01", "--seed", "3")
	scen := `name: e2e-report
seed: 5
data: {root: data, exchange: synth, symbol: BTCUSDT, start: 2024-01-01, end: 2024-01-21, kinds: [trades, funding, oi]}
hypotheses:
  - name: oi_divergence
    params: {window: [12h, 24h], oi_rise: 0.03, price_fall: 0.02}
    horizons: [24h]
    cooldown: 24h
  - name: wyckoff_spring
    params: {bar: 1h, lookback: 72, sweep_max: 0.03, reclaim_bars: 6}
    horizons: [24h]
    cooldown: 24h
strategies:
  - name: ma_crossover
    params: {bar: 1h, fast: [12, 24], slow: 96}
stats: {bootstrap: 200, split: 0.7}
results: {db: out/results.duckdb}
`
	if err := os.WriteFile(filepath.Join(dir, "s.yaml"), []byte(scen), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, dir, "run", "s.yaml")
	return dir
}

// sqlRows runs a query through `cascade sql --format json`.
func sqlRows(t *testing.T, dir, q string) []map[string]any {
	t.Helper()
	out := mustRun(t, dir, "sql", "--db", "out/results.duckdb", "--format", "json", q)
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return rows
}

// rowCount counts the run's rows in table, 0 if the table does not exist.
func rowCount(t *testing.T, dir, table, runID string) int {
	t.Helper()
	if len(sqlRows(t, dir, "select 1 from duckdb_tables() where table_name = '"+table+"' union all select 1 from duckdb_views() where view_name = '"+table+"'")) == 0 {
		return 0
	}
	rows := sqlRows(t, dir, "select count(*) as n from "+table+" where run_id = '"+runID+"'")
	return int(rows[0]["n"].(float64))
}

// expectedCharts lists the charts the report of runID must have: the
// price/heatmap and map charts, one per hypothesis, two per strategy
// variant (the fixture has fewer than the 12 charted at most).
func expectedCharts(t *testing.T, dir, runID string) []string {
	t.Helper()
	want := []string{"price-heatmap", "liqmap"}
	for _, r := range sqlRows(t, dir, "select distinct spec, hypothesis from hypothesis_results where run_id = '"+runID+"' order by spec") {
		want = append(want, fmt.Sprintf("hypothesis-%d-%s", int(r["spec"].(float64)), r["hypothesis"]))
	}
	if rowCount(t, dir, "strategy_metrics", runID) > 0 {
		for _, r := range sqlRows(t, dir, "select distinct strategy, variant from strategy_metrics where run_id = '"+runID+"' order by all") {
			for _, kind := range []string{"equity", "trades"} {
				want = append(want, fmt.Sprintf("strategy-%s-v%d-%s", r["strategy"], int(r["variant"].(float64)), kind))
			}
		}
	}
	return want
}

// TestE2EReportInBrowser runs a scenario, writes its report, and renders
// it in headless Chromium: the page's own check must find every chart
// drawn, and the price chart must show the heatmap when the run stored
// one. A screenshot is kept as a test artifact.
func TestE2EReportInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := reportWorkspace(t)
	runID := sqlRows(t, dir, "select run_id from latest_runs where scenario = 'e2e-report'")[0]["run_id"].(string)
	out := mustRun(t, dir, "report", "--db", "out/results.duckdb", "--latest", "e2e-report", "--out", "report/r.html",
		"--svg-dir", "svg", "--png-dir", "png")
	if !strings.Contains(out, runID) || !strings.Contains(out, "report/r.html") {
		t.Fatalf("report output:\n%s", out)
	}
	want := expectedCharts(t, dir, runID)
	html, err := os.ReadFile(filepath.Join(dir, "report/r.html"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report %d bytes, charts %v", len(html), want)
	for _, name := range want {
		for _, f := range []string{"svg/" + name + ".svg", "png/" + name + ".png"} {
			if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
				t.Errorf("exported chart %s: %v", f, err)
			}
		}
	}
	// The same run by ID gives the same page.
	mustRun(t, dir, "report", "--db", "out/results.duckdb", "--run", runID, "--out", "again.html")
	if again, _ := os.ReadFile(filepath.Join(dir, "again.html")); !bytes.Equal(again, html) {
		t.Error("--run and --latest reports of the same run differ")
	}

	dom := renderInChromium(t, dir, filepath.Join(dir, "report/r.html"))
	m := regexp.MustCompile(`<body[^>]*\sdata-charts="([^"]*)"`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("no data-charts on <body> after the page's script ran:\n%.2000s", dom)
	}
	var got []string
	for _, kv := range strings.Split(m[1], ",") {
		name, status, _ := strings.Cut(kv, ":")
		if status != "ok" {
			t.Errorf("chart %s: %s in the browser", name, status)
		}
		got = append(got, name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("charts in the page %v, want %v", got, want)
	}
	if !strings.Contains(dom, fmt.Sprintf("All %d charts rendered", len(want))) {
		t.Error("the visible status line does not report every chart rendered")
	}

	// With heatmap and bar rows stored, the price chart draws them rather
	// than a placeholder.
	price := regexp.MustCompile(`<figure class="chart" data-chart="price-heatmap"[^>]*>`).FindString(dom)
	attr := func(k string) int {
		v := regexp.MustCompile(`data-` + k + `="(\d+)"`).FindStringSubmatch(price)
		if v == nil {
			return -1
		}
		n, _ := strconv.Atoi(v[1])
		return n
	}
	heatRows, barRows := rowCount(t, dir, "liq_heatmap", runID), rowCount(t, dir, "market_bars", runID)
	t.Logf("run has %d liq_heatmap rows, %d market_bars rows; price chart %s", heatRows, barRows, price)
	if heatRows > 0 && (attr("heat-cells") <= 0 || strings.Contains(price, "data-nodata")) {
		t.Errorf("liq_heatmap has %d rows but the price chart draws no heatmap: %s", heatRows, price)
	}
	if barRows > 0 && attr("price-points") <= 0 {
		t.Errorf("market_bars has %d rows but the price chart draws no price: %s", barRows, price)
	}
	if heatRows > 0 && strings.Contains(regexp.MustCompile(`<figure class="chart" data-chart="liqmap"[^>]*>`).FindString(dom), "data-nodata") {
		t.Error("liq_heatmap has rows but the map is a placeholder")
	}
	if rowCount(t, dir, "strategy_equity", runID) > 0 {
		for _, fig := range regexp.MustCompile(`<figure class="chart" data-chart="strategy-[^"]*-equity"[^>]*>`).FindAllString(dom, -1) {
			if strings.Contains(fig, "data-nodata") {
				t.Errorf("strategy_equity has rows but %s is a placeholder", fig)
			}
		}
	}
}

// renderInChromium loads page in headless Chromium (fresh profile, no
// network services), returns the DOM after its scripts ran, and saves a
// screenshot as a test artifact (in dir and in $CASCADE_ARTIFACTS).
func renderInChromium(t *testing.T, dir, page string) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("%s not found and CI_REQUIRE_CHROMIUM=1: install Debian's chromium package (.ci/run does)", chromiumPath)
		}
		t.Skipf("%s not found: skipping the browser check (apt-get install chromium to run it; CI requires it)", chromiumPath)
	}
	run := func(extra ...string) []byte {
		profile := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--user-data-dir=" + profile, "--virtual-time-budget=5000"}, extra...)
		cmd := exec.CommandContext(ctx, chromiumPath, append(args, "file://"+page)...)
		cmd.Env = append(os.Environ(), "HOME="+profile)
		var so, se bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &se
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium %v: %v\n%s", extra, err, se.String())
		}
		return so.Bytes()
	}
	dom := string(run("--dump-dom"))
	shot := filepath.Join(dir, "report-screenshot.png")
	run("--screenshot="+shot, "--window-size=1400,3000")
	b, err := os.ReadFile(shot)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("screenshot %s: %v", shot, err)
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(b))
	if art := os.Getenv("CASCADE_ARTIFACTS"); art != "" {
		dst := filepath.Join(art, "report-screenshot.png")
		if err := os.MkdirAll(art, 0o755); err == nil {
			err = os.WriteFile(dst, b, 0o644)
		}
		if err != nil {
			t.Errorf("copy the screenshot to $CASCADE_ARTIFACTS: %v", err)
		} else {
			t.Logf("screenshot artifact: %s", dst)
		}
	}
	return dom
}

func TestE2EReportUsageAndLiqmapPNG(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := reportWorkspace(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "--db", "out/results.duckdb", "--latest", "nope", "--out", "x.html"}, `no completed run of scenario "nope" (scenarios with one: e2e-report)`},
		{[]string{"report", "--db", "out/results.duckdb", "--run", "nope", "--out", "x.html"}, "run not found: nope"},
		{[]string{"report", "--db", "out/results.duckdb", "--out", "x.html"}, "give exactly one of --run ID or --latest SCENARIO"},
		{[]string{"report", "--db", "out/results.duckdb", "--latest", "e2e-report"}, `required flag(s) "out" not set`},
		{[]string{"report", "--db", "out/results.duckdb", "--latest", "e2e-report", "--out", "x.html", "--map-at", "soon"}, `--map-at "soon"`},
	} {
		r := runBin(t, dir, nil, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("cascade %v: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	mustRun(t, dir, "liqmap", "--data", "data", "--exchange", "synth", "--symbol", "BTCUSDT", "--at", "2024-01-15", "--warmup", "7d", "--png", "lm.png")
	if b, err := os.ReadFile(filepath.Join(dir, "lm.png")); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("liqmap --png: %v", err)
	}
}
