package report_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/cascade-research/cascade/results/duckdbsink"
)

// reportDDL creates the strategy tables as migration 0005 defines them,
// for databases opened by a binary without them.
const reportDDL = `
CREATE MACRO set_of(r) AS (hash(r) & 9223372036854775807)::BIGINT;
CREATE TABLE IF NOT EXISTS strategy_metrics (run_id VARCHAR NOT NULL, strategy VARCHAR NOT NULL, variant BIGINT NOT NULL, params VARCHAR NOT NULL,
  sample VARCHAR NOT NULL, start_ts TIMESTAMPTZ, end_ts TIMESTAMPTZ, start_equity DOUBLE, end_equity DOUBLE, total_return DOUBLE, cagr DOUBLE,
  volatility DOUBLE, sharpe DOUBLE, sortino DOUBLE, max_drawdown DOUBLE, max_drawdown_s BIGINT, calmar DOUBLE, win_rate DOUBLE,
  profit_factor DOUBLE, exposure DOUBLE, turnover DOUBLE, fees DOUBLE, funding DOUBLE, liquidation_fees DOUBLE, liquidations BIGINT,
  trades BIGINT, fills BIGINT, psr DOUBLE, dsr DOUBLE, variants_tried BIGINT);
CREATE TABLE IF NOT EXISTS strategy_fills (run_id VARCHAR NOT NULL, strategy VARCHAR NOT NULL, variant BIGINT NOT NULL, ts TIMESTAMPTZ NOT NULL,
  order_id BIGINT, side VARCHAR, qty DOUBLE, price DOUBLE, slippage DOUBLE, fee DOUBLE, liquidity VARCHAR, realized_pnl DOUBLE,
  liquidation BOOLEAN, tag VARCHAR);
CREATE TABLE IF NOT EXISTS strategy_equity (run_id VARCHAR NOT NULL, strategy VARCHAR NOT NULL, variant BIGINT NOT NULL, ts TIMESTAMPTZ NOT NULL,
  equity DOUBLE, cash DOUBLE, unrealized DOUBLE, position DOUBLE, price DOUBLE);
`

// newDB creates a results database with the current schema (plus the
// report tables if the migrations lack them) and runs stmts in it.
func newDB(t testing.TB, stmts ...string) (*sql.DB, func()) {
	t.Helper()
	ctx := context.Background()
	s, err := duckdbsink.Open(ctx, filepath.Join(t.TempDir(), "r.duckdb"), duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range append(append([]string{reportDDL}, stmts...), linkSets) {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			s.Close()
			t.Fatalf("%v\n%s", err, q)
		}
	}
	return s.DB(), func() { s.Close() }
}

// linkSets shows the rows fixtures insert into the shared tables' storage
// (X_rows, with set_of(run_id) as set_id) under that run, as migration 8
// does for rows written before it.
const linkSets = `
INSERT INTO table_sets SELECT run_id, 'market_daily', set_of(run_id) FROM runs WHERE set_of(run_id) IN (SELECT set_id FROM market_daily_rows);
INSERT INTO table_sets SELECT run_id, 'market_bars', set_of(run_id) FROM runs WHERE set_of(run_id) IN (SELECT set_id FROM market_bars_rows);
INSERT INTO table_sets SELECT run_id, 'liquidations_est', set_of(run_id) FROM runs WHERE set_of(run_id) IN (SELECT set_id FROM liquidations_est_rows);
INSERT INTO table_sets SELECT run_id, 'cascades', set_of(run_id) FROM runs WHERE set_of(run_id) IN (SELECT set_id FROM cascades_rows);
INSERT INTO table_sets SELECT run_id, 'liq_heatmap', set_of(run_id) FROM runs WHERE set_of(run_id) IN (SELECT set_id FROM liq_heatmap_rows);
`

// runRow inserts a completed run spanning [from, to).
func runRow(id, scenario, from, to, scenarioJSON string) string {
	return `INSERT INTO runs (run_id, scenario, scenario_hash, scenario_json, code_version, seed, data_from, data_to, started_at, finished_at,
		status, digest, events, data_quality) VALUES ('` + id + `', '` + scenario + `', 'hash-` + scenario + `', '` + scenarioJSON + `', 'test+0', 7,
		TIMESTAMPTZ '` + from + `', TIMESTAMPTZ '` + to + `', TIMESTAMPTZ '2024-06-01 00:00:00+00', TIMESTAMPTZ '2024-06-01 00:01:00+00',
		'completed', 'digest-` + id + `', 12345, 'oi: proxy')`
}

