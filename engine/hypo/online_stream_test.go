package hypo

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// Random event streams for the online tests: what a replay feeds the
// GridBuilder (trades, funding, OI, a series, recorded liquidations),
// the simulator's estimated liquidations and liquidation-map samples.

// scen describes one random market.
type scen struct {
	name      string
	seed      uint64
	step      time.Duration
	span      time.Duration
	offset    time.Duration // the first event after the aligned start: partial first row and bar
	fundEvery time.Duration // settlement interval (rate per interval, Aux in hours)
	est       time.Duration // estimated liquidations from this offset on (< 0: none)
	rec       time.Duration // recorded liquidations from this offset on (< 0: none)
	series    time.Duration // fear_greed from this offset on (< 0: none)
	crashes   int           // planted flushes: price, OI down, liquidation bursts
	gaps      int           // windows without any event
}

// item is one stream element: an event, or an estimated liquidation.
type item struct {
	e    engine.Event
	est  bool
	side int8
	qn   float64
}

// mapReq is a map pair and its sampling interval, as a replay records it.
type mapReq struct {
	above, below float64
	every        engine.Nanos
}

var testMaps = []mapReq{{0.12, 0.10, engine.Minute}, {0.08, 0.05, 20 * engine.Minute}}

var seriesNames = []string{"fear_greed", "other"}

func seriesName(i uint16) string { return seriesNames[i] }

// events generates the stream, in replay order (time, then kind).
func (s scen) events() []item {
	r := rand.New(rand.NewPCG(s.seed, 11))
	start := t0 + engine.Nanos(s.offset)
	end := start + engine.Nanos(s.span)
	type win struct{ from, to engine.Nanos }
	var gaps, crashes []win
	for range s.gaps {
		a := start + engine.Nanos(r.Float64()*float64(end-start))
		gaps = append(gaps, win{a, a + engine.Nanos((2+6*r.Float64())*float64(engine.Hour))})
	}
	for range s.crashes {
		a := start + engine.Nanos(r.Float64()*float64(end-start))
		crashes = append(crashes, win{a, a + engine.Nanos((1+3*r.Float64())*float64(engine.Hour))})
	}
	in := func(ws []win, t engine.Nanos) bool {
		for _, w := range ws {
			if t >= w.from && t < w.to {
				return true
			}
		}
		return false
	}
	var out []item
	add := func(e engine.Event) {
		if !in(gaps, e.TS) {
			out = append(out, item{e: e})
		}
	}
	// Trades, OI and liquidations on one clock.
	p, oi := 100.0, 1000.0
	sigma := 0.03 / math.Sqrt(1440) // per minute
	for t := start; t < end; {
		dt := engine.Nanos(r.ExpFloat64() * 90 * float64(engine.Second))
		t += dt + 1
		mins := float64(dt) / float64(engine.Minute)
		crash := in(crashes, t)
		drift := 0.0
		if crash {
			drift = -0.0015 * mins
			oi *= math.Exp(-0.0008 * mins)
		}
		p *= math.Exp(drift + sigma*math.Sqrt(mins)*r.NormFloat64())
		oi *= math.Exp(0.004 * math.Sqrt(mins/60) * r.NormFloat64())
		side := int8(1)
		if r.IntN(2) == 0 {
			side = -1
		}
		add(engine.Event{TS: t, Kind: engine.KindTrade, Price: p, Qty: 0.1 + r.ExpFloat64(), Side: side})
		if r.IntN(3) == 0 {
			e := engine.Event{TS: t, Kind: engine.KindOI, Qty: oi, Value: oi * p}
			switch r.IntN(10) {
			case 0:
				e.Qty = math.NaN()
			case 1:
				e.Value = math.NaN()
			}
			add(e)
		}
		burst := 0.004
		if crash {
			burst = 0.4
		}
		if s.rec >= 0 && t >= start+engine.Nanos(s.rec) && r.Float64() < burst {
			add(engine.Event{TS: t, Kind: engine.KindLiquidation, Side: side, Value: oi * p * 0.001 * r.ExpFloat64()})
		}
		if s.est >= 0 && t >= start+engine.Nanos(s.est) && r.Float64() < burst && !in(gaps, t) {
			sd := int8(1)
			if r.IntN(4) == 0 {
				sd = -1
			}
			out = append(out, item{est: true, e: engine.Event{TS: t}, side: sd, qn: oi * p * 0.002 * r.ExpFloat64()})
		}
	}
	if s.est == 0 { // a first estimate at the very start: the column is known from row 0
		out = append(out, item{est: true, e: engine.Event{TS: start}, side: 1, qn: 1})
	}
	// Funding settlements on the epoch grid; some NaN, some spikes.
	fe := engine.Nanos(s.fundEvery)
	f := 0.0001
	for t := (start/fe + 1) * fe; t < end; t += fe {
		f = 0.0001 + 0.9*(f-0.0001) + 0.0003*r.NormFloat64()
		v := f * float64(fe) / float64(8*engine.Hour)
		switch r.IntN(40) {
		case 0:
			v = math.NaN()
		case 1:
			v *= 8
		}
		add(engine.Event{TS: t, Kind: engine.KindFunding, Value: v, Aux: float64(fe) / float64(engine.Hour), Price: math.NaN()})
	}
	// A daily fear & greed index with persistence, a few NaN; an
	// unrelated hourly series.
	if s.series >= 0 {
		x := 50.0
		for t := start + engine.Nanos(s.series); t < end; t += engine.Day {
			x = math.Min(100, math.Max(0, 50+0.8*(x-50)+15*r.NormFloat64()))
			v := math.Round(x)
			if r.IntN(25) == 0 {
				v = math.NaN()
			}
			add(engine.Event{TS: t + engine.Nanos(r.IntN(600))*engine.Second, Kind: engine.KindSeries, Series: 0, Value: v})
		}
		for t := start + engine.Hour; t < end; t += engine.Hour {
			add(engine.Event{TS: t, Kind: engine.KindSeries, Series: 1, Value: r.Float64()})
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		x, y := &out[a], &out[b]
		if x.e.TS != y.e.TS {
			return x.e.TS < y.e.TS
		}
		return rank(x) < rank(y)
	})
	return out
}

