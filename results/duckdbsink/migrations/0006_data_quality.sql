-- Schema version 6: every analysis row says which data assumptions
-- produced it (the day's flags, or a sample's flags with day counts):
-- e.g. "price: bars (intra-bar path assumed); oi: one observation per
-- 24h0m0s, spread over it by volume; funding: missing". "ok" when none.
ALTER TABLE market_daily ADD COLUMN data_quality VARCHAR;
ALTER TABLE market_bars ADD COLUMN data_quality VARCHAR;
ALTER TABLE liquidations_est ADD COLUMN data_quality VARCHAR;
ALTER TABLE cascades ADD COLUMN data_quality VARCHAR;
ALTER TABLE hypothesis_results ADD COLUMN data_quality VARCHAR;
ALTER TABLE hypothesis_events ADD COLUMN data_quality VARCHAR;
ALTER TABLE strategy_metrics ADD COLUMN data_quality VARCHAR;
ALTER TABLE strategy_fills ADD COLUMN data_quality VARCHAR;
