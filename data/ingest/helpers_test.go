package ingest

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

var nan = math.NaN()

// writeInput writes a test input file. Names ending in .zip hold content
// as the one member "data.csv"; names ending in .gz are gzipped.
func writeInput(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	data := []byte(content)
	switch filepath.Ext(name) {
	case ".zip":
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.Create(name[:len(name)-4] + ".csv")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		data = buf.Bytes()
	case ".gz":
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(data)
		zw.Close()
		data = buf.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustMapping(t *testing.T, nameOrYAML string) *Mapping {
	t.Helper()
	var m *Mapping
	var err error
	if bytes.ContainsAny([]byte(nameOrYAML), ":\n") {
		m, err = ParseMapping([]byte(nameOrYAML), "test")
	} else {
		m, err = LoadMapping(nameOrYAML)
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func opts(root string) Options {
	return Options{Root: root, Exchange: "ex", Symbol: "SYM"}
}

// readAll reads every day of a kind back as rows.
func readAll(t *testing.T, root string, k engine.Kind) ([]row, dataset.Table) {
	t.Helper()
	days, err := dataset.ListDays(root, "ex", "SYM", k, math.MinInt64, math.MaxInt64)
	if err != nil {
		t.Fatal(err)
	}
	var rows []row
	var last dataset.Table
	for _, d := range days {
		for _, f := range d.Files {
			tb, err := dataset.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := tb.Validate(); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			rows = append(rows, fromTable(tb)...)
			last = tb
		}
	}
	return rows, last
}

func checkRows(t *testing.T, got, want []row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d:\n got %+v\nwant %+v", len(got), len(want), got, want)
	}
	for i := range got {
		if !sameRow(&got[i], &want[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func mk(ts engine.Nanos, vs ...float64) row {
	r := nanRow()
	r.ts = ts
	copy(r.v[:], vs)
	return r
}

func trade(ts engine.Nanos, price, qty float64, side int8, id int64) row {
	r := mk(ts, price, qty)
	r.side, r.id, r.hasID = side, id, true
	return r
}

func bar(ts engine.Nanos, o, h, l, c, v, tb float64) row { return mk(ts, o, h, l, c, v, tb) }

func funding(ts engine.Nanos, rate, hours float64) row { return mk(ts, rate, hours) }

func liq(ts engine.Nanos, side int8, notional float64) row {
	r := mk(ts, nan, notional)
	r.side = side
	return r
}

func series(ts engine.Nanos, name string, v float64) row {
	r := mk(ts, v)
	r.name = name
	return r
}

func run(t *testing.T, m *Mapping, o Options, files ...string) Stats {
	t.Helper()
	st, err := Import(context.Background(), m, files, o)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// hashTree returns the bytes of every file under root, by relative path.
func hashTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
