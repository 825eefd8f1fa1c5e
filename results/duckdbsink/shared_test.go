package duckdbsink_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/results"
	"github.com/cascade-research/cascade/results/duckdbsink"
)

// commitAll begins and commits each run with its tables; runs start an
// hour apart in the order given, the first one from hours after midnight.
func commitAll(t *testing.T, s *duckdbsink.Store, from int, runs []string, tables map[string][]results.Table) {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, id := range runs {
		r := newRun(id)
		r.Started = t0.Add(time.Duration(from+i) * time.Hour)
		r.Finished = r.Started.Add(time.Minute)
		if err := s.BeginRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := s.CommitRun(ctx, r, tables[id]); err != nil {
			t.Fatal(err)
		}
	}
}

// countBy returns the query's (key, count) rows as a map.
func countBy(t *testing.T, s *duckdbsink.Store, q string) map[string]int {
	t.Helper()
	rows, err := s.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		out[k] = n
	}
	return out
}

// TestSharedRows: runs whose market table has the same rows store them
// once (through the Appender and the bulk path alike) and each run still
// sees them under its run_id; prune frees stored rows only when no kept
// run shows them; merge does not copy rows the file already holds.
func TestSharedRows(t *testing.T) {
	for _, bulk := range []int{-1, 2} {
		ctx := context.Background()
		dir := t.TempDir()
		s, err := duckdbsink.Open(ctx, filepath.Join(dir, "r.duckdb"), duckdbsink.Options{BulkRows: bulk})
		if err != nil {
			t.Fatal(err)
		}
		commitAll(t, s, 0, []string{"a", "b", "c", "d"}, map[string][]results.Table{
			"a": {daily(3)}, "b": {daily(3)}, "c": {daily(4)}, "d": {daily(0)},
		})
		view := countBy(t, s, `SELECT run_id, count(*) FROM market_daily GROUP BY ALL`)
		stored := countBy(t, s, `SELECT 'rows', count(*) FROM market_daily_rows`)
		if len(view) != 3 || view["a"] != 3 || view["b"] != 3 || view["c"] != 4 || stored["rows"] != 7 {
			t.Fatalf("bulk %d: view %v, stored %v; want a 3, b 3, c 4 and 7 stored", bulk, view, stored)
		}
		// The view's rows are the table's rows.
		var same bool
		if err := s.DB().QueryRow(`SELECT (SELECT list(x ORDER BY day) FROM (SELECT * EXCLUDE (run_id) FROM market_daily WHERE run_id = 'a') x) =
			(SELECT list(x ORDER BY day) FROM (SELECT * EXCLUDE (run_id) FROM market_daily WHERE run_id = 'b') x)`).Scan(&same); err != nil || !same {
			t.Fatalf("bulk %d: runs a and b differ (%v, %v)", bulk, same, err)
		}

		// A shard with a run of the same rows and one of new rows.
		shard, err := duckdbsink.Open(ctx, filepath.Join(dir, "shard.duckdb"), duckdbsink.Options{BulkRows: bulk})
		if err != nil {
			t.Fatal(err)
		}
		commitAll(t, shard, 4, []string{"e", "f"}, map[string][]results.Table{"e": {daily(3)}, "f": {daily(5)}})
		shard.Close()
		if n, err := s.Merge(ctx, filepath.Join(dir, "shard.duckdb")); err != nil || n != 2 {
			t.Fatalf("bulk %d: merge %d runs, %v", bulk, n, err)
		}
		view = countBy(t, s, `SELECT run_id, count(*) FROM market_daily GROUP BY ALL`)
		stored = countBy(t, s, `SELECT 'rows', count(*) FROM market_daily_rows`)
		if view["e"] != 3 || view["f"] != 5 || stored["rows"] != 12 {
			t.Fatalf("bulk %d: after merge view %v, stored %v; want e 3, f 5 and 12 stored", bulk, view, stored)
		}

		// Merging the shard again adds nothing; a shard run whose id the
		// file already has (a, with other rows) brings neither the run
		// nor its rows.
		again, err := duckdbsink.Open(ctx, filepath.Join(dir, "shard.duckdb"), duckdbsink.Options{BulkRows: bulk})
		if err != nil {
			t.Fatal(err)
		}
		commitAll(t, again, 6, []string{"a"}, map[string][]results.Table{"a": {daily(9)}})
		again.Close()
		if n, err := s.Merge(ctx, filepath.Join(dir, "shard.duckdb")); err != nil || n != 0 {
			t.Fatalf("bulk %d: second merge %d runs, %v; want 0", bulk, n, err)
		}
		if stored = countBy(t, s, `SELECT 'rows', count(*) FROM market_daily_rows`); stored["rows"] != 12 {
			t.Fatalf("bulk %d: after the second merge %v stored, want 12", bulk, stored)
		}

		// Keep the newest 3 (d, e, f; all scenario s): a, b and c go.
		// Run e still shows a's and b's rows; c's are freed. A dry run
		// says so and changes nothing.
		dry, err := s.Prune(ctx, 3, true)
		if err != nil {
			t.Fatal(err)
		}
		stored = countBy(t, s, `SELECT 'rows', count(*) FROM market_daily_rows`)
		if len(dry.Runs) != 3 || dry.Rows["market_daily"] != 4 || dry.Rows["table_sets"] != 3 || stored["rows"] != 12 {
			t.Fatalf("bulk %d: dry run: %v (rows %v), %v stored; want 3 runs, 4 rows and 3 links to free, 12 stored", bulk, dry.Runs, dry.Rows, stored)
		}
		res, err := s.Prune(ctx, 3, false)
		if err != nil {
			t.Fatal(err)
		}
		stored = countBy(t, s, `SELECT 'rows', count(*) FROM market_daily_rows`)
		if len(res.Runs) != 3 || res.Rows["market_daily"] != 4 || stored["rows"] != 8 {
			t.Fatalf("bulk %d: pruned %v (rows %v), %v stored; want 3 runs, 4 freed, 8 stored", bulk, res.Runs, res.Rows, stored)
		}
		if view = countBy(t, s, `SELECT run_id, count(*) FROM market_daily GROUP BY ALL`); len(view) != 2 || view["e"] != 3 || view["f"] != 5 {
			t.Fatalf("bulk %d: after prune view %v; want e 3, f 5", bulk, view)
		}
		// Rows no run links (after a hand-made deletion) go at the next
		// prune too.
		if _, err := s.DB().Exec(`DELETE FROM table_sets WHERE run_id = 'f'`); err != nil {
			t.Fatal(err)
		}
		if res, err = s.Prune(ctx, 3, false); err != nil || res.Rows["market_daily"] != 5 {
			t.Fatalf("bulk %d: prune of unlinked rows: %v, %v; want 5 rows", bulk, res, err)
		}
		s.Close()
	}
}

