-- market_daily of a trades scenario against DuckDB's own aggregation of
-- the dataset's Parquet files (TestE2EMarketOracle): every *_ok must be
-- true. oi_open/oi_close are the last observation before the end of the
-- day's first (5-minute) and last grid step.
WITH tr AS (
  SELECT (ts AT TIME ZONE 'UTC')::DATE AS day,
         arg_min(price, (ts, trade_id)) AS open, max(price) AS high, min(price) AS low, arg_max(price, (ts, trade_id)) AS close,
         count(*) AS trades, sum(qty) AS volume, coalesce(sum(qty) FILTER (WHERE side > 0), 0) AS buy_volume, sum(price * qty) AS notional
  FROM read_parquet('data/exchange=synth/symbol=BTCUSDT/kind=trades/*/*.parquet') GROUP BY 1),
fu AS (
  SELECT (ts AT TIME ZONE 'UTC')::DATE AS day, sum(rate) AS funding_sum, count(*) AS funding_count, arg_max(rate, ts) AS funding_last
  FROM read_parquet('data/exchange=synth/symbol=BTCUSDT/kind=funding/*/*.parquet') GROUP BY 1),
oi AS (SELECT ts, oi, oi_value FROM read_parquet('data/exchange=synth/symbol=BTCUSDT/kind=oi/*/*.parquet')),
days AS (SELECT DISTINCT day FROM tr),
o AS (
  SELECT d.day,
    (SELECT arg_max(oi, ts) FROM oi WHERE ts < d.day::TIMESTAMP AT TIME ZONE 'UTC' + INTERVAL 5 MINUTE) AS oi_open,
    (SELECT arg_max(oi, ts) FROM oi WHERE ts < d.day::TIMESTAMP AT TIME ZONE 'UTC' + INTERVAL 1 DAY) AS oi_close,
    (SELECT arg_max(oi_value, ts) FROM oi WHERE ts < d.day::TIMESTAMP AT TIME ZONE 'UTC' + INTERVAL 1 DAY) AS oi_value_close
  FROM days d)
SELECT m.day,
  m.open = tr.open AS open_ok, m.high = tr.high AS high_ok, m.low = tr.low AS low_ok, m.close = tr.close AS close_ok,
  m.trades = tr.trades AS trades_ok,
  abs(m.volume - tr.volume) <= 1e-9 * tr.volume AS volume_ok,
  abs(m.buy_volume - tr.buy_volume) <= 1e-9 * tr.volume AS buy_ok,
  abs(m.notional - tr.notional) <= 1e-9 * tr.notional AS notional_ok,
  abs(m.funding_sum - fu.funding_sum) <= 1e-15 AS fsum_ok, m.funding_count = fu.funding_count AS fcount_ok, m.funding_last = fu.funding_last AS flast_ok,
  m.oi_open = o.oi_open AS oiopen_ok, m.oi_close = o.oi_close AS oiclose_ok, m.oi_value_close = o.oi_value_close AS oiv_ok
FROM market_daily m FULL JOIN tr USING (day) LEFT JOIN fu USING (day) LEFT JOIN o USING (day)
ORDER BY m.day;

-- market_bars (1h) against the trades by hour.
WITH h AS (
  SELECT time_bucket(INTERVAL 1 HOUR, ts) AS ts,
         arg_min(price, (ts, trade_id)) AS open, max(price) AS high, min(price) AS low, arg_max(price, (ts, trade_id)) AS close,
         sum(qty) AS volume, sum(price * qty) AS notional
  FROM read_parquet('data/exchange=synth/symbol=BTCUSDT/kind=trades/*/*.parquet') GROUP BY 1)
SELECT count(*) AS hours, bool_and(m.open = h.open AND m.high = h.high AND m.low = h.low AND m.close = h.close) AS ohlc_ok,
  bool_and(abs(m.volume - h.volume) <= 1e-9 * h.volume AND abs(m.notional - h.notional) <= 1e-9 * h.notional) AS volume_ok,
  count(*) = (SELECT count(*) FROM h) AND (SELECT count(*) FROM market_bars) = (SELECT count(*) FROM h) AS hours_ok
FROM market_bars m JOIN h USING (ts);
