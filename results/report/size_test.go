package report_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/cascade-research/cascade/results/report"
)

// bigFixture is a three-year run: hourly bars, an hourly heatmap of 60
// bands (1.58 M rows), five hypotheses with 200 events per variant, two
// strategies of eight variants with hourly equity and ~2900 fills each.
var bigFixture = []string{
	runRow("big", "big", "2021-01-01 00:00:00+00", "2024-01-01 00:00:00+00", `{"scenario": {"stats": {"alpha": 0.05}}}`),
	`CREATE TEMP TABLE hours AS SELECT i, TIMESTAMPTZ '2021-01-01 00:00:00+00' + i * INTERVAL 1 HOUR AS ts,
		30000 + 15000 * sin(i / 2000.0) + 2000 * sin(i / 37.0) + 300 * sin(i * 1.7) AS px FROM range(26280) t(i)`,
	`INSERT INTO market_bars_rows SELECT set_of('big'), ts, 3600, px, px * 1.004, px * 0.996, px, 100, 100 * px, 1e9, 0.0001, 1e5, 1e5, 'ok' FROM hours`,
	`INSERT INTO liq_heatmap_rows SELECT set_of('big'), ts + INTERVAL 1 SECOND, px, CASE WHEN b < 30 THEN 'long' ELSE 'short' END,
		CASE WHEN b < 30 THEN px * (1 - 0.005 * (b + 1)) ELSE px * (1 + 0.005 * (b - 30)) END,
		CASE WHEN b < 30 THEN px * (1 - 0.005 * b) ELSE px * (1 + 0.005 * (b - 29)) END,
		1e6 * (1 + ((i * 7 + b * 13) % 50))
		FROM hours, range(60) u(b)`,
	`INSERT INTO cascades_rows SELECT set_of('big'), ts, ts + INTERVAL 10 MINUTE, CASE WHEN i % 2 = 0 THEN 'long' ELSE 'short' END, 1e8, 1, 10, 3, px, px, 0.01, 1e9, 0.1, true, 'ok'
		FROM hours WHERE i % 500 = 0`,
	`INSERT INTO hypothesis_results (run_id, spec, hypothesis, variant, params, side, horizon, horizon_s, sample, n, episodes, n_base,
		effect, ci_lo, ci_hi, p, q, chosen, family, variants_tried)
		SELECT 'big', s, 'story' || s, v, 'v=' || v, 1, h || 'h', h * 3600, smp, 200, 200, 20000, 0.01, 0, 0.02, 0.01 * (v + 1), 0.02 * (v + 1) * (s + 1), false, 60, 15
		FROM range(5) a(s), range(3) b(v), (VALUES (24), (72)) c(h), (VALUES ('in'), ('out')) d(smp)`,
	`INSERT INTO hypothesis_events (run_id, spec, hypothesis, variant, ts, sample, entry, features, returns, tbs, next_cascade)
		SELECT 'big', s, 'story' || s, v, ts, 'in', px, '{}', '{}', 0, 0 FROM range(5) a(s), range(3) b(v), hours WHERE (i + 17 * s + 5 * v) % 131 = 0`,
	`INSERT INTO strategy_metrics (run_id, strategy, variant, params, sample, sharpe, total_return, max_drawdown, trades, fills)
		SELECT 'big', st, v, 'k=' || v, smp, v * 0.3, 0.1 * v, -0.2, 100, 3000 FROM (VALUES ('trend'), ('fade')) a(st), range(8) b(v),
		(VALUES ('all'), ('in'), ('out')) c(smp)`,
	`INSERT INTO strategy_equity SELECT 'big', st, v, ts, 1e5 * (1 + v * i / 1e5) + px, 1e5, 0, 0.1, px FROM (VALUES ('trend'), ('fade')) a(st), range(8) b(v), hours`,
	`INSERT INTO strategy_fills SELECT 'big', st, v, ts, i, CASE WHEN i % 2 = 0 THEN 'long' ELSE 'short' END, 0.1, px, 0, 1, 'taker', 0, i % 97 = 0, '', 'ok'
		FROM (VALUES ('trend'), ('fade')) a(st), range(8) b(v), hours WHERE i % 9 = v`,
}

// TestBigRunSize checks that a three-year run gives a page well under
// the 20 MB bound, since Build bins everything onto bounded grids.
func TestBigRunSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1.6 M-row fixture")
	}
	db, done := newDB(t, bigFixture...)
	defer done()
	start := time.Now()
	d, err := report.Load(context.Background(), db, "big")
	if err != nil {
		t.Fatal(err)
	}
	loaded := time.Since(start)
	m := report.Build(d, report.Options{})
	built := time.Since(start)
	charts := report.Charts(m)
	var b bytes.Buffer
	if err := report.WriteHTML(&b, m, charts, report.Page{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("3-year fixture: %d bars, %d heatmap samples, %d charts; HTML %.2f MB; load %s, build %s, total %s",
		len(d.Bars), len(d.Heatmap), len(charts), float64(b.Len())/1e6, loaded.Round(time.Millisecond), (built - loaded).Round(time.Millisecond),
		time.Since(start).Round(time.Millisecond))
	if b.Len() > 20e6 {
		t.Fatalf("HTML is %.1f MB, over the 20 MB bound", float64(b.Len())/1e6)
	}
	if h := m.Heat; h == nil || h.Cols != 400 || h.Rows != 120 || h.Samples != 26280 {
		t.Fatalf("heat grid %+v", m.Heat)
	}
	if len(m.Price) > 1600 || len(charts) != 2+5+2*12 {
		t.Fatalf("%d price points, %d charts", len(m.Price), len(charts))
	}
	for _, sv := range m.Strategies {
		if len(sv.Equity) > 1600 || len(sv.Fills) > 1000 {
			t.Fatalf("%s v%d: %d equity points, %d fills drawn", sv.Strategy, sv.Variant, len(sv.Equity), len(sv.Fills))
		}
	}
}
