-- market_daily of a bars scenario against DuckDB's aggregation of the bar
-- files (TestE2EMarketOracle): four path points per bar, the recorded
-- taker-buy volume; every *_ok must be true.
WITH b AS (
  SELECT (ts AT TIME ZONE 'UTC')::DATE AS day, arg_min(open, ts) AS open, max(high) AS high, min(low) AS low, arg_max(close, ts) AS close,
         4 * count(*) AS trades, sum(volume) AS volume, sum(taker_buy_volume) AS buy_volume
  FROM read_parquet('data/exchange=synth/symbol=BTCUSDT/kind=bars/*/*.parquet') GROUP BY 1)
SELECT m.day, m.open = b.open AS open_ok, m.high = b.high AS high_ok, m.low = b.low AS low_ok, m.close = b.close AS close_ok,
  m.trades = b.trades AS trades_ok, abs(m.volume - b.volume) <= 1e-9 * b.volume AS volume_ok,
  abs(m.buy_volume - b.buy_volume) <= 1e-9 * b.volume AS buy_ok
FROM market_daily m FULL JOIN b USING (day) ORDER BY day;
