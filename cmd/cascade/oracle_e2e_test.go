package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EMarketOracle checks the market tables a run stores against
// DuckDB's own aggregation of the same Parquet files
// (testdata/oracle_*.sql): daily OHLC, trade counts, volume, taker-buy
// volume, notional, funding and open interest of a trades scenario, the
// hourly market_bars, and the daily table of a bars scenario (intra-bar
// path, recorded taker-buy volume).
func TestE2EMarketOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	mustRun(t, dir, "gen", "--out", "data", "--start", "2024-01-01", "--end", "2024-01-03", "--scale", "0.01", "--seed", "5")
	for _, c := range []struct{ name, kinds, sql string }{
		{"trades", "[trades, funding, oi]", "oracle_trades.sql"},
		{"bars", "[bars, funding, oi]", "oracle_bars.sql"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc := filepath.Join(dir, c.name+".yaml")
			body := "name: " + c.name + "\nseed: 1\ndata: {root: data, exchange: synth, symbol: BTCUSDT, start: 2024-01-01, end: 2024-01-03, kinds: " + c.kinds + "}\n"
			if err := os.WriteFile(sc, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			db := c.name + ".duckdb"
			mustRun(t, dir, "run", sc, "--db", db)
			sqlFile, err := filepath.Abs(filepath.Join("testdata", c.sql))
			if err != nil {
				t.Fatal(err)
			}
			out := mustRun(t, dir, "sql", "--db", db, "--format", "json", "--file", sqlFile)
			checked := 0
			for rest := "\n" + out; ; {
				i := strings.Index(rest, "\n[")
				if i < 0 {
					break
				}
				dec := json.NewDecoder(strings.NewReader(rest[i+1:]))
				var rows []map[string]any
				if err := dec.Decode(&rows); err != nil {
					t.Fatalf("%v in\n%s", err, out)
				}
				if len(rows) == 0 {
					t.Errorf("a query returned no rows:\n%s", out)
				}
				for _, r := range rows {
					for k, v := range r {
						if strings.HasSuffix(k, "_ok") {
							checked++
							if v != true {
								t.Errorf("%s: %s = %v in row %v", c.sql, k, v, r)
							}
						}
					}
				}
				rest = rest[i+1+int(dec.InputOffset()):]
			}
			if checked < 10 {
				t.Fatalf("only %d checks found in\n%s", checked, out)
			}
		})
	}
}
