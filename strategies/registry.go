package strategies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/strategy"
	"github.com/cascade-research/cascade/strategies/macross"
	"github.com/cascade-research/cascade/strategies/storytrade"
)

// Need is a catalogue signal (engine.Hypotheses) that a strategy variant
// trades, with the signal's parameters. The pipeline computes it on the
// run's grid and delivers it to the strategy as it fires.
type Need struct {
	Signal string
	Params map[string]any
}

// Builder builds one variant from its normalised parameters (every
// parameter of its spec present, typed as engine.ParamSpec.Check
// returns them).
type Builder func(p map[string]any) (strategy.Strategy, []Need, error)

type entry struct {
	spec  engine.Spec
	build Builder
}

// registry is the table of built-in strategies, sorted by name.
func registry() []entry {
	es := []entry{{macross.Spec(), func(p map[string]any) (strategy.Strategy, []Need, error) {
		s, err := macross.New(p)
		return s, nil, err
	}}}
	for _, st := range storytrade.Stories() {
		es = append(es, entry{st.Spec(), func(p map[string]any) (strategy.Strategy, []Need, error) {
			s, sig, sp, err := st.New(p)
			if err != nil {
				return nil, nil, err
			}
			return s, []Need{{Signal: sig, Params: sp}}, nil
		}})
	}
	slices.SortFunc(es, func(a, b entry) int { return strings.Compare(a.spec.Name, b.spec.Name) })
	return es
}

// Specs returns the catalogue of built-in strategies, sorted by name.
// Scenarios may only name strategies listed here.
func Specs() []engine.Spec {
	var out []engine.Spec
	for _, e := range registry() {
		out = append(out, e.spec)
	}
	return out
}

// New builds the named strategy with parameters p (normalised by the
// scenario loader) and returns the signals it trades.
func New(name string, p map[string]any) (strategy.Strategy, []Need, error) {
	for _, e := range registry() {
		if e.spec.Name == name {
			return e.build(p)
		}
	}
	return nil, nil, fmt.Errorf("unknown strategy %q", name)
}
