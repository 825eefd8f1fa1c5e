package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/synth"
)

// Bench dataset: one synthetic year at this scale.
const (
	benchScale = 0.05
	benchSeed  = 7
)

var (
	benchStart = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	benchEnd   = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) // exclusive
)

// benchData returns the root of the cached benchmark dataset, generating it
// on first use.
func benchData(b *testing.B) string {
	b.Helper()
	dir := os.Getenv("CASCADE_BENCH_DATA")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("cascade-bench-%s-%g-%d", benchStart.Format("2006"), benchScale, benchSeed))
	}
	stamp := filepath.Join(dir, ".complete")
	if _, err := os.Stat(stamp); err == nil {
		return dir
	}
	b.Logf("generating benchmark dataset in %s", dir)
	os.RemoveAll(dir)
	cfg := synth.Config{Start: benchStart, End: benchEnd, Seed: benchSeed, Scale: benchScale, Exchange: "synth", Symbols: []string{"BTCUSDT"}}
	if _, err := synth.Generate(context.Background(), dir, cfg, slog.New(slog.DiscardHandler)); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(stamp, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}