// TestMigrationSharesRows: a file of schema 7 keeps its market rows and
// their columns when migration 8 makes the table a view.
func TestMigrationSharesRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.duckdb")
	s, err := duckdbsink.OpenVersion(ctx, path, 7)
	if err != nil {
		t.Fatal(err)
	}
	commitAll(t, s, 0, []string{"x", "y"}, map[string][]results.Table{"x": {daily(2)}, "y": {daily(2)}})
	colsQ := `SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index) FROM duckdb_columns() WHERE table_name = 'market_daily'`
	contentQ := `SELECT string_agg(t::VARCHAR, '; ' ORDER BY run_id, day) FROM market_daily t`
	var cols, content string
	if err := s.DB().QueryRow(colsQ).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().QueryRow(contentQ).Scan(&content); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = duckdbsink.Open(ctx, path, duckdbsink.Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var cols8, content8 string
	if err := s.DB().QueryRow(colsQ).Scan(&cols8); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().QueryRow(contentQ).Scan(&content8); err != nil {
		t.Fatal(err)
	}
	if cols8 != cols || content8 != content {
		t.Fatalf("after migration 8:\ncolumns %s\nwant    %s\nrows %s\nwant %s", cols8, cols, content8, content)
	}
	// Rows written before stay one set per run; a new run of the same
	// rows stores them again once, as a set of its own.
	commitAll(t, s, 2, []string{"z"}, map[string][]results.Table{"z": {daily(2)}})
	if n := countBy(t, s, `SELECT 'rows', count(*) FROM market_daily_rows`); n["rows"] != 6 {
		t.Fatalf("stored %v, want 6", n)
	}
}

