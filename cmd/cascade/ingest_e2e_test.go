package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EIngestBinance imports a Binance aggTrades dump (no header, µs
// timestamps, as data.binance.vision serves spot files since 2025),
// replays it, re-imports it (nothing changes) and rejects a bad row with
// the file and line.
func TestE2EIngestBinance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	csv := "1,42000.5,0.010,1,1,1767225600039409,true,true\n" +
		"2,42001.0,0.200,2,3,1767225600139409,false,true\n" +
		"3,42000.0,0.050,4,4,1767225601039409,true,true\n"
	in := filepath.Join(dir, "BTCUSDT-aggTrades-2026-01-01.csv")
	os.WriteFile(in, []byte(csv), 0o644)
	mustRun(t, dir, "ingest", "binance", "--kind", "aggTrades", "--exchange", "binance-spot", "--symbol", "BTCUSDT", "--out", "ds", in)
	part := filepath.Join(dir, "ds", "exchange=binance-spot", "symbol=BTCUSDT", "kind=trades", "date=2026-01-01", "part-0.parquet")
	before, err := os.ReadFile(part)
	if err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, dir, "replay", "--data", "ds", "--exchange", "binance-spot", "--symbol", "BTCUSDT", "--kinds", "trades", "--json")
	if !strings.Contains(out, `"trades": 3`) {
		t.Fatalf("replay: %s", out)
	}
	mustRun(t, dir, "ingest", "binance", "--kind", "aggTrades", "--exchange", "binance-spot", "--symbol", "BTCUSDT", "--out", "ds", in)
	after, _ := os.ReadFile(part)
	if string(before) != string(after) {
		t.Fatal("re-importing the same file changed the dataset")
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(csv+"4,notaprice,0.1,5,5,1767225602039409,true,true\n"), 0o644)
	r := runBin(t, dir, nil, "ingest", "binance", "--kind", "aggTrades", "--exchange", "binance-spot", "--symbol", "BTCUSDT", "--out", "ds", bad)
	if r.code != 2 || !strings.Contains(r.stderr, "bad.csv") || !strings.Contains(r.stderr, ":4") {
		t.Fatalf("bad row: exit %d, stderr %q; want exit 2 naming bad.csv line 4", r.code, r.stderr)
	}
}
