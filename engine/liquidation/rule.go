package liquidation

import "github.com/cascade-research/cascade/engine/perp"

// CascadeRule is the rule an estimated episode must pass to count as a
// cascade: the generator's own labelling rule (data/synth), applied to the
// estimate.
type CascadeRule struct {
	MinOIShare float64 // notional >= MinOIShare × OI notional at the start (0.01)
	MinWaves   int     // at least this many waves (3)
}

// DefaultCascadeRule mirrors data/synth's labelling of cascades.
var DefaultCascadeRule = CascadeRule{MinOIShare: 0.01, MinWaves: 3}

// IsCascade reports whether episode e passes the rule, given the OI
// notional at its start.
func (r CascadeRule) IsCascade(e Episode, oiValue float64) bool {
	against := e.Move < 0
	if e.Side == perp.Short {
		against = e.Move > 0
	}
	return e.Waves >= r.MinWaves && e.Notional >= r.MinOIShare*oiValue && against
}
