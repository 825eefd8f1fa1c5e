package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// DateLayout is the format of the date=<...> partition value.
const DateLayout = "2006-01-02"

// KindDir returns the directory holding all days of one kind.
func KindDir(root, exchange, symbol string, k engine.Kind) string {
	return filepath.Join(root, "exchange="+exchange, "symbol="+symbol, "kind="+k.String())
}

// DayDir returns the partition directory of one UTC day.
func DayDir(root, exchange, symbol string, k engine.Kind, day time.Time) string {
	return filepath.Join(KindDir(root, exchange, symbol, k), "date="+day.UTC().Format(DateLayout))
}

// Day is one day partition found on disk.
type Day struct {
	Date  time.Time // 00:00 UTC
	Files []string  // part-*.parquet files, sorted by name
}

// ListDays returns the day partitions of one kind whose date overlaps
// [from, to), sorted by date. Days outside the range are skipped without
// opening their files. A missing kind directory yields no days and no error.
func ListDays(root, exchange, symbol string, k engine.Kind, from, to engine.Nanos) ([]Day, error) {
	dir := KindDir(root, exchange, symbol, k)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	var days []Day
	for _, e := range ents {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, "date=") {
			continue
		}
		d, err := time.Parse(DateLayout, strings.TrimPrefix(name, "date="))
		if err != nil {
			return nil, fmt.Errorf("%s: partition %q: want date=YYYY-MM-DD", dir, name)
		}
		start := engine.FromTime(d)
		if start+engine.Day <= from || start >= to {
			continue
		}
		files, err := filepath.Glob(filepath.Join(dir, name, "part-*.parquet"))
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			continue
		}
		sort.Strings(files)
		days = append(days, Day{Date: d, Files: files})
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Date.Before(days[j].Date) })
	return days, nil
}

// MissingDays returns the UTC days in [from, to) that have no partition,
// given the days present.
func MissingDays(days []Day, from, to engine.Nanos) []time.Time {
	have := make(map[int64]bool, len(days))
	for _, d := range days {
		have[d.Date.Unix()] = true
	}
	var out []time.Time
	for t := from.DayStart(); t < to; t += engine.Day {
		if !have[t.Time().Unix()] {
			out = append(out, t.Time())
		}
	}
	return out
}

// DayRanges compresses a sorted list of days into inclusive [first, last]
// runs of consecutive days, e.g. for a gap summary.
func DayRanges(days []time.Time) [][2]time.Time {
	var out [][2]time.Time
	for _, d := range days {
		if n := len(out); n > 0 && out[n-1][1].Add(24*time.Hour).Equal(d) {
			out[n-1][1] = d
			continue
		}
		out = append(out, [2]time.Time{d, d})
	}
	return out
}
