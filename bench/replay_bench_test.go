package bench

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	duckdb "github.com/marcboeker/go-duckdb/v2"

	"github.com/cascade-research/cascade/data/parquetfeed"
	"github.com/cascade-research/cascade/engine"
)

func replayOnce(b *testing.B, root string) engine.Tally {
	f, err := parquetfeed.Open(context.Background(), parquetfeed.Options{Root: root, Exchange: "synth", Symbol: "BTCUSDT",
		From: engine.FromTime(benchStart), To: engine.FromTime(benchEnd),
		Kinds: []engine.Kind{engine.KindTrade, engine.KindFunding, engine.KindOI}})
	if err != nil {
		b.Fatal(err)
	}
	t, err := engine.Drain(context.Background(), f)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return t
}

type scanResult struct {
	n        int64
	notional float64
	side     int64
	maxTS    time.Time
}

func duckScan(b *testing.B, db *sql.DB, root string) scanResult {
	glob := filepath.Join(root, "exchange=synth", "symbol=BTCUSDT", "kind=trades", "*", "*.parquet")
	var r scanResult
	q := fmt.Sprintf("SELECT count(*), sum(price*qty), sum(side), max(ts) FROM read_parquet('%s')", glob)
	if err := db.QueryRow(q).Scan(&r.n, &r.notional, &r.side, &r.maxTS); err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkReplayVsDuckDB replays a synthetic year (trades merged with
// funding and OI, every trade column decoded) on one core and runs DuckDB's
// single-threaded scan of the same trades files in the same iteration. It
// reports events/s and the ratio replay time / DuckDB time (target <= 1.5).
func BenchmarkReplayVsDuckDB(b *testing.B) {
	root := benchData(b)
	c, err := duckdb.NewConnector("", nil)
	if err != nil {
		b.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("SET threads=1"); err != nil {
		b.Fatal(err)
	}
	// Warm the page cache and both code paths once.
	want := duckScan(b, db, root)
	got := replayOnce(b, root)
	if got.ByKind[engine.KindTrade] != want.n {
		b.Fatalf("replay saw %d trades, DuckDB %d", got.ByKind[engine.KindTrade], want.n)
	}
	var tGo, tDB time.Duration
	var events int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		prev := runtime.GOMAXPROCS(1)
		gc := debug.SetGCPercent(400) // as the cascade binary runs
		t0 := time.Now()
		t := replayOnce(b, root)
		tGo += time.Since(t0)
		runtime.GOMAXPROCS(prev)
		debug.SetGCPercent(gc)
		events += t.Events
		t0 = time.Now()
		duckScan(b, db, root)
		tDB += time.Since(t0)
	}
	b.StopTimer()
	b.ReportMetric(float64(events)/tGo.Seconds()/1e6, "Mevents/s")
	b.ReportMetric(float64(want.n)*float64(b.N)/tDB.Seconds()/1e6, "duckdb-Mrows/s")
	b.ReportMetric(tGo.Seconds()/tDB.Seconds(), "ratio-vs-duckdb")
	b.ReportMetric(float64(want.n), "trades")
}
