package duckdbsink

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// PruneResult is what Prune deleted (or, in a dry run, would delete).
type PruneResult struct {
	Runs []PrunedRun // the runs, oldest first
	// Rows counts the deleted result rows by table, the runs table
	// excluded. For a shared table (migration 8) it counts the stored rows
	// that no remaining run shows; rows a kept run shows too stay. The
	// links of the pruned runs to their shared rows count under
	// "table_sets".
	Rows   map[string]int64
	DryRun bool
}

// PrunedRun names one pruned run.
type PrunedRun struct {
	ID, Scenario, Status string
}

// pruneIDs selects the runs Prune removes: per scenario, the completed runs
// beyond the keep newest (by finished_at, run_id: the latest_runs order),
// and the failed or cancelled runs started before the newest completed
// run started. Running runs, the keep newest completed ones and failures
// newer than the last success stay. $1 is keep.
const pruneIDs = `
WITH done AS (
    SELECT run_id, scenario, started_at,
           row_number() OVER (PARTITION BY scenario ORDER BY finished_at DESC, run_id DESC) AS rn
    FROM runs WHERE status = 'completed'),
newest AS (SELECT scenario, started_at AS started FROM done WHERE rn = 1)
SELECT r.run_id, r.scenario, r.status FROM runs r
LEFT JOIN done d USING (run_id) LEFT JOIN newest n ON n.scenario = r.scenario
WHERE CASE
    WHEN r.status = 'completed' THEN d.rn > $1
    WHEN r.status = 'running' THEN false
    ELSE n.started IS NOT NULL AND r.started_at < n.started END`

// Prune deletes old runs and all their result rows in one transaction:
// per scenario it keeps the keep (>= 1) newest completed runs, every
// running run, and the failed or cancelled runs newer than the newest
// completed one (the current failures); the rest go. A nightly batch adds
// a full set of runs whenever the code or the data changes, so without
// pruning the file only grows. DuckDB reuses the space of deleted rows
// for later writes (after the checkpoint Prune runs); the file does not
// shrink. With dryRun nothing changes (a read-only store will do) and the
// result says what would go.
func (s *Store) Prune(ctx context.Context, keep int, dryRun bool) (*PruneResult, error) {
	if keep < 1 {
		return nil, fmt.Errorf("prune %s: keep %d, want >= 1", s.path, keep)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	tables, err := runTables(ctx, conn, "")
	if err != nil {
		return nil, fmt.Errorf("prune %s: %w", s.path, err)
	}
	if !dryRun {
		if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
			return nil, err
		}
	}
	ok := dryRun
	defer func() {
		if !ok {
			conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	res := &PruneResult{Rows: map[string]int64{}, DryRun: dryRun}
	rows, err := conn.QueryContext(ctx, pruneIDs+" ORDER BY r.started_at, r.run_id", keep)
	if err != nil {
		return nil, fmt.Errorf("prune %s: %w", s.path, err)
	}
	for rows.Next() {
		var r PrunedRun
		if err := rows.Scan(&r.ID, &r.Scenario, &r.Status); err != nil {
			rows.Close()
			return nil, err
		}
		res.Runs = append(res.Runs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The result tables first: runs still holds what selects the victims;
	// and the shared rows before table_sets, which says whose they are.
	in := "run_id IN (SELECT run_id FROM (" + pruneIDs + "))"
	shared, err := sharedTables(ctx, conn, "")
	if err != nil {
		return nil, fmt.Errorf("prune %s: %w", s.path, err)
	}
	for _, t := range shared {
		// The sets no remaining run shows: those only pruned runs showed,
		// and any left unlinked (by hand-made deletions).
		orphan := fmt.Sprintf(`set_id NOT IN (SELECT set_id FROM table_sets WHERE table_name = '%s' AND NOT %s)`, t, in)
		var n int64
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s`, quoteIdent(t+sharedSuffix), orphan), keep).Scan(&n); err != nil {
			return nil, fmt.Errorf("prune %s table %s: %w", s.path, t, err)
		}
		res.Rows[t] = n
		if dryRun || n == 0 {
			continue
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %s WHERE %s`, quoteIdent(t+sharedSuffix), orphan), keep); err != nil {
			return nil, fmt.Errorf("prune %s table %s: %w", s.path, t, err)
		}
	}
	for _, t := range tables {
		var n int64
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s`, quoteIdent(t), in), keep).Scan(&n); err != nil {
			return nil, fmt.Errorf("prune %s table %s: %w", s.path, t, err)
		}
		res.Rows[t] = n
		if dryRun || n == 0 {
			continue
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %s WHERE %s`, quoteIdent(t), in), keep); err != nil {
			return nil, fmt.Errorf("prune %s table %s: %w", s.path, t, err)
		}
	}
	if dryRun {
		return res, nil
	}
	// Remembered, so that merging a shard file that still holds them
	// does not bring them back.
	if _, err := conn.ExecContext(ctx, `INSERT OR IGNORE INTO pruned_runs SELECT run_id, scenario, now() FROM runs WHERE `+in, keep); err != nil {
		return nil, fmt.Errorf("prune %s: remember pruned runs: %w", s.path, err)
	}
	if _, err := conn.ExecContext(ctx, `DELETE FROM runs WHERE `+in, keep); err != nil {
		return nil, fmt.Errorf("prune %s runs: %w", s.path, err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, fmt.Errorf("prune %s: %w", s.path, err)
	}
	ok = true
	if len(res.Runs) > 0 {
		// The deletions are committed; a failed checkpoint only delays
		// the reuse of their space to the next one.
		if _, err := conn.ExecContext(ctx, "CHECKPOINT"); err != nil {
			s.log.Warn("pruned runs deleted, but the checkpoint failed (the space is reused after the next one)", "db", s.path, "err", err)
		}
	}
	return res, nil
}

// runTables lists the tables of the attached database db (empty: the
// current one) that have a run_id column, runs and pruned_runs excluded,
// by name.
func runTables(ctx context.Context, conn *sql.Conn, db string) ([]string, error) {
	return tablesWhere(ctx, conn, db, `c.column_name = 'run_id' AND c.table_name NOT IN ('runs', 'pruned_runs')`)
}

// sharedTables lists the tables of the attached database db (empty: the
// current one) whose rows are stored once per content (migration 8): the
// names of the views, each over the table name+sharedSuffix whose first
// column is set_id (CommitRun, Prune and Merge all go by it).
func sharedTables(ctx context.Context, conn *sql.Conn, db string) ([]string, error) {
	tables, err := tablesWhere(ctx, conn, db, `c.column_name = 'set_id' AND c.column_index = 1 AND c.table_name LIKE '%\`+sharedSuffix+`' ESCAPE '\'`)
	for i, t := range tables {
		tables[i] = strings.TrimSuffix(t, sharedSuffix)
	}
	return tables, err
}

// tablesWhere lists, by name, the main tables (not views) of the attached
// database db (empty: the current one) with a column c satisfying cond.
func tablesWhere(ctx context.Context, conn *sql.Conn, db, cond string) ([]string, error) {
	where := "c.database_name = current_database()"
	args := []any{}
	if db != "" {
		where, args = "c.database_name = ?", append(args, db)
	}
	rows, err := conn.QueryContext(ctx, `SELECT DISTINCT c.table_name FROM duckdb_columns() c
		JOIN duckdb_tables() t ON t.database_name = c.database_name AND t.schema_name = c.schema_name AND t.table_name = c.table_name
		WHERE `+where+` AND c.schema_name = 'main' AND `+cond+` ORDER BY 1`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, rows.Err()
}
