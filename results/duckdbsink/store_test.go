package duckdbsink_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/engine/perp"
	"github.com/cascade-research/cascade/results"
	"github.com/cascade-research/cascade/results/duckdbsink"
)

func newRun(id string) *results.Run {
	return &results.Run{ID: id, Scenario: "s", ScenarioHash: "h", ScenarioJSON: `{}`, CodeVersion: "test", Seed: 1,
		Started: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Finished: time.Date(2024, 1, 1, 0, 1, 0, 0, time.UTC)}
}

func daily(n int) results.Table {
	rows := make([]engine.DailyStat, n)
	for i := range rows {
		rows[i] = engine.DailyStat{Day: engine.Nanos(i) * engine.Day, Open: 1, High: 2, Low: 0.5, Close: 1.5, Trades: int64(i),
			FundingLast: math.NaN(), OIOpen: math.NaN(), OIClose: math.NaN(), OIValueClose: math.NaN()}
	}
	return results.MarketDaily(rows, false)
}

func TestCommitAndQuery(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.duckdb")
	s, err := duckdbsink.Open(ctx, path, duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := newRun("a")
	if err := s.BeginRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitRun(ctx, r, []results.Table{daily(5)}); err != nil {
		t.Fatal(err)
	}
	var n int
	var nulls int
	if err := s.DB().QueryRow("SELECT count(*), count(*) FILTER (WHERE oi_open IS NULL) FROM market_daily WHERE run_id = 'a'").Scan(&n, &nulls); err != nil {
		t.Fatal(err)
	}
	if n != 5 || nulls != 5 {
		t.Fatalf("rows %d, null oi_open %d; want 5, 5 (NaN stored as NULL)", n, nulls)
	}
	var status string
	s.DB().QueryRow("SELECT status FROM runs WHERE run_id = 'a'").Scan(&status)
	if status != "completed" {
		t.Fatalf("status %q", status)
	}
	var v int
	s.DB().QueryRow("SELECT max(version) FROM schema_migrations").Scan(&v)
	if v != duckdbsink.SchemaVersion() || v < 1 {
		t.Fatalf("schema version %d, want %d", v, duckdbsink.SchemaVersion())
	}
}

func TestCommitFailureLeavesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.duckdb")
	s, err := duckdbsink.Open(ctx, path, duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := newRun("b")
	s.BeginRun(ctx, r)
	bad := results.Table{Name: "no_such_table", Cols: []results.Column{{Name: "x", Type: results.Int, I64: []int64{1}}}}
	err = s.CommitRun(ctx, r, []results.Table{daily(3), bad})
	if err == nil || !strings.Contains(err.Error(), "no_such_table") {
		t.Fatalf("err = %v", err)
	}
	var n int
	s.DB().QueryRow("SELECT count(*) FROM market_daily").Scan(&n)
	if n != 0 {
		t.Fatalf("%d partial rows visible after a failed commit", n)
	}
	r.Status, r.Error = results.StatusFailed, err.Error()
	if err := s.EndRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	var status string
	s.DB().QueryRow("SELECT status FROM runs WHERE run_id = 'b'").Scan(&status)
	if status != "failed" {
		t.Fatalf("status %q", status)
	}
}

func TestReadOnlyMissing(t *testing.T) {
	_, err := duckdbsink.Open(context.Background(), filepath.Join(t.TempDir(), "nope.duckdb"), duckdbsink.Options{ReadOnly: true})
	if err == nil || !strings.Contains(err.Error(), "nope.duckdb") {
		t.Fatalf("err = %v", err)
	}
}

func TestDigest(t *testing.T) {
	a, _ := results.Digest([]results.Table{daily(3)})
	b, _ := results.Digest([]results.Table{daily(3)})
	c, _ := results.Digest([]results.Table{daily(4)})
	if a != b || a == c {
		t.Fatalf("digests %s %s %s", a, b, c)
	}
	bad := results.Table{Name: "x", Cols: []results.Column{{Name: "a", Type: results.Int, I64: []int64{1}}, {Name: "b", Type: results.Int}}}
	if _, err := results.Digest([]results.Table{bad}); err == nil {
		t.Fatal("ragged table accepted")
	}
}

// BenchmarkCommit1M commits one million estimated liquidations (the
// liquidations_est table: ten columns with run_id, the table that
// dominates a scenario's commit) in one run commit, through the bulk path
// (the cascade_rows table function, the default at this size) and, in the same
// loop, through the row Appender (BulkRows < 0), on one DuckDB thread as
// the batch writer uses. Target: under 2 s per million rows on the 2-core
// machine; bulk-vs-appender is what the bulk path costs relative to the
// Appender. Each of those commits has rows of its own (one value differs),
// since rows already stored are only linked (schema 8); linked-vs-bulk is
// what a commit of rows stored before costs relative to the bulk path.
func BenchmarkCommit1M(b *testing.B) {
	const n = 1_000_000
	ctx := context.Background()
	ls := make([]liquidation.Liquidation, n)
	for i := range ls {
		f := float64(i % 5000)
		ls[i] = liquidation.Liquidation{TS: engine.Nanos(i) * engine.Second, Side: perp.Side(1 - 2*(i%2)), Price: 60000 + f, LiqPrice: 60000 + f,
			Qty: 0.01 + f/1e5, Notional: 600 + f, Leverage: float64(1 + i%125), EntryPrice: 61000 + f}
	}
	tbl := results.Liquidations(ls)
	var notional []float64
	for _, c := range tbl.Cols {
		if c.Name == "notional" {
			notional = c.F64
		}
	}
	dir := b.TempDir()
	k := 0
	commit := func(i, bulkRows int, same bool) time.Duration {
		if !same {
			k++
			notional[0] = float64(k)
		}
		s, err := duckdbsink.Open(ctx, filepath.Join(dir, "bench.duckdb"), duckdbsink.Options{BulkRows: bulkRows, Threads: 1})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		r := newRun(fmt.Sprintf("%d-%d-%v", i, bulkRows, same))
		if err := s.BeginRun(ctx, r); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := s.CommitRun(ctx, r, []results.Table{tbl}); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var total, appender, linked time.Duration
	for i := 0; b.Loop(); i++ {
		appender += commit(i, -1, false)
		total += commit(i, 0, false)
		linked += commit(i, 0, true)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/1M-rows")
	b.ReportMetric(float64(n)*float64(b.N)/total.Seconds()/1e6, "Mrows/s")
	b.ReportMetric(total.Seconds()/appender.Seconds(), "bulk-vs-appender")
	b.ReportMetric(linked.Seconds()/total.Seconds(), "linked-vs-bulk")
}

// Columns are appended by name: a column the table lacks is NULL (here
// data_quality, added by a later migration), a column the database lacks
// is an error naming it.
func TestAppendByName(t *testing.T) {
	ctx := context.Background()
	s, err := duckdbsink.Open(ctx, filepath.Join(t.TempDir(), "r.duckdb"), duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tb := daily(2)
	tb.Cols[0], tb.Cols[1] = tb.Cols[1], tb.Cols[0] // order does not matter
	r := newRun("a")
	if err := s.BeginRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitRun(ctx, r, []results.Table{tb}); err != nil {
		t.Fatal(err)
	}
	var n, nulls int
	var open float64
	if err := s.DB().QueryRow("SELECT count(*), count(*) FILTER (WHERE data_quality IS NULL), min(open) FROM market_daily").Scan(&n, &nulls, &open); err != nil {
		t.Fatal(err)
	}
	if n != 2 || nulls != 2 || open != 1 {
		t.Fatalf("rows %d, null data_quality %d, open %v", n, nulls, open)
	}
	bad := daily(1)
	bad.Cols = append(bad.Cols, results.Column{Name: "nope", Type: results.Float, F64: []float64{1}})
	r2 := newRun("b")
	if err := s.BeginRun(ctx, r2); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitRun(ctx, r2, []results.Table{bad}); err == nil || !strings.Contains(err.Error(), "market_daily has no column nope") {
		t.Fatalf("unknown column: err = %v", err)
	}
}

// TestBulkLoadSameRows: a table bulk-loaded through the cascade_rows table
// function (BulkRows) stores exactly the rows the Appender stores: every
// column type, NaN as NULL, infinities, empty and odd strings,
// sub-microsecond times, dates before 1970, columns in another order than
// the table's and a table column the rows lack (NULL); across DuckDB's
// 2048-row chunks, with NULLs in every chunk.
func TestBulkLoadSameRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.duckdb")
	const n = 70_000
	tb := results.Table{Name: "kitchen", Cols: []results.Column{
		{Name: "b", Type: results.Bool}, {Name: "f", Type: results.Float}, {Name: "i", Type: results.Int},
		{Name: "s", Type: results.String}, {Name: "ts", Type: results.Time}, {Name: "d", Type: results.Date},
		{Name: "j", Type: results.String}}}
	c := tb.Cols
	base := time.Date(1969, 12, 30, 0, 0, 0, 0, time.UTC)
	for k := 0; k < n; k++ {
		f := float64(k) / 7
		switch k % 11 {
		case 0:
			f = math.NaN()
		case 1:
			f = math.Inf(1 - 2*(k%2))
		case 2:
			f = math.Copysign(0, -1)
		}
		c[0].Bools = append(c[0].Bools, k%3 == 0)
		c[1].F64 = append(c[1].F64, f)
		c[2].I64 = append(c[2].I64, int64(k)*int64(k)-1<<40)
		c[3].Str = append(c[3].Str, []string{"", "long", "it's \"quoted\"", "ünïcødé ✓", strings.Repeat("x", 40)}[k%5])
		c[4].TS = append(c[4].TS, base.Add(time.Duration(k)*time.Second+time.Duration(k%997)*time.Microsecond+time.Duration(k%1000)*time.Nanosecond))
		c[5].TS = append(c[5].TS, base.AddDate(0, 0, k%4000-2))
		c[6].Str = append(c[6].Str, fmt.Sprintf(`{"k": %d, "s":"a\"b" }`, k)) // stored minified by both paths
	}
	for _, run := range []struct {
		id   string
		bulk int
	}{{"appender", -1}, {"bulk", 1}} {
		s, err := duckdbsink.Open(ctx, path, duckdbsink.Options{BulkRows: run.bulk})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`CREATE TABLE IF NOT EXISTS kitchen (run_id VARCHAR NOT NULL, i BIGINT, f DOUBLE, s VARCHAR,
			ts TIMESTAMPTZ, d DATE, b BOOLEAN, extra VARCHAR, j JSON)`); err != nil {
			t.Fatal(err)
		}
		r := newRun(run.id)
		if err := s.BeginRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := s.CommitRun(ctx, r, []results.Table{tb}); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	s, err := duckdbsink.Open(ctx, path, duckdbsink.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const cols = "i, f, s, ts, d, b, extra, j::VARCHAR"
	var onlyA, onlyB, rows, nulls, extra int
	q := `SELECT
		(SELECT count(*) FROM (SELECT ` + cols + ` FROM kitchen WHERE run_id = 'appender' EXCEPT ALL SELECT ` + cols + ` FROM kitchen WHERE run_id = 'bulk')),
		(SELECT count(*) FROM (SELECT ` + cols + ` FROM kitchen WHERE run_id = 'bulk' EXCEPT ALL SELECT ` + cols + ` FROM kitchen WHERE run_id = 'appender')),
		count(*), count(*) FILTER (WHERE f IS NULL), count(extra) FROM kitchen WHERE run_id = 'bulk'`
	if err := s.DB().QueryRow(q).Scan(&onlyA, &onlyB, &rows, &nulls, &extra); err != nil {
		t.Fatal(err)
	}
	if onlyA != 0 || onlyB != 0 || rows != n || nulls != (n+10)/11 || extra != 0 {
		t.Fatalf("rows only in the appender's run %d, only in the bulk run %d; bulk rows %d, NULL f %d, non-NULL extra %d",
			onlyA, onlyB, rows, nulls, extra)
	}
	// JSON text is stored as the JSON value it spells, by both paths.
	var objects, k7 int
	if err := s.DB().QueryRow(`SELECT count(*) FILTER (WHERE json_type(j) = 'OBJECT'), max(CASE WHEN run_id = 'appender' AND json_extract(j, '$.k')::INT = 7 THEN 7 END) FROM kitchen`).Scan(&objects, &k7); err != nil {
		t.Fatal(err)
	}
	if objects != 2*n || k7 != 7 {
		t.Errorf("%d JSON objects of %d, json_extract gives %d; want all objects and 7", objects, 2*n, k7)
	}
}

// TestPrune: per scenario the keep newest completed runs stay, with the
// running runs and the failures newer than the newest completed run; the
// other runs and all their rows go, in every table. A dry run deletes
// nothing and reports the same.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	s, err := duckdbsink.Open(ctx, filepath.Join(t.TempDir(), "r.duckdb"), duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	type run struct {
		id, scenario string
		status       results.Status
		kept         bool
	}
	runs := []run{ // in start order
		{"a1", "A", results.StatusCompleted, false},
		{"a-old-fail", "A", results.StatusFailed, false},
		{"a2", "A", results.StatusCompleted, false},
		{"a3", "A", results.StatusCompleted, true},
		{"a4", "A", results.StatusCompleted, true},
		{"a-new-fail", "A", results.StatusFailed, true},
		{"a-running", "A", results.StatusRunning, true},
		{"b-fail", "B", results.StatusCancelled, true}, // no completed run: the failure is current
		{"c1", "C", results.StatusCompleted, true},
	}
	for i, r := range runs {
		x := newRun(r.id)
		x.Scenario = r.scenario
		x.Started = t0.Add(time.Duration(i) * time.Hour)
		x.Finished = x.Started.Add(time.Minute)
		if err := s.BeginRun(ctx, x); err != nil {
			t.Fatal(err)
		}
		switch r.status {
		case results.StatusCompleted:
			err = s.CommitRun(ctx, x, []results.Table{daily(3)})
		case results.StatusRunning:
			err = nil
		default:
			x.Status, x.Error = r.status, "boom"
			err = s.EndRun(ctx, x)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	count := func(q string) int {
		var n int
		if err := s.DB().QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := s.Prune(ctx, 0, false); err == nil {
		t.Error("keep 0: no error")
	}
	for _, dry := range []bool{true, false} {
		res, err := s.Prune(ctx, 2, dry)
		if err != nil {
			t.Fatal(err)
		}
		var gone []string
		for _, r := range res.Runs {
			gone = append(gone, r.ID)
		}
		// Every completed run stored the same rows: kept runs still show
		// them, so only the pruned runs' links go.
		if strings.Join(gone, " ") != "a1 a-old-fail a2" || res.Rows["market_daily"] != 0 || res.Rows["table_sets"] != 2 || res.DryRun != dry {
			t.Errorf("dry run %v: pruned %v, rows %v; want a1 a-old-fail a2, 0 market_daily, 2 table_sets", dry, gone, res.Rows)
		}
		wantRuns, wantRows := len(runs), 5*3
		if !dry {
			wantRuns, wantRows = len(runs)-3, 3*3
		}
		if n, m := count("SELECT count(*) FROM runs"), count("SELECT count(*) FROM market_daily"); n != wantRuns || m != wantRows {
			t.Errorf("dry run %v: %d runs, %d market_daily rows left; want %d, %d", dry, n, m, wantRuns, wantRows)
		}
	}
	for _, r := range runs {
		if n := count("SELECT count(*) FROM runs WHERE run_id = '" + r.id + "'"); (n == 1) != r.kept {
			t.Errorf("run %s: present %v, want %v", r.id, n == 1, r.kept)
		}
	}
	if res, err := s.Prune(ctx, 2, false); err != nil || len(res.Runs) != 0 {
		t.Errorf("second prune: %v runs, err %v; want none", res, err)
	}
}

// TestMigrationUnwrapsJSON: rows that earlier versions stored as JSON
// strings holding an object's text become the objects (schema version 7).
func TestMigrationUnwrapsJSON(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.duckdb")
	s, err := duckdbsink.OpenVersion(ctx, path, 6)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO hypothesis_events (run_id, spec, hypothesis, variant, ts, sample, entry, features, returns, tbs, next_cascade)
		 VALUES ('old', 0, 'h', 0, TIMESTAMPTZ '2024-01-01 00:00:00+00', 'in', 1, to_json('{"ratio":2.5}'), to_json('{"24h":0.01}'), 0, 0),
		        ('new', 0, 'h', 0, TIMESTAMPTZ '2024-01-01 00:00:00+00', 'in', 1, '{"ratio":3}', '{"24h":0.02}', 0, 0)`,
	} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if s, err = duckdbsink.Open(ctx, path, duckdbsink.Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var objects int
	var oldRatio, newRatio, ret float64
	if err := s.DB().QueryRow(`SELECT count(*) FILTER (WHERE json_type(features) = 'OBJECT' AND json_type(returns) = 'OBJECT'),
		max(json_extract(features, '$.ratio')::DOUBLE) FILTER (WHERE run_id = 'old'),
		max(json_extract(features, '$.ratio')::DOUBLE) FILTER (WHERE run_id = 'new'),
		max(json_extract(returns, '$.24h')::DOUBLE) FILTER (WHERE run_id = 'old') FROM hypothesis_events`).Scan(&objects, &oldRatio, &newRatio, &ret); err != nil {
		t.Fatal(err)
	}
	if objects != 2 || oldRatio != 2.5 || newRatio != 3 || ret != 0.01 {
		t.Fatalf("objects %d, ratios %v %v, return %v; want 2, 2.5, 3, 0.01", objects, oldRatio, newRatio, ret)
	}
}

// TestPruneNewestByFinish: the newest completed run is the one that
// finished last (the latest_runs order), and a failure that started after
// it started stays even when a run that started later is pruned. A dry
// run works on a read-only store.
func TestPruneNewestByFinish(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.duckdb")
	s, err := duckdbsink.Open(ctx, path, duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range []struct {
		id            string
		start, finish time.Duration
		status        results.Status
	}{
		{"a1", 0, 10 * time.Hour, results.StatusCompleted},
		{"f", 30 * time.Minute, time.Hour, results.StatusFailed},
		{"a2", time.Hour, 2 * time.Hour, results.StatusCompleted},
	} {
		x := newRun(r.id)
		x.Started, x.Finished = t0.Add(r.start), t0.Add(r.finish)
		if err := s.BeginRun(ctx, x); err != nil {
			t.Fatal(err)
		}
		if r.status == results.StatusCompleted {
			err = s.CommitRun(ctx, x, []results.Table{daily(1)})
		} else {
			x.Status, x.Error = r.status, "boom"
			err = s.EndRun(ctx, x)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	ro, err := duckdbsink.Open(ctx, path, duckdbsink.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ro.Prune(ctx, 1, true)
	ro.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 1 || res.Runs[0].ID != "a2" || res.Rows["table_sets"] != 1 {
		t.Fatalf("would prune %+v (%v); want a2 only", res.Runs, res.Rows)
	}
}

// TestMergeOlderShard: a shard of schema 6 (JSON text stored as JSON
// strings, market tables keyed by run_id) merges into a current file with
// its JSON unwrapped and its market rows shown under the run; an older
// schema is refused with the way to upgrade it.
func TestMergeOlderShard(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	shard := filepath.Join(dir, "shard.duckdb")
	s, err := duckdbsink.OpenVersion(ctx, shard, 6)
	if err != nil {
		t.Fatal(err)
	}
	r := newRun("old")
	if err := s.BeginRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitRun(ctx, r, []results.Table{daily(1)}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO hypothesis_events (run_id, spec, hypothesis, variant, ts, sample, entry, features, returns, tbs, next_cascade)
		 VALUES ('old', 0, 'h', 0, TIMESTAMPTZ '2024-01-01 00:00:00+00', 'in', 1, to_json('{"ratio":2.5}'), to_json('{"24h":0.01}'), 0, 0)`,
	} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	main, err := duckdbsink.Open(ctx, filepath.Join(dir, "main.duckdb"), duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer main.Close()
	if n, err := main.Merge(ctx, shard); err != nil || n != 1 {
		t.Fatalf("merge: %d runs, %v", n, err)
	}
	var ratio, ret float64
	if err := main.DB().QueryRow(`SELECT json_extract(features, '$.ratio')::DOUBLE, json_extract(returns, '$.24h')::DOUBLE FROM hypothesis_events`).Scan(&ratio, &ret); err != nil || ratio != 2.5 || ret != 0.01 {
		t.Fatalf("merged features ratio %v, return %v, err %v; want 2.5, 0.01", ratio, ret, err)
	}
	// The shard's market_daily rows (by run_id before schema 8) show
	// under the run.
	var days int
	if err := main.DB().QueryRow(`SELECT count(*) FROM market_daily WHERE run_id = 'old'`).Scan(&days); err != nil || days != 1 {
		t.Fatalf("merged market_daily rows %d, err %v; want 1", days, err)
	}
	// A shard older than schema 6 is refused with the way to upgrade it.
	s, err = duckdbsink.Open(ctx, shard, duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`DELETE FROM schema_migrations WHERE version >= 6`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := main.Merge(ctx, shard); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema version 5, want 6..%d (upgrade an older shard", duckdbsink.SchemaVersion())) {
		t.Fatalf("schema-5 shard: err = %v", err)
	}
}

// TestThreads: Options.Threads reaches DuckDB.
func TestThreads(t *testing.T) {
	s, err := duckdbsink.Open(context.Background(), filepath.Join(t.TempDir(), "r.duckdb"), duckdbsink.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.DB().QueryRow("SELECT current_setting('threads')").Scan(&n); err != nil || n != 1 {
		t.Fatalf("threads %d, err %v; want 1", n, err)
	}
}
