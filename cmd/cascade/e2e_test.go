package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// The end-to-end tests build the real binary once and drive it as a user
// would: generate data, run a scenario, query the results, kill runs.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func cascadeBin(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cascade-e2e-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "cascade")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

type result struct {
	stdout, stderr string
	code           int
}

func runBin(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(cascadeBin(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var so, se strings.Builder
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{so.String(), se.String(), code}
}

func mustRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := runBin(t, dir, nil, args...)
	if r.code != 0 {
		t.Fatalf("cascade %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// workspace generates a small synthetic dataset and a scenario using it.
func workspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	mustRun(t, dir, "gen", "--out", "data", "--start", "2024-01-01", "--end", "2024-01-03", "--scale", "0.01", "--seed", "3")
	scen := `name: e2e
seed: 5
data: {root: data, exchange: synth, symbol: BTCUSDT, start: 2024-01-01, end: 2024-01-03, kinds: [trades, funding, oi]}
results: {db: out/results.duckdb}
`
	if err := os.WriteFile(filepath.Join(dir, "s.yaml"), []byte(scen), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

type runRow struct {
	RunID        string `json:"run_id"`
	Status       string `json:"status"`
	ScenarioHash string `json:"scenario_hash"`
	Digest       any    `json:"digest"`
	Error        any    `json:"error"`
}

func runsOf(t *testing.T, dir string) []runRow {
	t.Helper()
	out := mustRun(t, dir, "sql", "--db", "out/results.duckdb", "--format", "json",
		"select run_id, status, scenario_hash, digest, error from runs order by started_at")
	var rows []runRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return rows
}

func count(t *testing.T, dir, q string) string {
	t.Helper()
	return strings.TrimSpace(mustRun(t, dir, "sql", "--db", "out/results.duckdb", "--format", "csv", q))
}

func TestE2ERunTwiceSameHashAndDigest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := workspace(t)
	out := mustRun(t, dir, "run", "s.yaml", "--json")
	var sum runSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if sum.Status != "completed" || sum.Rows["market_daily"] != 3 || sum.Events == 0 {
		t.Fatalf("summary %+v", sum)
	}
	mustRun(t, dir, "run", "s.yaml")
	rows := runsOf(t, dir)
	if len(rows) != 2 || rows[0].Status != "completed" || rows[1].Status != "completed" {
		t.Fatalf("runs %+v", rows)
	}
	if rows[0].ScenarioHash != rows[1].ScenarioHash || rows[0].Digest != rows[1].Digest || rows[0].RunID == rows[1].RunID {
		t.Fatalf("reruns differ: %+v", rows)
	}
	if got := count(t, dir, "select count(*) from market_daily"); got != "count_star()\n6" {
		t.Fatalf("market_daily rows: %q", got)
	}
	if got := count(t, dir, "select count(*) from latest_runs"); got != "count_star()\n1" {
		t.Fatalf("latest_runs: %q", got)
	}
	ls := mustRun(t, dir, "runs", "--db", "out/results.duckdb")
	if !strings.Contains(ls, "e2e") || !strings.Contains(ls, "(2 rows)") {
		t.Fatalf("runs listing:\n%s", ls)
	}
	// An override changes the hash and is recorded.
	mustRun(t, dir, "run", "s.yaml", "--set", "seed=6")
	rows = runsOf(t, dir)
	if rows[2].ScenarioHash == rows[0].ScenarioHash {
		t.Fatal("--set seed=6 kept the scenario hash")
	}
	if got := count(t, dir, "select count(*) from runs where scenario_json like '%seed=6%' or scenario_json like '%\"key\": \"seed\"%'"); got != "count_star()\n1" {
		t.Fatalf("override not recorded: %q", got)
	}
}

func TestE2EBadInputExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := workspace(t)
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("name: x\ndata: {root: data, exchange: synth, symbol: BTCUSDT, start: 2024-01-01, end: 2023-01-01}\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", "bad.yaml"}, 2, "bad.yaml: data.end: 2023-01-01 is before data.start 2024-01-01"},
		{[]string{"run", "missing.yaml"}, 1, "missing.yaml"},
		{[]string{"run", "s.yaml", "--set", "stats.alpha=2"}, 2, "stats.alpha: got 2, want a number in"},
		{[]string{"run", "s.yaml", "--set", "data.start=2025-01-01", "--set", "data.end=2025-01-02"}, 1, "no data for kind trades"},
		{[]string{"run"}, 2, "accepts 1 arg"},
		{[]string{"replay", "--data", "data", "--from", "yesterday"}, 2, `--from "yesterday"`},
		{[]string{"sql", "--db", "nope.duckdb", "select 1"}, 1, "nope.duckdb"},
	} {
		r := runBin(t, dir, nil, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("cascade %v: exit %d, stderr %q; want exit %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
}

// killAt starts a run that pauses at stage, SIGKILLs it there, and checks
// that the database is readable, earlier runs are intact, no partial rows
// are visible and the dead run is reported as failed.
//
// The killed run covers one day less than the others, so its market and
// simulator rows are new (not already stored by the first run, schema 8):
// the kill mid-commit lands after they were written.
func killAt(t *testing.T, stage string) {
	dir := workspace(t)
	mustRun(t, dir, "run", "s.yaml")
	before := count(t, dir, "select count(*) from market_daily")
	stored := count(t, dir, "select (select count(*) from market_daily_rows) + (select count(*) from liquidations_est_rows) + (select count(*) from table_sets)")

	cmd, _ := startHeld(t, dir, stage, "run", "s.yaml", "--set", "data.end=2024-01-02")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	if stage == "commit" {
		// The killed process held the file mid-transaction; it is free now.
		if got := count(t, dir, "select count(*) from market_daily"); got != before {
			t.Fatalf("after kill mid-commit market_daily = %q, want %q (no partial rows)", got, before)
		}
		if got := count(t, dir, "select (select count(*) from market_daily_rows) + (select count(*) from liquidations_est_rows) + (select count(*) from table_sets)"); got != stored {
			t.Fatalf("after kill mid-commit stored rows and links = %q, want %q", got, stored)
		}
	}
	// The next writer reaps the dead run; results stay intact.
	mustRun(t, dir, "run", "s.yaml")
	rows := runsOf(t, dir)
	if len(rows) != 3 || rows[0].Status != "completed" || rows[2].Status != "completed" {
		t.Fatalf("runs after kill: %+v", rows)
	}
	if rows[1].Status != "failed" || !strings.Contains(fmt.Sprint(rows[1].Error), "ended without finishing the run") {
		t.Fatalf("killed run recorded as %+v", rows[1])
	}
	if got := count(t, dir, "select count(*) from market_daily where run_id = '"+rows[1].RunID+"'"); got != "count_star()\n0" {
		t.Fatalf("killed run has rows: %q", got)
	}
	if rows[0].Digest != rows[2].Digest {
		t.Fatal("digest changed after a killed run")
	}
}

func TestE2EKillMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	killAt(t, "compute")
}

func TestE2EKillMidCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	killAt(t, "commit")
}

// startHeld starts `cascade ARGS...` in dir paused at stage (see
// testHold) and returns once it is there, with the rest of its stderr.
func startHeld(t *testing.T, dir, stage string, args ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(cascadeBin(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CASCADE_TEST_HOLD_"+strings.ToUpper(stage)+"=60s")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "test hold at "+stage) {
			return cmd, sc
		}
	}
	cmd.Wait()
	t.Fatalf("cascade %v ended without reaching the %s hold", args, stage)
	return nil, nil
}

func TestE2ELockedDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := workspace(t)
	mustRun(t, dir, "run", "s.yaml")
	// Hold the file with a run paused mid-commit, then query.
	cmd, _ := startHeld(t, dir, "commit", "run", "s.yaml")
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	r := runBin(t, dir, nil, "sql", "--db", "out/results.duckdb", "--lock-timeout", "300ms", "select 1")
	want := fmt.Sprintf("is held by process %d", cmd.Process.Pid)
	if r.code != 1 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "database is locked") {
		t.Fatalf("query while locked: exit %d, stderr %q; want exit 1 naming %q", r.code, r.stderr, want)
	}
}

func TestE2ECtrlCCancels(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := workspace(t)
	mustRun(t, dir, "run", "s.yaml")
	cmd, sc := startHeld(t, dir, "compute", "run", "s.yaml")
	var rest strings.Builder
	cmd.Process.Signal(os.Interrupt)
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1; stderr %s", err, rest.String())
	}
	rows := runsOf(t, dir)
	if len(rows) != 2 || rows[1].Status != "cancelled" {
		t.Fatalf("runs after Ctrl-C: %+v", rows)
	}
	if got := count(t, dir, "select count(*) from market_daily where run_id = '"+rows[1].RunID+"'"); got != "count_star()\n0" {
		t.Fatalf("cancelled run has rows: %q", got)
	}
}
