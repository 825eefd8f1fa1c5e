package hypo

import (
	"math"

	"github.com/cascade-research/cascade/engine"
)

// ---- sentiment_extreme ----

type sentimentOnline struct {
	g         *engine.Grid
	s         sentimentExtreme
	mode      SentimentSource
	useSeries bool
	px        *proxyOnline
	v         float64 // value at the current row
}

func newSentimentOnline(g *engine.Grid, s sentimentExtreme, mode SentimentSource) *sentimentOnline {
	o := &sentimentOnline{g: g, s: s, mode: mode, useSeries: mode == SentimentSeries}
	if !o.useSeries {
		o.px = &proxyOnline{g: g}
	}
	return o
}

// seriesAt is the series value at the end of row i: the column's row, or
// its last value where the live column is shorter (as Grid pads it).
func seriesAt(g *engine.Grid, name string, i int) float64 {
	s := g.Series[name]
	switch {
	case i < len(s):
		return s[i]
	case len(s) > 0:
		return s[len(s)-1]
	}
	return math.NaN()
}

func (o *sentimentOnline) step(i int) bool {
	if !o.useSeries {
		if o.mode == SentimentAuto && !math.IsNaN(seriesAt(o.g, o.s.series, i)) {
			o.useSeries, o.px = true, nil // for good: the proxy is not needed again
		} else {
			o.v = o.px.step(i)
		}
	}
	if o.useSeries {
		o.v = seriesAt(o.g, o.s.series, i)
	}
	return o.v <= o.s.below || o.v >= o.s.above
}

func (o *sentimentOnline) values(i int, dst []float64) { dst[0] = o.v }
func (o *sentimentOnline) features() []string          { return []string{"value"} }
func (o *sentimentOnline) name() string                { return "sentiment_extreme" }

// proxyOnline is the sentiment proxy day by day: a day's components and
// value are computed when its last row has been stepped (at the first row
// of the next day), with the batch arithmetic (proxy); the per-day
// columns are kept whole (a few thousand days at most), settlements for
// the last 7 days only.
type proxyOnline struct {
	g       *engine.Grid
	started bool
	day     engine.Nanos // UTC day number of the day in progress
	lastRow int          // its last row so far
	closeD  []float64    // per day; the day in progress is the last
	qv      []float64
	comp    [4][]float64 // per finished day
	daily   []float64    // per finished day
	val     float64      // value for the day in progress: daily of the day before
	// Settlements (finite rate) of the last 7 days, from lo on.
	times []engine.Nanos
	rates []float64
	lo    int
}

func (p *proxyOnline) step(i int) float64 {
	g := p.g
	if d := floorDiv(g.Time(i), engine.Day); !p.started || d != p.day {
		if p.started {
			p.finishDay()
		}
		p.started, p.day = true, d
		p.closeD = append(p.closeD, math.NaN())
		p.qv = append(p.qv, 0)
		p.val = math.NaN()
		if n := len(p.daily); n > 0 {
			p.val = p.daily[n-1]
		}
	}
	k := len(p.qv) - 1
	p.lastRow = i
	p.closeD[k] = g.Close[i]
	if v := g.Volume[i] * g.Close[i]; !math.IsNaN(v) {
		p.qv[k] += v
	}
	if i < len(g.FundingSettled) && g.FundingSettled[i] && i < len(g.Funding) && !math.IsNaN(g.Funding[i]) {
		p.times = append(p.times, g.Time(i))
		p.rates = append(p.rates, g.Funding[i])
	}
	return p.val
}

// finishDay computes the components and the value of the day in
// progress, whose rows are all stepped.
func (p *proxyOnline) finishDay() {
	g := p.g
	d := len(p.qv) - 1
	closeD, qv := p.closeD, p.qv
	nan := math.NaN()
	var c [4]float64
	for k := range c {
		c[k] = nan
	}
	if d >= 30 {
		c[0], c[1] = momentumVol(closeD, d)
	}
	// 7-day mean of settled funding: every settlement held ends before
	// the day's end.
	end := g.Time(p.lastRow) + g.Step
	for p.lo < len(p.times) && p.times[p.lo] < end-7*engine.Day {
		p.lo++
	}
	if n := len(p.times); n > p.lo {
		var f float64
		for _, r := range p.rates[p.lo:] {
			f += r
		}
		c[2] = f / float64(n-p.lo)
	}
	if p.lo > 256 && 2*p.lo > len(p.times) {
		n := copy(p.times, p.times[p.lo:])
		copy(p.rates, p.rates[p.lo:])
		p.times, p.rates, p.lo = p.times[:n], p.rates[:n], 0
	}
	if d >= proxyMinRank-1 {
		if r, ok := volumeRatio(qv, d); ok {
			c[3] = r
		}
	}
	var sum float64
	cnt := 0
	for k := range p.comp {
		p.comp[k] = append(p.comp[k], c[k])
		if r := trailingRank(p.comp[k], d); !math.IsNaN(r) {
			sum += r
			cnt++
		}
	}
	v := nan
	if cnt >= proxyMinComp {
		v = sum / float64(cnt)
	}
	p.daily = append(p.daily, v)
}

// ---- liq_asymmetry ----

type asymOnline struct {
	g      *engine.Grid
	ms     *MapSeries
	ratio  float64
	every  engine.Nanos
	next   int          // next sample to read
	prev   engine.Nanos // slot of the last sample kept
	on     bool
	sh, lo float64 // the row's last firing sample
}

// step reads the samples taken before the close of row i. As in Fire, the
// first sample of each interval of length every is kept (a sample before
// the grid's start takes its interval's turn and is skipped), and the
// features are those of the row's last firing sample. A sample appended
// after its row was stepped is skipped.
func (a *asymOnline) step(i int) bool {
	g, ms := a.g, a.ms
	a.on = false
	end := g.Time(i) + g.Step
	n := min(len(ms.Times), len(ms.Shorts), len(ms.Longs))
	for ; a.next < n && ms.Times[a.next] < end; a.next++ {
		t := ms.Times[a.next]
		slot := floorDiv(t, a.every)
		if slot == a.prev {
			continue
		}
		a.prev = slot
		if t < g.Time(i) {
			continue // before the grid, or late: its row has been evaluated
		}
		sh, lo := ms.Shorts[a.next], ms.Longs[a.next]
		if asymmetry(sh, lo) >= a.ratio {
			a.on, a.sh, a.lo = true, sh, lo
		}
	}
	return a.on
}

func (a *asymOnline) values(i int, dst []float64) {
	if !a.on {
		fillNaN(dst[:3])
		return
	}
	dst[0], dst[1], dst[2] = a.sh, a.lo, a.sh/a.lo
}

func (a *asymOnline) features() []string {
	return []string{"shorts_at_risk", "longs_at_risk", "ratio"}
}
func (a *asymOnline) name() string { return "liq_asymmetry" }
