package pipeline

import (
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/scenarios"
)

// A fallback standing in for two kinds on the same days flags each day
// once, and the span counts the days it covers, not more.
func TestQualityFlags(t *testing.T) {
	from := engine.FromTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	j := &Job{Scenario: &scenarios.Scenario{Simulator: scenarios.Simulator{Enabled: true, OISpread: 24 * time.Hour}},
		Kinds: []engine.Kind{engine.KindBar, engine.KindFunding, engine.KindOI}, From: from, To: from + 10*engine.Day}
	c := &coverage{has: map[engine.Kind]map[int64]bool{}, fallback: map[int64][]string{}, fbKind: map[engine.Kind]map[int64]bool{},
		runLevel: []string{"price: bars"}}
	for d := range 10 {
		i := dayIndex(from + engine.Nanos(d)*engine.Day)
		if d < 5 {
			c.add(engine.KindFunding, i)
		}
		c.add(engine.KindOI, i)
	}
	// What quality() does for a fallback of bars and funding on days 5..9.
	for d := 5; d < 10; d++ {
		i := dayIndex(from + engine.Nanos(d)*engine.Day)
		c.addFallback(i, "spot") // for bars
		c.addFallback(i, "spot") // for funding
	}
	if got := c.day(j, from+7*engine.Day); got != "price: bars; spot; funding: missing" {
		t.Errorf("day 7: %q", got)
	}
	if got := c.day(j, from+2*engine.Day); got != "price: bars" {
		t.Errorf("day 2: %q", got)
	}
	if got := c.span(j, j.From, j.To); got != "price: bars; funding: missing (5 of 10 days); spot (5 of 10 days)" {
		t.Errorf("span: %q", got)
	}
	// A bar closing at the end of the range belongs to the last day.
	if got, want := c.day(j, j.To), c.day(j, j.To-engine.Day); got != want {
		t.Errorf("day after the range %q, last day %q", got, want)
	}
}