// TestSharedCommitFails: a commit that fails after storing a new set
// leaves neither rows nor links, and a later commit of the same rows
// stores them.
func TestSharedCommitFails(t *testing.T) {
	ctx := context.Background()
	s, err := duckdbsink.Open(ctx, filepath.Join(t.TempDir(), "r.duckdb"), duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	bad := results.Table{Name: "no_such_table", Cols: []results.Column{{Name: "x", Type: results.Int, I64: []int64{1}}}}
	r := newRun("a")
	if err := s.BeginRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitRun(ctx, r, []results.Table{daily(7), bad}); err == nil || !strings.Contains(err.Error(), "no_such_table") {
		t.Fatalf("commit with a bad table: err = %v", err)
	}
	if n := countBy(t, s, `SELECT 'n', (SELECT count(*) FROM market_daily_rows) + (SELECT count(*) FROM table_sets)`); n["n"] != 0 {
		t.Fatalf("failed commit left %d rows and links", n["n"])
	}
	commitAll(t, s, 1, []string{"b"}, map[string][]results.Table{"b": {daily(7)}})
	if n := countBy(t, s, `SELECT run_id, count(*) FROM market_daily GROUP BY ALL`); len(n) != 1 || n["b"] != 7 {
		t.Fatalf("after a later commit the view shows %v, want b 7", n)
	}
}

// TestSharedViewColumns: each shared view has run_id and then its stored
// table's columns after set_id, in order (a migration that changes an
// X_rows table must recreate its view).
func TestSharedViewColumns(t *testing.T) {
	ctx := context.Background()
	s, err := duckdbsink.Open(ctx, filepath.Join(t.TempDir(), "r.duckdb"), duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cols := func(table string) string {
		var c string
		if err := s.DB().QueryRow(`SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index) FROM duckdb_columns() WHERE table_name = ?`, table).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, v := range []string{"market_daily", "market_bars", "liquidations_est", "cascades", "liq_heatmap"} {
		view, stored := cols(v), cols(v+"_rows")
		if want := "run_id VARCHAR" + strings.TrimPrefix(stored, "set_id BIGINT"); !strings.HasPrefix(stored, "set_id BIGINT, ") || view != want {
			t.Errorf("view %s has columns\n%s\nwant\n%s", v, view, want)
		}
	}
}

// TestMergeSkipsPruned: a run pruned from the file does not come back when
// a shard file that still holds it is merged again (the shard files of a
// nightly scale-out persist between nights).
func TestMergeSkipsPruned(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	shard, err := duckdbsink.Open(ctx, filepath.Join(dir, "shard.duckdb"), duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	commitAll(t, shard, 0, []string{"n1", "n2"}, map[string][]results.Table{"n1": {daily(2)}, "n2": {daily(3)}})
	shard.Close()
	s, err := duckdbsink.Open(ctx, filepath.Join(dir, "r.duckdb"), duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.Merge(ctx, filepath.Join(dir, "shard.duckdb")); err != nil || n != 2 {
		t.Fatalf("merge: %d runs, %v; want 2", n, err)
	}
	if res, err := s.Prune(ctx, 1, false); err != nil || len(res.Runs) != 1 || res.Runs[0].ID != "n1" {
		t.Fatalf("prune: %+v, %v; want n1 pruned", res, err)
	}
	if n, err := s.Merge(ctx, filepath.Join(dir, "shard.duckdb")); err != nil || n != 0 {
		t.Fatalf("merge after prune: %d runs, %v; want 0", n, err)
	}
	if got := countBy(t, s, `SELECT run_id, count(*) FROM market_daily GROUP BY ALL`); len(got) != 1 || got["n2"] != 3 {
		t.Fatalf("after the second merge the file shows %v, want n2 only", got)
	}
	if got := countBy(t, s, `SELECT run_id, count(*) FROM pruned_runs GROUP BY ALL`); len(got) != 1 || got["n1"] != 1 {
		t.Fatalf("pruned_runs %v, want n1", got)
	}
}

// TestStaleBulkFiles: a writer opening a results file deletes the
// temporary bulk-load files of processes that ended (killed mid-commit)
// and leaves those of running processes alone.
func TestStaleBulkFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no true command:", err)
	}
	stale := filepath.Join(tmp, fmt.Sprintf("cascade-bulk-%d-123.parquet", dead.Process.Pid))
	live := filepath.Join(tmp, fmt.Sprintf("cascade-bulk-%d-456.parquet", os.Getpid()))
	other := filepath.Join(tmp, "cascade-bulk-notapid.parquet")
	for _, p := range []string{stale, live, other} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := duckdbsink.Open(context.Background(), filepath.Join(t.TempDir(), "r.duckdb"), duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for p, want := range map[string]bool{stale: false, live: true, other: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s present %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}
