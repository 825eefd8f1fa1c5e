package bench

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildCascade builds the cascade binary into a temporary directory.
func buildCascade(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "cascade")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/cascade")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("build cascade: %v", err)
	}
	return bin
}

func replayRSS(b *testing.B, bin, root, from, to string) (rss int64, events int64) {
	out, err := exec.Command(bin, "replay", "--data", root, "--exchange", "synth", "--symbol", "BTCUSDT",
		"--from", from, "--to", to, "--kinds", "trades,funding,oi", "--json").Output()
	if err != nil {
		b.Fatalf("replay %s..%s: %v", from, to, err)
	}
	var s struct {
		PeakRSSBytes int64
		Events       int64
	}
	if err := json.Unmarshal(out, &s); err != nil {
		b.Fatal(err)
	}
	return s.PeakRSSBytes, s.Events
}

// BenchmarkPeakRSS runs `cascade replay` over one month and over twelve
// months of the same dataset, each in a fresh process, and reports both
// peak RSS figures and their ratio (target <= 1.2: memory must not grow
// with the length of the range).
func BenchmarkPeakRSS(b *testing.B) {
	root := benchData(b)
	bin := buildCascade(b)
	b.ResetTimer()
	var r1, r12 int64
	for i := 0; i < b.N; i++ {
		m1, e1 := replayRSS(b, bin, root, "2023-01-01", "2023-01-31")
		m12, e12 := replayRSS(b, bin, root, "2023-01-01", "2023-12-31")
		if e12 < 10*e1 {
			b.Fatalf("12 months replayed %d events, 1 month %d", e12, e1)
		}
		r1, r12 = max(r1, m1), max(r12, m12)
	}
	b.ReportMetric(float64(r1)/(1<<20), "MiB-1month")
	b.ReportMetric(float64(r12)/(1<<20), "MiB-12months")
	b.ReportMetric(float64(r12)/float64(r1), "rss-ratio")
}
