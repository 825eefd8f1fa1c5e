package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkBatch measures `cascade batch` over six scenarios on the
// benchmark year, each a default scenario (simulator, no hypotheses) over
// its own four months, so no two share rows: the speed-up of --jobs 2 over
// --jobs 1, the speed-up of --jobs 2 over the same batch confined to one
// CPU with taskset (how well the batch uses a second CPU; reported when
// taskset exists) and the time per scenario of a rerun with nothing
// changed (issue target < 1 s). --jobs 1 already keeps a second CPU busy
// with the writer, so speedup-jobs2 stays well below 2 here.
func BenchmarkBatch(b *testing.B) {
	root, err := filepath.Abs(benchData(b))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	const nScen = 6
	for i := 0; i < nScen; i++ {
		start := benchStart.AddDate(0, i, 0)
		body := fmt.Sprintf("name: bench-%d\nseed: %d\ndata: {root: %s, exchange: synth, symbol: BTCUSDT, start: %s, end: %s}\n",
			i, i, root, start.Format("2006-01-02"), start.AddDate(0, 4, 0).Format("2006-01-02"))
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("s%d.yaml", i)), []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	benchBatch(b, nScen, dir)
}

// BenchmarkBatchExamples measures the example scenarios (scenarios/*.yaml,
// the batch) the same way, on the benchmark year instead of their
// three synthetic years: hypotheses, strategies, and seven scenarios that
// replay the same data with the same simulator settings, whose market and
// simulator rows the results file stores once.
func BenchmarkBatchExamples(b *testing.B) {
	root, err := filepath.Abs(benchData(b))
	if err != nil {
		b.Fatal(err)
	}
	files, err := filepath.Glob("../scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		b.Fatalf("example scenarios: %v (%d files)", err, len(files))
	}
	args := append(files, "--set", "data.root="+root,
		"--set", "data.start="+benchStart.Format("2006-01-02"),
		"--set", "data.end="+benchEnd.AddDate(0, 0, -1).Format("2006-01-02"))
	benchBatch(b, len(files), args...)
}

// benchBatch times `cascade batch SCENARIOS...` over nScen scenarios at
// --jobs 1 and 2, a rerun with nothing changed, and --jobs 1 pinned to one
// CPU, after a warm-up run that fills the page cache, and reports the
// ratios. Each timed full run writes a new results file: in the file of
// an earlier run its rows would already be stored (schema 8 stores
// identical rows once), and the commits would cost next to nothing.
func benchBatch(b *testing.B, nScen int, scenarios ...string) {
	bin := buildCascade(b)
	tmp := b.TempDir()
	var db string
	fresh := func() {
		os.Remove(db)
		db = filepath.Join(tmp, fmt.Sprintf("r%d.duckdb", time.Now().UnixNano()))
	}
	taskset, _ := exec.LookPath("taskset")
	run := func(args ...string) time.Duration {
		argv := append(append([]string{bin, "batch"}, scenarios...), "--db", db)
		if args[0] == "one-cpu" {
			argv, args = append([]string{taskset, "-c", "0"}, argv...), args[1:]
		}
		argv = append(argv, args...)
		cmd := exec.Command(argv[0], argv[1:]...)
		t0 := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("batch %v: %v\n%s", args, err, out)
		}
		return time.Since(t0)
	}
	fresh()
	run("--jobs", "2") // warm the page cache
	var t1, t2, tNo, tPin time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fresh()
		t1 += run("--jobs", "1")
		fresh()
		t2 += run("--jobs", "2")
		tNo += run("--jobs", "2")
		if taskset != "" {
			fresh()
			tPin += run("one-cpu", "--jobs", "1")
		}
	}
	os.Remove(db)
	b.ReportMetric(t1.Seconds()/t2.Seconds(), "speedup-jobs2")
	if taskset != "" {
		b.ReportMetric(tPin.Seconds()/t2.Seconds(), "speedup-jobs2-vs-1cpu")
	}
	b.ReportMetric(tNo.Seconds()/float64(b.N)/float64(nScen), "s/scenario-unchanged")
	b.ReportMetric(t1.Seconds()/float64(b.N)/float64(nScen), "s/scenario-jobs1")
}
