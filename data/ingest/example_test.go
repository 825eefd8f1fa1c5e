package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cascade-research/cascade/data/ingest"
)

// Import a funding history whose dates are naive UTC+3 with a mapping
// written inline, twice: the second run finds only duplicates.
func ExampleImport() {
	dir, _ := os.MkdirTemp("", "ingest-example")
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "funding.csv")
	os.WriteFile(in, []byte("Symbol,Date,Funding Rate\nBTC-USDT,2020-01-01 03:00:00.000,-0.00012359\nBTC-USDT,2020-01-01 11:00:00.000,-0.00012383\n"), 0o644)

	m, err := ingest.ParseMapping([]byte(`
kind: funding
timestamp: {column: Date, format: "2006-01-02 15:04:05", tz: "+03:00"}
columns: {rate: Funding Rate}
constants: {interval_hours: 8}
`), "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	opts := ingest.Options{Root: filepath.Join(dir, "ds"), Exchange: "binance", Symbol: "BTCUSDT"}
	for i := 0; i < 2; i++ {
		st, err := ingest.Import(context.Background(), m, []string{in}, opts)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("rows %d, added %d, duplicates %d, days written %d, first %s\n", st.Rows, st.Added, st.Duplicates, st.Days, st.First)
	}
	// Output:
	// rows 2, added 2, duplicates 0, days written 1, first 2020-01-01T00:00:00Z
	// rows 2, added 0, duplicates 2, days written 0, first 2020-01-01T00:00:00Z
}
