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
// benchmark year: the speed-up of --jobs 2 over --jobs 1 (issue target
// >= 1.7 on the 2-core machine; --jobs 1 already keeps a second CPU busy
// with the writer, so this ratio stays near 1.3), the speed-up of --jobs 2
// over the same batch confined to one CPU with taskset (how well the batch
// uses a second CPU; reported when taskset exists) and the time per
// scenario of a rerun with nothing changed (target < 1 s).
func BenchmarkBatch(b *testing.B) {
	root, err := filepath.Abs(benchData(b))
	if err != nil {
		b.Fatal(err)
	}
	bin := buildCascade(b)
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
	taskset, _ := exec.LookPath("taskset")
	run := func(args ...string) time.Duration {
		argv := append([]string{bin, "batch", dir, "--db", filepath.Join(dir, "r.duckdb")}, args...)
		if args[0] == "one-cpu" {
			argv = append([]string{taskset, "-c", "0"}, append(argv[:5], args[1:]...)...)
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		t0 := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("batch %v: %v\n%s", args, err, out)
		}
		return time.Since(t0)
	}
	run("--jobs", "2") // warm the page cache
	var t1, t2, tNo, tPin time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t1 += run("--jobs", "1", "--force")
		t2 += run("--jobs", "2", "--force")
		tNo += run("--jobs", "2")
		if taskset != "" {
			tPin += run("one-cpu", "--jobs", "1", "--force")
		}
	}
	b.ReportMetric(t1.Seconds()/t2.Seconds(), "speedup-jobs2")
	if taskset != "" {
		b.ReportMetric(tPin.Seconds()/t2.Seconds(), "speedup-jobs2-vs-1cpu")
	}
	b.ReportMetric(tNo.Seconds()/float64(b.N)/nScen, "s/scenario-unchanged")
	b.ReportMetric(t1.Seconds()/float64(b.N)/nScen, "s/scenario-jobs1")
}
