package hypo

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// t0 is 2022-01-01 00:00 UTC.
var t0 = engine.FromTime(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))

// flatGrid returns n steps at price p with OI 1000 (value 1000·p),
// funding 0.0001 settled every 8 hours, no liquidations.
func flatGrid(n int, step time.Duration, p float64) *engine.Grid {
	g := &engine.Grid{T0: t0, Step: engine.Nanos(step), Series: map[string][]float64{}}
	for i := range n {
		g.Open = append(g.Open, p)
		g.High = append(g.High, p)
		g.Low = append(g.Low, p)
		g.Close = append(g.Close, p)
		g.Volume = append(g.Volume, 1)
		g.BuyVolume = append(g.BuyVolume, 0.5)
		g.Trades = append(g.Trades, 1)
		g.OI = append(g.OI, 1000)
		g.OIValue = append(g.OIValue, 1000*p)
		g.Funding = append(g.Funding, 0.0001)
		g.FundingSettled = append(g.FundingSettled, g.Time(i)%(8*engine.Hour) == 0)
		g.RecLiqLong = append(g.RecLiqLong, 0)
		g.RecLiqShort = append(g.RecLiqShort, 0)
		g.EstLiqLong = append(g.EstLiqLong, 0)
		g.EstLiqShort = append(g.EstLiqShort, 0)
	}
	return g
}

// setBar sets one step's OHLC.
func setBar(g *engine.Grid, i int, o, h, l, c float64) {
	g.Open[i], g.High[i], g.Low[i], g.Close[i] = o, h, l, c
}

// setPrice sets a flat step at p from i on (every later step repeats it).
func setPrice(g *engine.Grid, from int, p float64) {
	for i := from; i < g.Len(); i++ {
		setBar(g, i, p, p, p, p)
		g.OIValue[i] = g.OI[i] * p
	}
}

// synth is a synthetic market: a GARCH(1,1) random walk (no drift, so
// forward returns are unpredictable), an independent OI random walk, an
// independent AR(1) funding rate settled every 8 hours and independent
// liquidation bursts.
type synth struct {
	seed  uint64
	n     int
	step  time.Duration
	omega float64 // GARCH parameters per step
	alpha float64
	beta  float64
}

func (s synth) grid() *engine.Grid {
	r := rand.New(rand.NewPCG(s.seed, 77))
	g := flatGrid(s.n, s.step, 100)
	v := s.omega / (1 - s.alpha - s.beta)
	p := 100.0
	oi := 1000.0
	f := 0.0001
	eps := 0.0
	for i := range s.n {
		v = s.omega + s.alpha*eps*eps + s.beta*v
		eps = math.Sqrt(v) * r.NormFloat64()
		o := p
		p *= math.Exp(eps - v/2)
		w := math.Sqrt(v)
		hi := math.Max(o, p) * math.Exp(w*math.Abs(r.NormFloat64())*0.5)
		lo := math.Min(o, p) * math.Exp(-w*math.Abs(r.NormFloat64())*0.5)
		setBar(g, i, o, hi, lo, p)
		oi *= math.Exp(0.002 * r.NormFloat64())
		g.OI[i] = oi
		g.OIValue[i] = oi * p
		g.Volume[i] = 1 + r.ExpFloat64()
		if g.FundingSettled[i] {
			f = 0.0001 + 0.9*(f-0.0001) + 0.0002*r.NormFloat64()
		}
		g.Funding[i] = f
		if r.Float64() < 0.01 {
			g.EstLiqLong[i] = oi * p * 0.002 * r.ExpFloat64()
		}
		if r.Float64() < 0.01 {
			g.EstLiqShort[i] = oi * p * 0.002 * r.ExpFloat64()
		}
	}
	return g
}

// nullSynth is an hourly GARCH market with daily-ish persistence.
func nullSynth(seed uint64, days int) *engine.Grid {
	return synth{seed: seed, n: days * 24, step: time.Hour, omega: 1e-6, alpha: 0.06, beta: 0.92}.grid()
}

// randomSignal fires at each step independently with probability p,
// independent of the market (a null signal).
func randomSignal(seed uint64, p float64) Signal {
	return SignalFunc(func(env *Env) (*Fired, error) {
		r := rand.New(rand.NewPCG(seed, 5))
		on := make([]bool, env.Grid.Len())
		for i := range on {
			on[i] = r.Float64() < p
		}
		return &Fired{Name: "random", On: on}, nil
	})
}

func steps(on []bool) []int {
	var out []int
	for i, v := range on {
		if v {
			out = append(out, i)
		}
	}
	return out
}

// regimeSignal holds during random regimes (mean length on hours, mean gap
// off hours), independent of the market: a persistent null signal whose
// events cluster, the case a bootstrap that ignores dependence gets wrong.
func regimeSignal(seed uint64, on, off float64) Signal {
	return SignalFunc(func(env *Env) (*Fired, error) {
		r := rand.New(rand.NewPCG(seed, 6))
		out := make([]bool, env.Grid.Len())
		state := false
		for i := range out {
			if state && r.Float64() < 1/on || !state && r.Float64() < 1/off {
				state = !state
			}
			out[i] = state
		}
		return &Fired{Name: "regime", On: out}, nil
	})
}
