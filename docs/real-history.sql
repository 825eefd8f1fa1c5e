-- # Real history: generated tables
--
-- Written by `make real-history` (cascade sql --format markdown --file docs/real-history.sql)
-- from the latest completed run of each real scenario in results/real.duckdb.
--
-- ## Runs
SELECT scenario, strftime(data_from, '%Y-%m-%d') AS data_from, strftime(data_to - INTERVAL 1 DAY, '%Y-%m-%d') AS data_to,
       events, left(digest, 12) AS digest, code_version, data_quality
FROM latest_runs WHERE scenario LIKE 'real-%' ORDER BY scenario;

-- ## Every story over the full span (real-full-history)
--
-- For each hypothesis and horizon, the variant chosen in-sample by walk-forward (best in-sample
-- effect), in and out of sample: n events, the side-adjusted effect (mean forward return after
-- the signal minus the same return at every eligible time), its 95% stationary-bootstrap interval,
-- p, and the Benjamini–Hochberg q across every variant × horizon × sample of the run
-- (q_wf: across the chosen out-of-sample rows only). `data_quality` counts the days of the sample
-- under each data assumption.
SELECT h.hypothesis, regexp_replace(h.params, '(liq_asymmetry|sentiment_extreme|wyckoff_spring)\.', '', 'g') AS params,
       h.horizon, h.sample, h.n, round(h.effect, 4) AS effect,
       '[' || round(h.ci_lo, 4) || ', ' || round(h.ci_hi, 4) || ']' AS ci95, round(h.p, 3) AS p, round(h.q, 3) AS q,
       round(h.q_walk_forward, 3) AS q_wf
FROM hypothesis_results h JOIN latest_runs r USING (run_id)
WHERE r.scenario = 'real-full-history' AND h.chosen
ORDER BY h.hypothesis, h.horizon_s, h.sample;

-- ## Data assumptions behind the full-span samples
SELECT DISTINCT h.sample, h.data_quality
FROM hypothesis_results h JOIN latest_runs r USING (run_id)
WHERE r.scenario = 'real-full-history' ORDER BY 1;

-- ## Stories on the perp-only span with daily OI (2020-01 .. 2023-06)
--
-- real-funding-overheat and real-liquidation-stories: Binance perp hourly bars and funding with
-- the aggregate daily OI, no spot fallback. Walk-forward chosen variants.
SELECT r.scenario, h.hypothesis, h.params, h.horizon, h.sample, h.n, round(h.effect, 4) AS effect,
       '[' || round(h.ci_lo, 4) || ', ' || round(h.ci_hi, 4) || ']' AS ci95, round(h.p, 3) AS p, round(h.q, 3) AS q
FROM hypothesis_results h JOIN latest_runs r USING (run_id)
WHERE r.scenario IN ('real-funding-overheat', 'real-liquidation-stories') AND h.chosen
ORDER BY r.scenario, h.hypothesis, h.horizon_s, h.sample;

-- ## The days with the largest estimated liquidations (real-full-history)
--
-- The simulator's estimated long and short liquidations (quote, USD) per UTC day, with the day's
-- price move and the data assumptions of that day.
SELECT m.day, round(m.close) AS close, round(100 * (m.close / m.open - 1), 1) AS move_pct,
       round(m.est_liq_long / 1e9, 2) AS long_liq_bn, round(m.est_liq_short / 1e9, 2) AS short_liq_bn,
       m.data_quality
FROM market_daily m JOIN latest_runs r USING (run_id)
WHERE r.scenario = 'real-full-history'
ORDER BY m.est_liq_long + m.est_liq_short DESC LIMIT 15;

-- ## Estimated liquidation episodes by year (real-full-history)
--
-- Episodes of estimated liquidations (gaps under 4 minutes join one episode) of at least 1% of the
-- open interest. The waves criterion of the cascade rule needs tick data: hourly bars replay only
-- four prices an hour, so it is not applied here.
SELECT year(c.start_ts) AS year, c.side, count(*) AS episodes, round(sum(c.notional) / 1e9, 1) AS notional_bn,
       round(median(c.price_move) * 100, 2) AS median_move_pct, round(max(c.oi_share) * 100, 1) AS max_oi_share_pct
FROM cascades c JOIN latest_runs r USING (run_id)
WHERE r.scenario = 'real-full-history' AND c.oi_share >= 0.01
GROUP BY ALL ORDER BY year, side;

-- ## The price-only stories over 2019-09 .. 2026-02 (real-price-stories)
--
-- No simulator: springs, funding and sentiment on perp bars with the spot fallback. Walk-forward
-- chosen variants.
SELECT h.hypothesis, regexp_replace(h.params, '(wyckoff_spring|sentiment_extreme)\.', '', 'g') AS params, h.side, h.horizon, h.sample, h.n,
       round(h.effect, 4) AS effect, '[' || round(h.ci_lo, 4) || ', ' || round(h.ci_hi, 4) || ']' AS ci95,
       round(h.p, 3) AS p, round(h.q, 3) AS q, round(h.q_walk_forward, 3) AS q_wf
FROM hypothesis_results h JOIN latest_runs r USING (run_id)
WHERE r.scenario = 'real-price-stories' AND h.chosen
ORDER BY h.hypothesis, h.side, h.horizon_s, h.sample;

-- ## Could the stories have been traded? (out of sample)
--
-- Isolated margin at 3x, Binance fees, slippage from the impact model, funding where the data has
-- it. DSR: deflated Sharpe ratio over every variant tried in the run.
SELECT r.scenario, m.strategy, m.params, round(m.total_return, 3) AS total_return, round(m.sharpe, 2) AS sharpe,
       round(m.max_drawdown, 3) AS max_dd, m.trades, round(m.win_rate, 2) AS win_rate, round(m.fees) AS fees,
       round(m.funding) AS funding, m.liquidations, round(m.psr, 3) AS psr, round(m.dsr, 3) AS dsr
FROM strategy_metrics m JOIN latest_runs r USING (run_id)
WHERE r.scenario IN ('real-full-history', 'real-price-stories') AND m.sample = 'out'
ORDER BY m.dsr DESC NULLS LAST;
