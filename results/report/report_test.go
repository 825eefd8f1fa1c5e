package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/results/report"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(run with -update if the change is intended)", path, i+1, g, w)
			}
		}
	}
}

func tinyModel(t *testing.T, opt report.Options) *report.Model {
	t.Helper()
	db, done := newDB(t, tinyFixture...)
	defer done()
	d, err := report.Load(context.Background(), db, "run-a")
	if err != nil {
		t.Fatal(err)
	}
	return report.Build(d, opt)
}

// TestGoldenModel checks the report's data — heatmap bins, liquidation
// map, event paths with their bands and baselines, the hypothesis table,
// strategy metrics, curves and fills — against a golden file.
func TestGoldenModel(t *testing.T) {
	opt := report.Options{MaxCols: 4, MaxRows: 12, LinePoints: 40, MaxPathOffsets: 4,
		MapAt: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}
	m := tinyModel(t, opt)
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "tiny.golden.json", append(b, '\n'))

	// A few properties that the golden file only shows implicitly.
	if m.Run.ID != "run-a" || float64(m.Alpha) != 0.1 || m.PriceSource != "market_bars" {
		t.Fatalf("run %+v alpha %v source %s", m.Run, m.Alpha, m.PriceSource)
	}
	if h := m.Heat; h == nil || h.Cols != 4 || h.Rows != 12 || h.Samples != 6 || h.Bands != 42 || h.Cells == 0 {
		t.Fatalf("heat grid %+v", m.Heat)
	}
	if len(m.Cascades) != 2 {
		t.Fatalf("cascades %+v, want the 2 with is_cascade", m.Cascades)
	}
	if mp := m.Map; mp == nil || !mp.At.Equal(time.Date(2024, 1, 1, 20, 0, 0, 0, time.UTC)) || len(mp.Longs) != 4 || len(mp.Shorts) != 3 {
		t.Fatalf("map %+v, want the 20:00 sample (last at or before --map-at)", m.Map)
	}
	if len(m.Hypotheses) != 2 || m.Hypotheses[0].Variant != 1 || m.Hypotheses[0].Events != 3 || m.Hypotheses[1].Events != 0 {
		t.Fatalf("hypotheses %+v", m.Hypotheses)
	}
	if !m.HypoTable[0].Surviving || !m.HypoTable[1].Surviving || m.HypoTable[2].Surviving || float64(m.HypoTable[0].Q) != 0.06 {
		t.Fatalf("hypothesis table does not list the survivors (q < 0.1) first: %+v", m.HypoTable[:3])
	}
	if len(m.Strategies) != 2 || m.Strategies[1].FillsTotal != 2 || len(m.Strategies[0].Metrics) != 2 {
		t.Fatalf("strategies %+v", m.Strategies)
	}
}

func TestHeatmapMassIsKept(t *testing.T) {
	// Re-binning spreads each band pro rata: the grid's total over the
	// columns (× samples per column) equals the stored notional.
	m := tinyModel(t, report.Options{MaxCols: 6, MaxRows: 7})
	var got float64
	for _, side := range [][][]report.Float{m.Heat.Long, m.Heat.Short} {
		for _, row := range side {
			for _, v := range row {
				got += float64(v)
			}
		}
	}
	// Longs: sum over s<6, b<4 of 1000(b+1)(s+1) = 1000·10·21; shorts:
	// sum of 500(3−b)+100s = 6·3000 + 3·1500.
	want := 1000.0*10*21 + 6*3000 + 3*1500
	if math.Abs(got-want) > 1e-6*want {
		t.Fatalf("grid total %v, want %v", got, want)
	}
}

