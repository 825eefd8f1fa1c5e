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
// benchmark year: the speed-up of --jobs 2 over --jobs 1 (target >= 1.7 on
// the 2-core machine) and the time per scenario of a rerun with nothing
// changed (target < 1 s).
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
	run := func(args ...string) time.Duration {
		cmd := exec.Command(bin, append([]string{"batch", dir, "--db", filepath.Join(dir, "r.duckdb")}, args...)...)
		t0 := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("batch %v: %v\n%s", args, err, out)
		}
		return time.Since(t0)
	}
	run("--jobs", "2") // warm the page cache
	var t1, t2, tNo time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t1 += run("--jobs", "1", "--force")
		t2 += run("--jobs", "2", "--force")
		tNo += run("--jobs", "2")
	}
	b.ReportMetric(t1.Seconds()/t2.Seconds(), "speedup-jobs2")
	b.ReportMetric(tNo.Seconds()/float64(b.N)/nScen, "s/scenario-unchanged")
	b.ReportMetric(t1.Seconds()/float64(b.N)/nScen, "s/scenario-jobs1")
}
