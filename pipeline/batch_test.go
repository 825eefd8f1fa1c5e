package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zeebo/xxh3"

	"github.com/cascade-research/cascade/data/synth"
	"github.com/cascade-research/cascade/results"
	"github.com/cascade-research/cascade/results/duckdbsink"
	"github.com/cascade-research/cascade/scenarios"
	"github.com/cascade-research/cascade/strategies"
)

// slowWriter is a log handler that holds the batch writer when it opens
// the results file until a scenario has been computed, so the run's begin
// is recorded after its outcome is known.
type slowWriter struct {
	slog.Handler
	computed chan struct{}
	once     *sync.Once
}

func (g slowWriter) Enabled(context.Context, slog.Level) bool { return true }
func (g slowWriter) Handle(_ context.Context, r slog.Record) error {
	switch r.Message {
	case "computed":
		g.once.Do(func() { close(g.computed) })
	case "results file opened":
		<-g.computed
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
func (g slowWriter) WithAttrs([]slog.Attr) slog.Handler { return g }
func (g slowWriter) WithGroup(string) slog.Handler      { return g }

// TestBatchFailureRecordedAfterLateBegin: a scenario that fails while its
// begin still waits for the writer is recorded as failed, with its error,
// in the summary and in runs (the begin once overwrote the outcome with
// running, racing with the worker).
func TestBatchFailureRecordedAfterLateBegin(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := synth.Config{Start: start, End: start.AddDate(0, 0, 1), Seed: 1, Scale: 0.002, Exchange: "synth", Symbols: []string{"BTCUSDT"}}
	if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	// Corrupt the data: Prepare fingerprints the bytes, Compute fails to read them.
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && filepath.Ext(p) == ".parquet" {
			os.WriteFile(p, []byte("not parquet"), 0o644)
		}
		return nil
	})
	sc := filepath.Join(dir, "s.yaml")
	os.WriteFile(sc, []byte(fmt.Sprintf("name: s\nseed: 1\ndata: {root: %s, exchange: synth, symbol: BTCUSDT, start: 2024-01-01, end: 2024-01-01}\n", dir)), 0o644)
	db := filepath.Join(dir, "r.duckdb")
	log := slog.New(slowWriter{computed: make(chan struct{}), once: &sync.Once{}})
	res, err := Batch(context.Background(), []string{sc}, BatchOptions{Record: RecordOptions{DB: db, Logger: log, LockTimeout: time.Second}, CodeVersion: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if it := res.Items[0]; it.Status != results.StatusFailed || !strings.Contains(it.Error, "part-0.parquet") || it.Seconds < 0 {
		t.Errorf("item %+v, want failed with the read error", it)
	}
	st, err := duckdbsink.Open(context.Background(), db, duckdbsink.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var status, msg string
	if err := st.DB().QueryRow(`SELECT status, coalesce(error, '') FROM runs`).Scan(&status, &msg); err != nil {
		t.Fatal(err)
	}
	if status != "failed" || msg == "" {
		t.Errorf("runs row: status %s, error %q; want failed with the error", status, msg)
	}
}

// TestBatchRemembersFileHashes: a batch stores the hashes of the data
// files it fingerprinted in the results file (once their last change has
// settled), one per file and equal to the content's xxh3, and the next
// batch takes them from there instead of reading the files: it skips the
// unchanged scenario, and reruns it when a stored hash is altered.
func TestBatchRemembersFileHashes(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("batches remember file hashes on Linux only")
	}
	dir := t.TempDir()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := synth.Config{Start: start, End: start.AddDate(0, 0, 2), Seed: 1, Scale: 0.002, Exchange: "synth", Symbols: []string{"BTCUSDT"}}
	if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	sc := filepath.Join(dir, "s.yaml")
	os.WriteFile(sc, []byte(fmt.Sprintf("name: s\nseed: 1\ndata: {root: %s, exchange: synth, symbol: BTCUSDT, start: 2024-01-01, end: 2024-01-02}\n", dir)), 0o644)
	time.Sleep(2100 * time.Millisecond) // let the files settle (dataset.Fingerprint)
	db := filepath.Join(t.TempDir(), "r.duckdb")
	stored := func() map[string]uint64 {
		t.Helper()
		st, err := duckdbsink.Open(context.Background(), db, duckdbsink.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		hs, err := st.FileHashes(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]uint64{}
		for _, h := range hs {
			m[h.Path] = h.Hash
		}
		return m
	}
	for i, want := range []int{1, 0} { // ran
		res, err := Batch(context.Background(), []string{sc}, BatchOptions{Record: RecordOptions{DB: db}, CodeVersion: "x"})
		if err != nil || res.Ran != want || res.Failed != 0 {
			t.Fatalf("batch %d: %+v, %v; want %d ran", i, res, err, want)
		}
	}
	hs := stored()
	var files []string // the scenario's default kinds
	for _, k := range []string{"trades", "funding", "oi"} {
		fs, _ := filepath.Glob(filepath.Join(dir, "exchange=synth", "symbol=BTCUSDT", "kind="+k, "date=*", "*.parquet"))
		files = append(files, fs...)
	}
	if len(files) == 0 || len(hs) != len(files) {
		t.Fatalf("%d hashes stored for %d data files", len(hs), len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if h, ok := hs[f]; !ok || h != xxh3.Hash(b) {
			t.Errorf("%s: stored hash %x (%v), content hash %x", f, h, ok, xxh3.Hash(b))
		}
	}
	st, err := duckdbsink.Open(context.Background(), db, duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.DB().Exec("UPDATE file_hashes SET hash = hash + 1 WHERE path = ?", files[0])
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Batch(context.Background(), []string{sc}, BatchOptions{Record: RecordOptions{DB: db}, CodeVersion: "x"})
	if err != nil || res.Ran != 1 {
		t.Fatalf("batch after altering a stored hash: %+v, %v; want the scenario rerun (its fingerprint from the stored hash)", res, err)
	}
}

// TestByCost: scenarios start largest first; a strategy variant (an
// account on every event) weighs ten hypothesis variants (evaluated on the
// grid), a longer range weighs more, and a file that does not load comes
// first.
func TestByCost(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"hyp.yaml": `name: hyp
data: {root: x, exchange: synth, symbol: BTCUSDT, start: 2022-01-01, end: 2024-12-31}
hypotheses:
  - name: oi_divergence
    params: {window: [12h, 24h, 72h], oi_rise: [0.03, 0.05], price_fall: [0.02, 0.04]}
    horizons: [24h, 72h]
`,
		"strat.yaml": `name: strat
data: {root: x, exchange: synth, symbol: BTCUSDT, start: 2022-01-01, end: 2024-12-31}
strategies:
  - name: ma_crossover
    params: {bar: [1h, 4h], fast: [10, 20], slow: [50, 100]}
`,
		"short.yaml": `name: short
data: {root: x, exchange: synth, symbol: BTCUSDT, start: 2024-01-01, end: 2024-03-31}
strategies:
  - name: ma_crossover
    params: {bar: [1h, 4h], fast: [10, 20], slow: [50, 100]}
`,
		"plain.yaml": "name: plain\ndata: {root: x, exchange: synth, symbol: BTCUSDT, start: 2022-01-01, end: 2024-12-31}\n",
		"bad.yaml":   "name: [\n",
	}
	var paths []string
	for _, name := range []string{"bad.yaml", "hyp.yaml", "plain.yaml", "short.yaml", "strat.yaml"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	var got []string
	for _, i := range byCost(paths, scenarios.Options{Environ: []string{}, Strategies: strategies.Specs()}) {
		got = append(got, strings.TrimSuffix(filepath.Base(paths[i]), ".yaml"))
	}
	// strat: 1096 days x (10 + 8); hyp: 1096 x (10 + 2.4); plain: 1096 x 10;
	// short: 91 x 18.
	if want := "bad strat hyp plain short"; strings.Join(got, " ") != want {
		t.Fatalf("order %s, want %s", strings.Join(got, " "), want)
	}
}
