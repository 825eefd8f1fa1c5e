package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cascade-research/cascade/pipeline"
)

// batchSpace generates data for 2024-01-01..03 and four scenarios over
// different ranges (s3 also covers 2024-01-04, which has no data yet).
func batchSpace(t *testing.T, genArgs ...string) string {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"gen", "--out", "data", "--start", "2024-01-01", "--end", "2024-01-03", "--scale", "0.01", "--seed", "3"}, genArgs...)
	mustRun(t, dir, args...)
	os.MkdirAll(filepath.Join(dir, "sc"), 0o755)
	ranges := [][2]string{{"01", "01"}, {"01", "02"}, {"02", "03"}, {"01", "04"}}
	for i, r := range ranges {
		body := fmt.Sprintf("name: s%d\nseed: %d\ndata: {root: data, exchange: synth, symbol: BTCUSDT, start: 2024-01-%s, end: 2024-01-%s}\n", i, i, r[0], r[1])
		os.WriteFile(filepath.Join(dir, "sc", fmt.Sprintf("s%d.yaml", i)), []byte(body), 0o644)
	}
	return dir
}

func batch(t *testing.T, dir string, wantCode int, args ...string) pipeline.BatchResult {
	t.Helper()
	r := runBin(t, dir, nil, append([]string{"batch", "--json"}, args...)...)
	if r.code != wantCode {
		t.Fatalf("batch %v: exit %d, want %d\n%s", args, r.code, wantCode, r.stderr)
	}
	var res pipeline.BatchResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	return res
}

// digests returns scenario -> digest of the completed runs in db.
func digests(t *testing.T, dir, db string) map[string]string {
	t.Helper()
	out := mustRun(t, dir, "sql", "--db", db, "--format", "json", "select scenario, digest, count(*) over (partition by scenario) as n from runs where status = 'completed'")
	var rows []struct {
		Scenario, Digest string
		N                int64
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, r := range rows {
		if r.N != 1 {
			t.Fatalf("scenario %s has %d completed runs in %s, want 1", r.Scenario, r.N, db)
		}
		m[r.Scenario] = r.Digest
	}
	return m
}

func TestE2EBatchIncrementalAndIsolated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := batchSpace(t)
	os.WriteFile(filepath.Join(dir, "sc", "zbad.yaml"), []byte("name: bad\nseed: x\n"), 0o644)
	res := batch(t, dir, 1, "sc", "--db", "r.duckdb", "--jobs", "2")
	if res.Ran != 4 || res.Failed != 1 || res.Skipped != 0 {
		t.Fatalf("first batch %+v", res)
	}
	if got := res.Items[4]; got.Status != "failed" || !strings.Contains(got.Error, `seed: got "x"`) {
		t.Fatalf("bad item %+v", got)
	}
	os.Remove(filepath.Join(dir, "sc", "zbad.yaml"))
	res = batch(t, dir, 0, "sc", "--db", "r.duckdb", "--jobs", "2")
	if res.Ran != 0 || res.Skipped != 4 {
		t.Fatalf("second batch %+v, want everything skipped", res)
	}
	// A new day of data: only s3, whose range covers 2024-01-04, reruns.
	// (Regenerating the whole range rewrites days 1-3 byte for byte.)
	mustRun(t, dir, "gen", "--out", "data", "--start", "2024-01-01", "--end", "2024-01-04", "--scale", "0.01", "--seed", "3")
	res = batch(t, dir, 0, "sc", "--db", "r.duckdb")
	if res.Ran != 1 || res.Skipped != 3 || res.Items[3].Status != "completed" || res.Items[3].Scenario != "s3" {
		t.Fatalf("after new day %+v, want only s3 rerun", res)
	}
	res = batch(t, dir, 0, "sc", "--db", "r.duckdb", "--force")
	if res.Ran != 4 {
		t.Fatalf("--force %+v", res)
	}
}

func TestE2EBatchKillResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := batchSpace(t)
	batch(t, dir, 0, "sc/s0.yaml", "--db", "r.duckdb")
	cmd, _ := startHeld(t, dir, "compute", "batch", "sc", "--db", "r.duckdb", "--log-level", "info")
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	res := batch(t, dir, 0, "sc", "--db", "r.duckdb")
	if res.Ran != 3 || res.Skipped != 1 {
		t.Fatalf("resume %+v, want 3 ran (s1..s3) and s0 skipped", res)
	}
	d := digests(t, dir, "r.duckdb") // fails on duplicates
	if len(d) != 4 {
		t.Fatalf("completed scenarios %v", d)
	}
	failed := strings.TrimSpace(mustRun(t, dir, "sql", "--db", "r.duckdb", "--format", "csv", "select count(*) from runs where status = 'failed'"))
	if failed != "count_star()\n1" {
		t.Fatalf("killed run not recorded as failed: %q", failed)
	}
}

