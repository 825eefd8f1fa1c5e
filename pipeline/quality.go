package pipeline

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/results"
	"github.com/cascade-research/cascade/scenarios"
)

// FallbackPart is a partition read for one kind on the day ranges where
// the main partition has no file of it.
type FallbackPart struct {
	Part
	Ranges [][2]engine.Nanos // half-open [from, to), whole UTC days
	Note   string
}

// coverage records which UTC days have data of the kinds whose absence
// changes the model's assumptions, and which days came from a fallback.
type coverage struct {
	has      map[engine.Kind]map[int64]bool // kind → day index (Unix days) with a file in some partition
	fallback map[int64][]string             // day → fallback notes
	fbKind   map[engine.Kind]map[int64]bool // kind → days a fallback supplied it
	runLevel []string                       // assumptions that hold every day (run data_quality)
}

func dayIndex(t engine.Nanos) int64 { return int64(t.DayStart() / engine.Day) }

// prepareFallbacks resolves the scenario's fallback partitions into day
// ranges and returns their fingerprints and file counts.
func prepareFallbacks(s *scenarios.Scenario, j *Job, hashes dataset.Hashes) (fp string, files int, err error) {
	for _, fb := range s.Data.Fallback {
		for _, ks := range fb.Kinds {
			k, err := engine.ParseKind(ks)
			if err != nil {
				return "", 0, fmt.Errorf("%s: data.fallback: %w", s.Source, err)
			}
			days, err := dataset.ListDays(s.Data.Root, s.Data.Exchange, s.Data.Symbol, k, j.From, j.To)
			if err != nil {
				return "", 0, err
			}
			p := FallbackPart{Part: Part{Exchange: fb.Exchange, Symbol: fb.Symbol, Kinds: []engine.Kind{k}}, Note: fb.Note}
			for _, r := range dataset.DayRanges(dataset.MissingDays(days, j.From, j.To)) {
				from, to := max(engine.FromTime(r[0]), j.From), min(engine.FromTime(r[1])+engine.Day, j.To)
				have, err := dataset.ListDays(s.Data.Root, fb.Exchange, fb.Symbol, k, from, to)
				if err != nil {
					return "", 0, err
				}
				if len(have) == 0 {
					continue
				}
				f, n, err := dataset.Fingerprint(s.Data.Root, fb.Exchange, fb.Symbol, p.Kinds, from, to, hashes)
				if err != nil {
					return "", 0, err
				}
				fp, files = fp+"+"+f, files+n
				p.Ranges = append(p.Ranges, [2]engine.Nanos{from, to})
			}
			if len(p.Ranges) > 0 {
				j.Fallback = append(j.Fallback, p)
			}
		}
	}
	return fp, files, nil
}

// quality computes the job's coverage: per-day availability of open
// interest and funding across its partitions, and the fallback days.
func (j *Job) quality() (*coverage, error) {
	s := j.Scenario
	c := &coverage{has: map[engine.Kind]map[int64]bool{}, fallback: map[int64][]string{}, fbKind: map[engine.Kind]map[int64]bool{}}
	parts := append([]Part{{Exchange: s.Data.Exchange, Symbol: s.Data.Symbol, Kinds: j.Kinds}}, j.Extra...)
	for _, fb := range j.Fallback {
		for _, r := range fb.Ranges {
			days, err := dataset.ListDays(s.Data.Root, fb.Exchange, fb.Symbol, fb.Kinds[0], r[0], r[1])
			if err != nil {
				return nil, err
			}
			for _, d := range days {
				i := dayIndex(engine.FromTime(d.Date))
				c.addFallback(i, fb.Note)
				c.add(fb.Kinds[0], i)
				if c.fbKind[fb.Kinds[0]] == nil {
					c.fbKind[fb.Kinds[0]] = map[int64]bool{}
				}
				c.fbKind[fb.Kinds[0]][i] = true
			}
		}
	}
	for _, p := range parts {
		for _, k := range p.Kinds {
			if k != engine.KindOI && k != engine.KindFunding {
				continue
			}
			days, err := dataset.ListDays(s.Data.Root, p.Exchange, p.Symbol, k, j.From, j.To)
			if err != nil {
				return nil, err
			}
			for _, d := range days {
				c.add(k, dayIndex(engine.FromTime(d.Date)))
			}
		}
	}
	return c, nil
}

// covered reports whether a fallback supplied kind k on every day of
// [first, last] (UTC days).
func (c *coverage) covered(k engine.Kind, first, last time.Time) bool {
	for t := engine.FromTime(first); t <= engine.FromTime(last); t += engine.Day {
		if !c.fbKind[k][dayIndex(t)] {
			return false
		}
	}
	return true
}

// addFallback notes that a fallback supplied day i: once per note,
// however many kinds it stands in for.
func (c *coverage) addFallback(i int64, note string) {
	if !slices.Contains(c.fallback[i], note) {
		c.fallback[i] = append(c.fallback[i], note)
	}
}

