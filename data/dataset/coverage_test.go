package dataset_test

import (
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

func TestCoverage(t *testing.T) {
	root := t.TempDir()
	w := dataset.Writer{Root: root, Exchange: "x", Symbol: "S"}
	day := func(s string) engine.Nanos {
		d, _ := time.Parse("2006-01-02", s)
		return engine.FromTime(d)
	}
	for _, d := range []string{"2024-01-30", "2024-01-31", "2024-02-03", "2024-03-01"} {
		if _, err := w.Write(&dataset.Funding{TS: []engine.Nanos{day(d)}, Rate: []float64{1e-4}, IntervalHours: []float64{8}}); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := dataset.Partitions(root)
	if err != nil || len(ps) != 1 || ps[0] != (dataset.Partition{Exchange: "x", Symbol: "S", Kind: engine.KindFunding}) {
		t.Fatalf("partitions %v %v", ps, err)
	}
	c, err := dataset.CoverageOf(root, ps[0])
	if err != nil {
		t.Fatal(err)
	}
	if c.Days != 4 || len(c.Months) != 3 || c.Months[0].Days != 2 || c.Months[0].InMonth != 2 || c.Months[1].Days != 1 || c.Months[1].InMonth != 29 || c.Months[2].InMonth != 1 {
		t.Fatalf("coverage %+v", c)
	}
	if len(c.Gaps) != 2 || c.Gaps[0][0].Format("2006-01-02") != "2024-02-01" || c.Gaps[1][1].Format("2006-01-02") != "2024-02-29" {
		t.Fatalf("gaps %v", c.Gaps)
	}
}