// tinyFixture is a two-day run with every table the report reads, small
// enough to read its golden file.
var tinyFixture = []string{
	runRow("run-a", "tiny", "2024-01-01 00:00:00+00", "2024-01-03 00:00:00+00",
		`{"scenario": {"name": "tiny", "stats": {"alpha": 0.1}}, "results": {"db": "x.duckdb"}}`),
	// Another run whose rows must not leak into run-a's report.
	runRow("run-b", "other", "2024-01-01 00:00:00+00", "2024-01-03 00:00:00+00", `{}`),
	`INSERT INTO market_bars_rows SELECT set_of('run-b'), TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL 1 HOUR, 3600, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 'ok' FROM range(48) t(i)`,
	// 48 hourly bars; bar 30 is missing (no trades), the close walks up
	// and down around 100.
	`INSERT INTO market_bars_rows SELECT set_of('run-a'), TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL 1 HOUR, 3600,
		100 + (i % 7) - 3, 104 + (i % 7), 96 + (i % 7) - 3, 100 + (i % 7) - 3 + i * 0.05, 10, 1000, 1e6, 0.0001, 0, 0, 'ok'
		FROM range(48) t(i) WHERE i <> 30`,
	// Six heatmap samples every 8 h (jittered by seconds, as real runs are):
	// longs in four 1% bands below the price, shorts in three above.
	`INSERT INTO liq_heatmap_rows SELECT set_of('run-a'), TIMESTAMPTZ '2024-01-01 04:00:00+00' + s * INTERVAL 8 HOUR + (s % 2) * INTERVAL 7 SECOND, 100 + s,
		'long', (100 + s) * (1 - 0.01 * (b + 1)), (100 + s) * (1 - 0.01 * b), 1000 * (b + 1) * (s + 1)
		FROM range(6) t(s), range(4) u(b)`,
	`INSERT INTO liq_heatmap_rows SELECT set_of('run-a'), TIMESTAMPTZ '2024-01-01 04:00:00+00' + s * INTERVAL 8 HOUR + (s % 2) * INTERVAL 7 SECOND, 100 + s,
		'short', (100 + s) * (1 + 0.01 * b), (100 + s) * (1 + 0.01 * (b + 1)), 500 * (3 - b) + 100 * s
		FROM range(6) t(s), range(3) u(b)`,
	`INSERT INTO cascades_rows VALUES
		(set_of('run-a'), TIMESTAMPTZ '2024-01-01 10:00:00+00', TIMESTAMPTZ '2024-01-01 10:30:00+00', 'long', 5e6, 50, 10, 4, 99.5, 97, -0.025, 1e8, 0.05, true, 'ok'),
		(set_of('run-a'), TIMESTAMPTZ '2024-01-02 01:00:00+00', TIMESTAMPTZ '2024-01-02 01:05:00+00', 'short', 1e5, 1, 1, 1, 101, 101.2, 0.002, 1e8, 0.001, false, 'ok'),
		(set_of('run-a'), TIMESTAMPTZ '2024-01-02 12:00:00+00', TIMESTAMPTZ '2024-01-02 12:20:00+00', 'short', 4e6, 40, 8, 3, 102, 104, 0.02, 1e8, 0.04, true, 'ok')`,
	// Two hypotheses: "squeeze" (variant 1 has the lowest q and survives at
	// alpha 0.1) and "quiet" (no events).
	`INSERT INTO hypothesis_results (run_id, spec, hypothesis, variant, params, side, horizon, horizon_s, sample, n, episodes, n_base,
		effect, ci_lo, ci_hi, p, q, chosen, family, variants_tried) VALUES
		('run-a', 0, 'squeeze', 0, 'ratio=2', 1, '4h', 14400, 'in', 2, 2, 40, 0.001, -0.01, 0.012, 0.6, 0.7, false, 6, 3),
		('run-a', 0, 'squeeze', 0, 'ratio=2', 1, '4h', 14400, 'out', 1, 1, 10, NULL, NULL, NULL, NULL, NULL, false, 6, 3),
		('run-a', 0, 'squeeze', 1, 'ratio=3', 1, '4h', 14400, 'in', 3, 3, 40, 0.02, 0.005, 0.03, 0.01, 0.06, true, 6, 3),
		('run-a', 0, 'squeeze', 1, 'ratio=3', 1, '8h', 28800, 'in', 3, 3, 40, 0.03, 0.01, 0.05, 0.02, 0.08, true, 6, 3),
		('run-a', 0, 'squeeze', 1, 'ratio=3', 1, '4h', 14400, 'out', 1, 1, 10, 0.01, -0.02, 0.04, 0.5, 0.6, true, 6, 3),
		('run-a', 1, 'quiet', 0, 'level=1', -1, '4h', 14400, 'in', 0, 0, 40, NULL, NULL, NULL, NULL, NULL, false, 6, 3)`,
	`INSERT INTO hypothesis_events (run_id, spec, hypothesis, variant, ts, sample, entry, features, returns, tbs, next_cascade) VALUES
		('run-a', 0, 'squeeze', 1, TIMESTAMPTZ '2024-01-01 10:00:00+00', 'in', 100, '{}', '{}', 0, 0),
		('run-a', 0, 'squeeze', 1, TIMESTAMPTZ '2024-01-01 20:30:00+00', 'in', 101, '{}', '{}', 0, 0),
		('run-a', 0, 'squeeze', 1, TIMESTAMPTZ '2024-01-02 09:00:00+00', 'out', 102, '{}', '{}', 0, 0),
		('run-a', 0, 'squeeze', 0, TIMESTAMPTZ '2024-01-01 05:00:00+00', 'in', 100, '{}', '{}', 0, 0)`,
	// One strategy with two variants; variant 1 is better out of sample.
	`INSERT INTO strategy_metrics (run_id, strategy, variant, params, sample, start_ts, end_ts, start_equity, end_equity, total_return, cagr,
		volatility, sharpe, sortino, max_drawdown, max_drawdown_s, calmar, win_rate, profit_factor, exposure, turnover, fees, funding,
		liquidation_fees, liquidations, trades, fills, psr, dsr, variants_tried) VALUES
		('run-a', 'fade', 0, 'k=1', 'all', '2024-01-01', '2024-01-03', 1e5, 1.01e5, 0.01, 5.2, 0.4, 1.1, 1.5, -0.02, 3600, 2.1, 0.5, 1.3, 0.6, 4, 20, -3, 0, 0, 2, 4, 0.7, 0.5, 2),
		('run-a', 'fade', 0, 'k=1', 'out', '2024-01-02', '2024-01-03', 1e5, 0.99e5, -0.01, -0.9, 0.5, -0.5, -0.6, -0.02, 3600, -1, 0, 0.5, 0.5, 2, 10, -1, 0, 0, 1, 2, 0.3, 0.2, 2),
		('run-a', 'fade', 1, 'k=2', 'all', '2024-01-01', '2024-01-03', 1e5, 1.02e5, 0.02, 9.1, 0.3, 2.0, 2.5, -0.01, 1800, 9.1, 1, NULL, 0.4, 3, 15, 2, 0, 0, 1, 2, 0.9, 0.8, 2),
		('run-a', 'fade', 1, 'k=2', 'out', '2024-01-02', '2024-01-03', 1e5, 1.01e5, 0.01, 3, 0.3, 1.5, 2, -0.005, 900, 6, 1, NULL, 0.4, 1, 5, 1, 0, 0, 1, 2, 0.8, 0.7, 2)`,
	`INSERT INTO strategy_equity SELECT 'run-a', 'fade', v, TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL 1 HOUR,
		1e5 + 100 * v * i - 300 * (i % 5), 1e5, 0, 0.1, 100 FROM range(2) a(v), range(48) b(i)`,
	`INSERT INTO strategy_fills VALUES
		('run-a', 'fade', 0, TIMESTAMPTZ '2024-01-01 06:00:00+00', 1, 'long', 1, 99, 0.01, 0.05, 'taker', 0, false, '', 'ok'),
		('run-a', 'fade', 0, TIMESTAMPTZ '2024-01-01 12:00:00+00', 1, 'short', 1, 101, 0.01, 0.05, 'taker', 2, false, '', 'ok'),
		('run-a', 'fade', 1, TIMESTAMPTZ '2024-01-02 06:00:00+00', 2, 'short', 2, 102, 0.01, 0.05, 'maker', 0, false, '', 'ok'),
		('run-a', 'fade', 1, TIMESTAMPTZ '2024-01-02 18:00:00+00', 3, 'long', 2, 104, 0.02, 0.06, 'taker', -4, true, 'liq', 'ok')`,
}
