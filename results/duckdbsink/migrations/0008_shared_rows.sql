-- Schema version 8: the market and simulator tables are stored once per
-- distinct content. Scenarios that replay the same data with the same
-- simulator settings produce identical market_daily, market_bars,
-- liquidations_est, cascades and liq_heatmap rows; a nightly batch of them
-- stored each copy under its own run_id. Now each such table X keeps its
-- rows in X_rows under a set_id, table_sets says which runs show which set,
-- and X is a view with the same columns as before (run_id first), so
-- queries do not change.
--
-- set_id is a BIGINT (joins on it are cheap): for rows a run commits, the
-- first 64 bits of a SHA-256 over their content (see setID in store.go);
-- for rows written before this version, one set per run, numbered
-- (hash(run_id) & 9223372036854775807)::BIGINT (merge numbers the rows of
-- older shards the same way).
--
-- A later migration that changes the columns of an X_rows table must drop
-- and recreate its view: a view keeps the columns it was created with.
CREATE TABLE table_sets (
    run_id     VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,  -- the view: market_daily, market_bars, liquidations_est, cascades, liq_heatmap
    set_id     BIGINT NOT NULL    -- the rows of X_rows with this set_id
);

INSERT INTO table_sets SELECT DISTINCT run_id, 'market_daily', (hash(run_id) & 9223372036854775807)::BIGINT FROM market_daily;
ALTER TABLE market_daily RENAME TO market_daily_rows;
ALTER TABLE market_daily_rows RENAME COLUMN run_id TO set_id;
ALTER TABLE market_daily_rows ALTER set_id SET DATA TYPE BIGINT USING (hash(set_id) & 9223372036854775807)::BIGINT;
CREATE VIEW market_daily AS SELECT s.run_id, r.* EXCLUDE (set_id)
    FROM table_sets s JOIN market_daily_rows r ON r.set_id = s.set_id AND s.table_name = 'market_daily';

INSERT INTO table_sets SELECT DISTINCT run_id, 'market_bars', (hash(run_id) & 9223372036854775807)::BIGINT FROM market_bars;
ALTER TABLE market_bars RENAME TO market_bars_rows;
ALTER TABLE market_bars_rows RENAME COLUMN run_id TO set_id;
ALTER TABLE market_bars_rows ALTER set_id SET DATA TYPE BIGINT USING (hash(set_id) & 9223372036854775807)::BIGINT;
CREATE VIEW market_bars AS SELECT s.run_id, r.* EXCLUDE (set_id)
    FROM table_sets s JOIN market_bars_rows r ON r.set_id = s.set_id AND s.table_name = 'market_bars';

INSERT INTO table_sets SELECT DISTINCT run_id, 'liquidations_est', (hash(run_id) & 9223372036854775807)::BIGINT FROM liquidations_est;
ALTER TABLE liquidations_est RENAME TO liquidations_est_rows;
ALTER TABLE liquidations_est_rows RENAME COLUMN run_id TO set_id;
ALTER TABLE liquidations_est_rows ALTER set_id SET DATA TYPE BIGINT USING (hash(set_id) & 9223372036854775807)::BIGINT;
CREATE VIEW liquidations_est AS SELECT s.run_id, r.* EXCLUDE (set_id)
    FROM table_sets s JOIN liquidations_est_rows r ON r.set_id = s.set_id AND s.table_name = 'liquidations_est';

INSERT INTO table_sets SELECT DISTINCT run_id, 'cascades', (hash(run_id) & 9223372036854775807)::BIGINT FROM cascades;
ALTER TABLE cascades RENAME TO cascades_rows;
ALTER TABLE cascades_rows RENAME COLUMN run_id TO set_id;
ALTER TABLE cascades_rows ALTER set_id SET DATA TYPE BIGINT USING (hash(set_id) & 9223372036854775807)::BIGINT;
CREATE VIEW cascades AS SELECT s.run_id, r.* EXCLUDE (set_id)
    FROM table_sets s JOIN cascades_rows r ON r.set_id = s.set_id AND s.table_name = 'cascades';

INSERT INTO table_sets SELECT DISTINCT run_id, 'liq_heatmap', (hash(run_id) & 9223372036854775807)::BIGINT FROM liq_heatmap;
ALTER TABLE liq_heatmap RENAME TO liq_heatmap_rows;
ALTER TABLE liq_heatmap_rows RENAME COLUMN run_id TO set_id;
ALTER TABLE liq_heatmap_rows ALTER set_id SET DATA TYPE BIGINT USING (hash(set_id) & 9223372036854775807)::BIGINT;
CREATE VIEW liq_heatmap AS SELECT s.run_id, r.* EXCLUDE (set_id)
    FROM table_sets s JOIN liq_heatmap_rows r ON r.set_id = s.set_id AND s.table_name = 'liq_heatmap';