func (c *coverage) add(k engine.Kind, day int64) {
	if c.has[k] == nil {
		c.has[k] = map[int64]bool{}
	}
	c.has[k][day] = true
}

// day returns the data-quality flags of one UTC day joined by "; " ("ok"
// when there are none).
func (c *coverage) day(j *Job, t engine.Nanos) string {
	flags := c.dayFlags(j, t)
	if len(flags) == 0 {
		return "ok"
	}
	return strings.Join(flags, "; ")
}

// dayFlags returns the data-quality flags of one UTC day: the run-level
// assumptions plus what that day lacked or borrowed.
func (c *coverage) dayFlags(j *Job, t engine.Nanos) []string {
	// A bar closing at the end of the range is stamped with the next day:
	// it belongs to the last day.
	t = min(max(t, j.From), j.To-1)
	i := dayIndex(t)
	flags := slices.Clone(c.runLevel)
	flags = append(flags, c.fallback[i]...)
	sim := j.Scenario.Simulator
	oiKind := hasKind(j, engine.KindOI)
	switch {
	case !sim.Enabled:
	case !oiKind:
		// the run-level flag says: volume proxy throughout
	case !c.has[engine.KindOI][i] && sim.OISpread > 0:
		flags = append(flags, "oi: missing, volume proxy scaled to the last observation")
	case !c.has[engine.KindOI][i]:
		flags = append(flags, "oi: missing (no position inflow)")
	}
	if hasKind(j, engine.KindFunding) && !c.has[engine.KindFunding][i] {
		flags = append(flags, "funding: missing")
	}
	return flags
}

// span summarises the day flags over [from, to): each distinct flag with
// its number of days, most frequent first.
func (c *coverage) span(j *Job, from, to engine.Nanos) string {
	count := map[string]int{}
	days := 0
	for t := max(from, j.From).DayStart(); t < min(to, j.To); t += engine.Day {
		days++
		flags := c.dayFlags(j, t)
		if len(flags) == 0 {
			flags = []string{"ok"}
		}
		for _, f := range flags {
			count[f]++
		}
	}
	if days == 0 {
		return ""
	}
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		if count[keys[a]] != count[keys[b]] {
			return count[keys[a]] > count[keys[b]]
		}
		return keys[a] < keys[b]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		if count[k] == days {
			parts[i] = k
		} else {
			parts[i] = fmt.Sprintf("%s (%d of %d days)", k, count[k], days)
		}
	}
	return strings.Join(parts, "; ")
}

// addQuality appends a data_quality column to every result table: per row
// from its time column for row-level tables, over the row's sample for
// hypothesis_results and strategy_metrics.
func addQuality(tables []results.Table, j *Job, c *coverage, g *engine.Grid) {
	samples := map[string][2]engine.Nanos{}
	for _, w := range windows(g, j.Scenario.Stats.Split) {
		samples[w.Sample] = [2]engine.Nanos{w.From, w.To}
	}
	if _, ok := samples["in"]; !ok {
		samples["in"], samples["out"] = samples["all"], samples["all"]
	}
	spanOf := map[string]string{}
	for name, r := range samples {
		if r[0] == math.MinInt64 {
			r = [2]engine.Nanos{j.From, j.To}
		}
		spanOf[name] = c.span(j, r[0], r[1])
	}
	for i := range tables {
		t := &tables[i]
		if !qualityTables[t.Name] {
			continue
		}
		var q []string
		switch t.Name {
		case "hypothesis_results", "strategy_metrics":
			for _, s := range col(t, "sample").Str {
				if s == "" {
					s = "all"
				}
				q = append(q, spanOf[s])
			}
		default:
			ts := timeColumn(t)
			if ts == nil {
				continue
			}
			q = make([]string, len(ts))
			for k, x := range ts {
				q[k] = c.day(j, engine.FromTime(x))
			}
		}
		t.Cols = append(t.Cols, results.Column{Name: "data_quality", Type: results.String, Str: q})
	}
}

// qualityTables are the tables whose rows carry data_quality (migration
// 0006): the analysis tables, not the picture data (liq_heatmap) or a
// strategy's book (orders, ledger, equity: see its fills).
var qualityTables = map[string]bool{
	"market_daily": true, "market_bars": true, "liquidations_est": true, "cascades": true,
	"hypothesis_results": true, "hypothesis_events": true, "strategy_metrics": true, "strategy_fills": true,
}

// col returns the named column of t (a zero column if absent).
func col(t *results.Table, name string) results.Column {
	for _, c := range t.Cols {
		if c.Name == name {
			return c
		}
	}
	return results.Column{}
}

// timeColumn returns the time column that places a row in a day.
func timeColumn(t *results.Table) []time.Time {
	for _, name := range []string{"day", "ts", "start_ts"} {
		if c := col(t, name); c.Type == results.Time || c.Type == results.Date {
			return c.TS
		}
	}
	return nil
}
