package hypo_test

import (
	"fmt"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/hypo"
)

// A composed story: funding overheated AND open interest diverging from
// price within the previous 12 hours, evaluated as one hypothesis.
func ExampleAll() {
	g := &engine.Grid{T0: 0, Step: engine.Hour, Series: map[string][]float64{}}
	for i := range 48 {
		p, oi := 100.0, 1000.0
		if i >= 20 {
			p, oi = 97, 1060 // price down 3%, OI up 6% from step 20
		}
		g.Open, g.High, g.Low, g.Close = append(g.Open, p), append(g.High, p), append(g.Low, p), append(g.Close, p)
		g.Volume, g.OI, g.OIValue = append(g.Volume, 1), append(g.OI, oi), append(g.OIValue, oi*p)
		f := 0.0001
		if i == 24 {
			f = 0.001
		}
		g.Funding, g.FundingSettled = append(g.Funding, f), append(g.FundingSettled, i%8 == 0)
	}
	build := func(map[string]any) (hypo.Signal, error) {
		hot, err := hypo.NewSignal("funding_overheat", map[string]any{"level": 0.0007})
		if err != nil {
			return nil, err
		}
		div, err := hypo.NewSignal("oi_divergence", map[string]any{"window": 4 * time.Hour, "oi_rise": 0.05, "price_fall": 0.02})
		if err != nil {
			return nil, err
		}
		return hypo.All(hot, hypo.Within(div, 12*time.Hour)), nil
	}
	res, err := hypo.Evaluate(g, []hypo.Spec{{Name: "overheat_and_divergence", Signal: build,
		Horizons: []time.Duration{4 * time.Hour}, Target: 0.05, Stop: 0.05, Side: -1}}, hypo.StatsConfig{}, hypo.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range res.Events {
		fmt.Printf("step %d entry %.0f", e.Step, e.Entry)
		for _, f := range e.Features {
			fmt.Printf(" %s=%.3g", f.Name, f.Value)
		}
		fmt.Println()
	}
	// Output:
	// step 24 entry 97 funding_overheat0.funding=0.001 funding_overheat0.zscore=NaN oi_divergence1.oi_change=0.06 oi_divergence1.price_change=-0.03 oi_divergence1.age_h=1
}
