package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// Partition names one exchange/symbol/kind of a dataset.
type Partition struct {
	Exchange, Symbol string
	Kind             engine.Kind
}

// Coverage summarises the days present for one partition.
type Coverage struct {
	Partition
	First, Last time.Time       // first and last day present
	Days        int             // days present
	Months      []MonthCoverage // every month from First to Last
	Gaps        [][2]time.Time  // runs of missing days between First and Last
}

// MonthCoverage counts the days present in one calendar month.
type MonthCoverage struct {
	Month   time.Time // first day of the month
	Days    int       // days present
	InMonth int       // days in the month (within [First, Last])
}

// Partitions lists the exchange/symbol/kind partitions under root, sorted.
func Partitions(root string) ([]Partition, error) {
	exs, err := filepath.Glob(filepath.Join(root, "exchange=*", "symbol=*", "kind=*"))
	if err != nil {
		return nil, err
	}
	var out []Partition
	for _, p := range exs {
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return nil, err
		}
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 3 {
			continue
		}
		k, err := engine.ParseKind(strings.TrimPrefix(parts[2], "kind="))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if st, err := os.Stat(p); err != nil || !st.IsDir() {
			continue
		}
		out = append(out, Partition{strings.TrimPrefix(parts[0], "exchange="), strings.TrimPrefix(parts[1], "symbol="), k})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Exchange != b.Exchange {
			return a.Exchange < b.Exchange
		}
		if a.Symbol != b.Symbol {
			return a.Symbol < b.Symbol
		}
		return a.Kind < b.Kind
	})
	return out, nil
}

// CoverageOf returns the coverage of one partition (Days 0 when empty).
func CoverageOf(root string, p Partition) (Coverage, error) {
	const far = engine.Nanos(1 << 62)
	days, err := ListDays(root, p.Exchange, p.Symbol, p.Kind, -far, far)
	if err != nil {
		return Coverage{}, err
	}
	c := Coverage{Partition: p, Days: len(days)}
	if len(days) == 0 {
		return c, nil
	}
	c.First, c.Last = days[0].Date, days[len(days)-1].Date
	have := map[time.Time]bool{}
	for _, d := range days {
		have[d.Date] = true
	}
	for m := time.Date(c.First.Year(), c.First.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(c.Last); m = m.AddDate(0, 1, 0) {
		mc := MonthCoverage{Month: m}
		for d := m; d.Month() == m.Month(); d = d.AddDate(0, 0, 1) {
			if d.Before(c.First) || d.After(c.Last) {
				continue
			}
			mc.InMonth++
			if have[d] {
				mc.Days++
			}
		}
		c.Months = append(c.Months, mc)
	}
	c.Gaps = DayRanges(MissingDays(days, engine.FromTime(c.First), engine.FromTime(c.Last)+engine.Day))
	return c, nil
}
