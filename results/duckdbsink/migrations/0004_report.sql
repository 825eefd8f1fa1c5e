-- Schema version 4: what reports draw. market_bars is the sampling grid
-- downsampled to report.bars_every; liq_heatmap holds snapshots of the
-- estimated liquidation map (non-empty bands only) every
-- report.heatmap_every.
CREATE TABLE market_bars (
    run_id          VARCHAR NOT NULL,
    ts              TIMESTAMPTZ NOT NULL, -- bar start
    interval_s      BIGINT NOT NULL,
    open            DOUBLE,
    high            DOUBLE,
    low             DOUBLE,
    close           DOUBLE,
    volume          DOUBLE,               -- base units
    notional        DOUBLE,               -- quote
    oi_value        DOUBLE,               -- open interest (quote) at the bar's close
    funding         DOUBLE,               -- last settled funding rate per 8h at the close
    est_liq_long    DOUBLE,               -- simulator: long notional liquidated in the bar (NULL without simulator)
    est_liq_short   DOUBLE
);

CREATE TABLE liq_heatmap (
    run_id          VARCHAR NOT NULL,
    ts              TIMESTAMPTZ NOT NULL, -- snapshot time
    price           DOUBLE NOT NULL,      -- price at the snapshot
    side            VARCHAR NOT NULL,     -- long (band below the price) | short (above)
    level_lo        DOUBLE NOT NULL,      -- band edges, absolute price
    level_hi        DOUBLE NOT NULL,
    notional        DOUBLE NOT NULL       -- estimated liquidatable quote notional with liquidation price in the band
);
