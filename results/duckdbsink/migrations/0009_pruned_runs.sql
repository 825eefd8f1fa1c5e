-- Schema version 9: runs deleted by `cascade prune` are remembered, so that
-- merging a shard file that still holds them (the shard files of a nightly
-- scale-out persist from night to night) does not bring them back.
CREATE TABLE pruned_runs (
    run_id    VARCHAR PRIMARY KEY,
    scenario  VARCHAR NOT NULL,
    pruned_at TIMESTAMPTZ NOT NULL
);
