-- Schema version 8: the market and simulator tables are stored once per
-- distinct content. Scenarios that replay the same data with the same
-- simulator settings produce identical market_daily, market_bars,
-- liquidations_est, cascades and liq_heatmap rows; a nightly batch of them
-- stored each copy under its own run_id. Now each such table X keeps its
-- rows in X_rows under a set_id (the SHA-256 of the table's rows, or the
-- run_id for rows written before this version), table_sets says which runs
-- show which set, and X is a view with the same columns as before
-- (run_id first), so queries do not change.
--
-- A later migration that changes the columns of an X_rows table must drop
-- and recreate its view: a view keeps the columns it was created with.
CREATE TABLE table_sets (
    run_id     VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,  -- the view: market_daily, market_bars, liquidations_est, cascades, liq_heatmap
    set_id     VARCHAR NOT NULL   -- the rows of X_rows with this set_id
);

ALTER TABLE market_daily RENAME TO market_daily_rows;
ALTER TABLE market_daily_rows RENAME COLUMN run_id TO set_id;
INSERT INTO table_sets SELECT DISTINCT set_id, 'market_daily', set_id FROM market_daily_rows;
CREATE VIEW market_daily AS SELECT s.run_id, r.* EXCLUDE (set_id)
    FROM table_sets s JOIN market_daily_rows r ON r.set_id = s.set_id AND s.table_name = 'market_daily';

ALTER TABLE market_bars RENAME TO market_bars_rows;
ALTER TABLE market_bars_rows RENAME COLUMN run_id TO set_id;
INSERT INTO table_sets SELECT DISTINCT set_id, 'market_bars', set_id FROM market_bars_rows;
CREATE VIEW market_bars AS SELECT s.run_id, r.* EXCLUDE (set_id)
    FROM table_sets s JOIN market_bars_rows r ON r.set_id = s.set_id AND s.table_name = 'market_bars';

ALTER TABLE liquidations_est RENAME TO liquidations_est_rows;
ALTER TABLE liquidations_est_rows RENAME COLUMN run_id TO set_id;
INSERT INTO table_sets SELECT DISTINCT set_id, 'liquidations_est', set_id FROM liquidations_est_rows;
CREATE VIEW liquidations_est AS SELECT s.run_id, r.* EXCLUDE (set_id)
    FROM table_sets s JOIN liquidations_est_rows r ON r.set_id = s.set_id AND s.table_name = 'liquidations_est';

ALTER TABLE cascades RENAME TO cascades_rows;
ALTER TABLE cascades_rows RENAME COLUMN run_id TO set_id;
INSERT INTO table_sets SELECT DISTINCT set_id, 'cascades', set_id FROM cascades_rows;
CREATE VIEW cascades AS SELECT s.run_id, r.* EXCLUDE (set_id)
    FROM table_sets s JOIN cascades_rows r ON r.set_id = s.set_id AND s.table_name = 'cascades';

ALTER TABLE liq_heatmap RENAME TO liq_heatmap_rows;
ALTER TABLE liq_heatmap_rows RENAME COLUMN run_id TO set_id;
INSERT INTO table_sets SELECT DISTINCT set_id, 'liq_heatmap', set_id FROM liq_heatmap_rows;
CREATE VIEW liq_heatmap AS SELECT s.run_id, r.* EXCLUDE (set_id)
    FROM table_sets s JOIN liq_heatmap_rows r ON r.set_id = s.set_id AND s.table_name = 'liq_heatmap';
