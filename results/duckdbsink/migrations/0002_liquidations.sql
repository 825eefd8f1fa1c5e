-- Schema version 2: the liquidation simulator's estimated liquidations and
-- cascade episodes.
CREATE TABLE liquidations_est (
    run_id      VARCHAR NOT NULL,
    ts          TIMESTAMPTZ NOT NULL,
    side        VARCHAR NOT NULL,   -- side liquidated: long | short
    price       DOUBLE NOT NULL,    -- assumed execution price
    liq_price   DOUBLE NOT NULL,    -- the cohort's liquidation price
    qty         DOUBLE NOT NULL,    -- base units
    notional    DOUBLE NOT NULL,    -- quote
    leverage    DOUBLE NOT NULL,
    entry_price DOUBLE NOT NULL
);

-- Every episode of same-side liquidations closer than the cascade gap;
-- is_cascade marks those that pass the cascade rule.
CREATE TABLE cascades (
    run_id      VARCHAR NOT NULL,
    start_ts    TIMESTAMPTZ NOT NULL,
    end_ts      TIMESTAMPTZ NOT NULL,
    side        VARCHAR NOT NULL,   -- side liquidated: long | short
    notional    DOUBLE NOT NULL,    -- quote
    qty         DOUBLE NOT NULL,    -- base
    liquidations BIGINT NOT NULL,   -- cohorts liquidated
    waves       BIGINT NOT NULL,
    price_start DOUBLE NOT NULL,
    price_end   DOUBLE NOT NULL,
    price_move  DOUBLE NOT NULL,    -- price_end / price_start - 1
    oi_value    DOUBLE,             -- open interest (quote) at the start
    oi_share    DOUBLE,             -- notional / oi_value
    is_cascade  BOOLEAN NOT NULL    -- passes the cascade rule: >= 1% of OI, >= 3 waves, price moved against the side
);

ALTER TABLE market_daily ADD COLUMN est_liq_long DOUBLE;
ALTER TABLE market_daily ADD COLUMN est_liq_short DOUBLE;