func rank(it *item) int {
	if it.est {
		return 100 // the simulator reacts to the trade
	}
	return it.e.Kind.Priority()
}

// mapRecorder samples the liquidation map at trades, once per interval of
// each request, as replay.Run does (random notionals).
type mapRecorder struct {
	r     *rand.Rand
	maps  []*MapSeries
	reqs  []mapReq
	slots []engine.Nanos
}

func newMapRecorder(seed uint64) *mapRecorder {
	m := &mapRecorder{r: rand.New(rand.NewPCG(seed, 13)), reqs: testMaps}
	for _, q := range testMaps {
		m.maps = append(m.maps, &MapSeries{Above: q.above, Below: q.below})
		m.slots = append(m.slots, math.MinInt64)
	}
	return m
}

func (m *mapRecorder) sample(t engine.Nanos) {
	for k, q := range m.reqs {
		slot := t / q.every
		if slot == m.slots[k] {
			continue
		}
		m.slots[k] = slot
		ms := m.maps[k]
		sh, lo := 1000*math.Exp(m.r.NormFloat64()), 1000*math.Exp(m.r.NormFloat64())
		switch m.r.IntN(50) {
		case 0:
			lo = 0
		case 1:
			sh, lo = 0, 0
		}
		ms.Times = append(ms.Times, t)
		ms.Shorts = append(ms.Shorts, sh)
		ms.Longs = append(ms.Longs, lo)
	}
}

// copies returns the recorded series by value, for the batch Options.
func (m *mapRecorder) copies() []MapSeries {
	var out []MapSeries
	for _, ms := range m.maps {
		out = append(out, *ms)
	}
	return out
}
