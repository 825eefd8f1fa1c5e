-- Cascade results schema, version 1: runs and the daily market table.
CREATE TABLE runs (
    run_id           VARCHAR PRIMARY KEY,
    scenario         VARCHAR NOT NULL,
    scenario_hash    VARCHAR NOT NULL,
    scenario_json    JSON NOT NULL,
    data_fingerprint VARCHAR,
    code_version     VARCHAR NOT NULL,
    seed             UBIGINT NOT NULL,
    data_from        TIMESTAMPTZ,
    data_to          TIMESTAMPTZ,
    started_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ,
    status           VARCHAR NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    error            VARCHAR,
    digest           VARCHAR,
    events           BIGINT,
    data_quality     VARCHAR,
    pid              INTEGER,
    host             VARCHAR
);

CREATE TABLE market_daily (
    run_id         VARCHAR NOT NULL,
    day            DATE NOT NULL,
    open           DOUBLE,
    high           DOUBLE,
    low            DOUBLE,
    close          DOUBLE,
    trades         BIGINT,
    volume         DOUBLE,
    notional       DOUBLE,
    buy_volume     DOUBLE,
    funding_sum    DOUBLE,
    funding_count  BIGINT,
    funding_last   DOUBLE,
    oi_open        DOUBLE,
    oi_close       DOUBLE,
    oi_value_close DOUBLE
);

-- The latest completed run of each scenario.
CREATE VIEW latest_runs AS
SELECT * EXCLUDE (rn) FROM (
    SELECT r.*, row_number() OVER (PARTITION BY scenario ORDER BY finished_at DESC, run_id DESC) AS rn
    FROM runs r WHERE status = 'completed'
) WHERE rn = 1;
