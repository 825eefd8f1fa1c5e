-- Schema version 3: hypothesis tests (one row per hypothesis × variant ×
-- horizon × sample) and their de-overlapped events.
CREATE TABLE hypothesis_results (
    run_id          VARCHAR NOT NULL,
    spec            BIGINT NOT NULL,      -- position of the hypothesis in the scenario
    hypothesis      VARCHAR NOT NULL,
    variant         BIGINT NOT NULL,      -- index in the parameter grid
    params          VARCHAR NOT NULL,     -- e.g. level=0.0007,window=720h
    side            BIGINT NOT NULL,      -- direction the story predicts: +1 up, -1 down, 0 either
    horizon         VARCHAR NOT NULL,     -- e.g. 24h
    horizon_s       BIGINT NOT NULL,
    sample          VARCHAR NOT NULL,     -- in | out | all
    n               BIGINT NOT NULL,      -- events
    episodes        BIGINT NOT NULL,      -- independent episodes
    n_base          BIGINT NOT NULL,      -- baseline rows
    mean_event      DOUBLE,               -- side-adjusted forward return at events
    mean_base       DOUBLE,               -- ... over the baseline
    effect          DOUBLE,               -- mean_event - mean_base
    ci_lo           DOUBLE,               -- stationary-bootstrap interval of effect
    ci_hi           DOUBLE,
    p               DOUBLE,
    q               DOUBLE,               -- Benjamini-Hochberg across the run's family
    p_bonferroni    DOUBLE,
    hit_rate        DOUBLE,
    hit_lo          DOUBLE,               -- Wilson interval
    hit_hi          DOUBLE,
    base_hit_rate   DOUBLE,
    effect_size     DOUBLE,               -- Cohen's d
    tbs_rate        DOUBLE,               -- target before stop, events
    base_tbs_rate   DOUBLE,               -- ... baseline
    chosen          BOOLEAN NOT NULL,     -- chosen by walk-forward
    q_walk_forward  DOUBLE,
    family          BIGINT NOT NULL,      -- tests in the multiple-testing family
    variants_tried  BIGINT NOT NULL,
    source          VARCHAR,
    note            VARCHAR
);

CREATE TABLE hypothesis_events (
    run_id          VARCHAR NOT NULL,
    spec            BIGINT NOT NULL,
    hypothesis      VARCHAR NOT NULL,
    variant         BIGINT NOT NULL,
    ts              TIMESTAMPTZ NOT NULL, -- entry time (end of the signal step)
    sample          VARCHAR NOT NULL,     -- in | out | all, empty if the outcome window leaves every sample
    entry           DOUBLE NOT NULL,
    features        JSON NOT NULL,        -- {"name": value, ...}
    returns         JSON NOT NULL,        -- {"24h": forward return, ...} (raw, not side-adjusted)
    mfe             DOUBLE,
    mae             DOUBLE,
    tbs             BIGINT NOT NULL,      -- +1 target first, -1 stop first, 0 neither
    time_to_target_s BIGINT,
    next_cascade    BIGINT NOT NULL,      -- +1 shorts squeezed, -1 longs flushed, 0 none
    next_cascade_in_s BIGINT
);

-- Hypotheses of the latest completed run of each scenario that survive
-- multiple testing (q < the scenario's alpha), strongest effect first.
CREATE VIEW surviving_hypotheses AS
SELECT r.scenario, h.*
FROM hypothesis_results h
JOIN latest_runs r USING (run_id)
WHERE h.q < coalesce(TRY_CAST(json_extract(r.scenario_json, '$.scenario.stats.alpha') AS DOUBLE), 0.05)
ORDER BY abs(h.effect) DESC;