func TestSnapshotMapAsymmetry(t *testing.T) {
	bands := []report.HeatBand{
		{Short: false, Lo: 95, Hi: 100, Notional: 10},
		{Short: false, Lo: 85, Hi: 95, Notional: 20}, // half inside −10%
		{Short: true, Lo: 100, Hi: 105, Notional: 30},
		{Short: true, Lo: 115, Hi: 120, Notional: 99}, // outside +10%
	}
	for _, tc := range []struct {
		name         string
		bands        []report.HeatBand
		above, below float64
		asym         float64
	}{
		{"pro rata", bands, 0.10, 0.10, 30.0 / 20},
		{"wider", bands, 0.20, 0.15, 129.0 / 30},
		{"shorts only", bands[2:], 0.1, 0.1, math.Inf(1)},
		{"none", nil, 0.1, 0.1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := report.SnapshotMap(time.Time{}, 100, tc.bands, tc.above, tc.below)
			if got := float64(m.Asymmetry); math.Abs(got-tc.asym) > 1e-12 && !(math.IsInf(got, 1) && math.IsInf(tc.asym, 1)) {
				t.Fatalf("asymmetry %v, want %v (%+v)", got, tc.asym, m)
			}
		})
	}
	m := report.SnapshotMap(time.Time{}, 100, bands, 0.1, 0.1)
	if m.Longs[0].Hi != 100 || m.Longs[1].Cumulative != 30 || m.Shorts[1].Cumulative != 129 {
		t.Fatalf("levels not nearest first with cumulative sums: %+v", m)
	}
}

func TestHTMLSelfContained(t *testing.T) {
	m := tinyModel(t, report.Options{})
	charts := report.Charts(m)
	var b bytes.Buffer
	if err := report.WriteHTML(&b, m, charts, report.Page{Generator: "test"}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	wantCharts := []string{"price-heatmap", "liqmap", "hypothesis-0-squeeze", "hypothesis-1-quiet",
		"strategy-fade-v0-equity", "strategy-fade-v0-trades", "strategy-fade-v1-equity", "strategy-fade-v1-trades"}
	if len(charts) != len(wantCharts) {
		t.Fatalf("%d charts, want %d", len(charts), len(wantCharts))
	}
	for i, name := range wantCharts {
		if charts[i].Name != name {
			t.Fatalf("chart %d is %s, want %s", i, charts[i].Name, name)
		}
		if !strings.Contains(page, `<figure class="chart" data-chart="`+name+`"`) {
			t.Fatalf("page lacks chart %s", name)
		}
	}
	if !strings.Contains(page, `data-chart="hypothesis-1-quiet" data-nodata="true"`) {
		t.Fatal("the hypothesis without events is not a placeholder")
	}
	if regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:|//)`).MatchString(page) || strings.Contains(page, "<link") ||
		regexp.MustCompile(`<script[^>]+src`).MatchString(page) || strings.Contains(page, "@import") || strings.Contains(page, "url(") {
		t.Fatal("the page references an external resource")
	}
	for _, s := range []string{"run-a", "digest-run-a", "hash-tiny", "oi: proxy", `&#34;alpha&#34;: 0.1`, "<details>", "data-charts=",
		`id="chart-status"`, "squeeze", "k=2", "fade"} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	// Exports render.
	for _, c := range charts[:2] {
		png, err := c.PNG()
		if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
			t.Fatalf("%s PNG: %v", c.Name, err)
		}
	}
}

func TestOldDatabase(t *testing.T) {
	// A database from before schema 4/5: no report or strategy tables.
	db, done := newDB(t, runRow("old", "old", "2024-01-01 00:00:00+00", "2024-01-03 00:00:00+00", `{}`),
		`INSERT INTO market_daily_rows (set_id, day, close) VALUES (set_of('old'), DATE '2024-01-01', 100), (set_of('old'), DATE '2024-01-02', 101)`,
		"DROP VIEW market_bars", "DROP VIEW liq_heatmap", "DROP TABLE strategy_metrics", "DROP TABLE strategy_fills", "DROP TABLE strategy_equity")
	defer done()
	d, err := report.Load(context.Background(), db, "old")
	if err != nil {
		t.Fatal(err)
	}
	m := report.Build(d, report.Options{})
	if m.PriceSource != "market_daily" || len(m.Price) != 2 || m.Heat != nil || m.Map != nil || m.StrategyTables || len(m.Notes) == 0 {
		t.Fatalf("model %+v", m)
	}
	charts := report.Charts(m)
	var b bytes.Buffer
	if err := report.WriteHTML(&b, m, charts, report.Page{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "No strategies in this run") || !strings.Contains(b.String(), `data-chart="liqmap" data-nodata="true"`) {
		t.Fatal("old database: missing the no-strategies line or the map placeholder")
	}
	if _, err := report.Load(context.Background(), db, "nope"); !errors.Is(err, report.ErrRunNotFound) {
		t.Fatalf("missing run: %v", err)
	}
}