// TestE2EDeterminismMetamorphic: the same scenarios give the same digests
// whatever --jobs, the shard count (3 shard processes + merge), the
// Parquet row-group size and the reader's batch size.
func TestE2EDeterminismMetamorphic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := batchSpace(t)
	batch(t, dir, 0, "sc", "--db", "one.duckdb", "--jobs", "1")
	want := digests(t, dir, "one.duckdb")
	if len(want) != 4 {
		t.Fatalf("digests %v", want)
	}
	check := func(name string, got map[string]string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: digests %v, want %v", name, got, want)
		}
	}
	batch(t, dir, 0, "sc", "--db", "two.duckdb", "--jobs", "2")
	check("--jobs 2", digests(t, dir, "two.duckdb"))
	batch(t, dir, 0, "sc", "--db", "b.duckdb", "--batch-rows", "7")
	check("--batch-rows 7", digests(t, dir, "b.duckdb"))

	// Three shards as separate processes, then merge (twice: idempotent).
	var procs []*exec.Cmd
	for i := 0; i < 3; i++ {
		c := exec.Command(cascadeBin(t), "batch", "sc", "--db", fmt.Sprintf("shard%d.duckdb", i), "--shard", fmt.Sprintf("%d/3", i))
		c.Dir = dir
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, c)
	}
	for _, c := range procs {
		if err := c.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	shards := []string{"shard0.duckdb", "shard1.duckdb", "shard2.duckdb"}
	mustRun(t, dir, append([]string{"merge", "--db", "merged.duckdb"}, shards...)...)
	mustRun(t, dir, append([]string{"merge", "--db", "merged.duckdb"}, shards...)...)
	check("3 shards merged", digests(t, dir, "merged.duckdb"))
	one := mustRun(t, dir, "sql", "--db", "one.duckdb", "--format", "csv", "select day, close, trades from market_daily join runs using (run_id) order by scenario, day")
	merged := mustRun(t, dir, "sql", "--db", "merged.duckdb", "--format", "csv", "select day, close, trades from market_daily join runs using (run_id) order by scenario, day")
	if one != merged || len(one) < 50 {
		t.Fatalf("merged rows differ:\n%s\nvs\n%s", merged, one)
	}

	// Small row groups: regenerate the same data with 500-row groups.
	dir2 := batchSpace(t, "--row-group-rows", "500")
	batch(t, dir2, 0, "sc", "--db", "rg.duckdb")
	check("row groups of 500", digests(t, dir2, "rg.duckdb"))
}

// TestE2EPrune: after two forced batches, prune --keep 1 leaves one
// completed run per scenario (the newest, same digests) and no orphan rows.
func TestE2EPrune(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := batchSpace(t)
	batch(t, dir, 0, "sc", "--db", "r.duckdb", "--jobs", "2")
	want := digests(t, dir, "r.duckdb")
	batch(t, dir, 0, "sc", "--db", "r.duckdb", "--jobs", "2", "--force")
	dry := mustRun(t, dir, "prune", "--db", "r.duckdb", "--keep", "1", "--dry-run")
	if !strings.HasPrefix(dry, "would prune 4 runs") {
		t.Fatalf("dry run: %q", dry)
	}
	out := mustRun(t, dir, "prune", "--db", "r.duckdb", "--keep", "1")
	if !strings.HasPrefix(out, "pruned 4 runs") {
		t.Fatalf("prune: %q", out)
	}
	if got := digests(t, dir, "r.duckdb"); fmt.Sprint(got) != fmt.Sprint(want) { // fails on duplicates
		t.Errorf("digests after prune %v, want %v", got, want)
	}
	orphans := strings.TrimSpace(mustRun(t, dir, "sql", "--db", "r.duckdb", "--format", "csv",
		"select count(*) from liquidations_est where run_id not in (select run_id from runs)"))
	if orphans != "count_star()\n0" {
		t.Errorf("orphan rows: %q", orphans)
	}
	if r := runBin(t, dir, nil, "prune", "--db", "r.duckdb", "--keep", "0"); r.code != 2 || !strings.Contains(r.stderr, "--keep 0: want >= 1") {
		t.Errorf("--keep 0: exit %d, %s", r.code, r.stderr)
	}
	if r := runBin(t, dir, nil, "prune", "--db", "typo.duckdb"); r.code != 1 || !strings.Contains(r.stderr, "typo.duckdb: no such file") {
		t.Errorf("missing file: exit %d, %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "typo.duckdb")); err == nil {
		t.Error("prune created the missing results file")
	}
}
