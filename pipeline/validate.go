package pipeline

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/cascade-research/cascade/data/parquetfeed"
	"github.com/cascade-research/cascade/data/synth"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/engine/perp"
	"github.com/cascade-research/cascade/engine/replay"
)

// SynthValidation compares the simulator's estimated cascades with the
// generator's ground truth on a synthetic dataset.
type SynthValidation struct {
	Days          int
	TruthCascades int     // labelled long/short cascades
	Detected      int     // estimated episodes passing the cascade rule
	TruthFound    int     // truth cascades overlapped by a detected episode of the same side
	DetectedTrue  int     // detected episodes overlapping a truth cascade of the same side
	Recall        float64 // TruthFound / TruthCascades
	Precision     float64 // DetectedTrue / Detected
	// With a size tolerance of SizeTolerance: a truth cascade is found by
	// an overlapping estimated episode that passes the rule at
	// MinOIShare/SizeTolerance, and a detected episode is true when it
	// overlaps a labelled cascade or a near_cascade of at least
	// MinOIShare/SizeTolerance of OI (a real burst whose size the estimate
	// put on the other side of the threshold).
	NearCascades                   int // labelled near_cascade rows
	TruthFoundTol, DetectedTrueTol int
	RecallTol, PrecisionTol        float64
	DailyCorr                      float64 // Pearson correlation of daily liquidated notional, estimated vs true
	EstNotional                    float64 // estimated notional in detected episodes (quote)
	TrueNotional                   float64 // true notional in labelled cascades (quote)
	AllEstNotional                 float64 // every estimated liquidation (quote)
	// TrueLongShare and EstLongShare are the long side's share of the
	// notional in labelled cascades and in detected episodes: a side bias
	// of the estimate shows here.
	TrueLongShare, EstLongShare float64
	// Strict scores by side: index 0 long cascades, 1 short cascades.
	RecallBySide, PrecisionBySide [2]float64
	Liquidations                  int // estimated liquidation events
	Events                        int64
}

// SizeTolerance is the factor by which an estimated cascade's size may miss
// the 1%-of-OI threshold in the tolerant scores (the size counterpart of
// the ± CascadeGap timing tolerance).
const SizeTolerance = 2.0

// detailFloat returns key=value from a truth row's detail (NaN if absent).
func detailFloat(detail, key string) float64 {
	for _, kv := range strings.Fields(detail) {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			if x, err := strconv.ParseFloat(v, 64); err == nil {
				return x
			}
		}
	}
	return math.NaN()
}

// ValidateSynthetic replays the trades, funding and OI of a synthetic
// dataset in [from, to) through the simulator with cfg, and scores its
// cascade episodes against the truth table written beside the data.
//
// proxy, when set, withholds the open interest and feeds the simulator the
// volume-based proxy instead (to measure what missing OI costs; coarse OI is
// measured by a long cfg.InflowInterval, e.g. 24h for daily OI).
func ValidateSynthetic(ctx context.Context, root, exchange, symbol string, from, to engine.Nanos, cfg liquidation.Config, rule liquidation.CascadeRule, proxy *replay.OIProxy) (*SynthValidation, error) {
	truth, err := synth.ReadTruth(synth.TruthPath(root, exchange, symbol))
	if err != nil {
		return nil, err
	}
	kinds := []engine.Kind{engine.KindTrade, engine.KindFunding, engine.KindOI} // with a proxy, OI only sets the rule's threshold
	feed, err := parquetfeed.Open(ctx, parquetfeed.Options{Root: root, Exchange: exchange, Symbol: symbol, From: from, To: to, Kinds: kinds})
	if err != nil {
		return nil, err
	}
	defer feed.Close()
	rep, err := replay.Run(ctx, feed, replay.Config{GridStep: 60e9, Simulator: &cfg, OIProxy: proxy})
	if err != nil {
		return nil, err
	}
	g := rep.Grid
	v := &SynthValidation{Days: int((to - from) / engine.Day), Liquidations: len(rep.Liquidations), Events: rep.Tally.Events}
	for _, l := range rep.Liquidations {
		v.AllEstNotional += l.Notional
	}
	type span struct {
		a, b engine.Nanos
		side int8
		n    float64
	}
	var tr, est, near, estTol []span
	for _, t := range truth {
		if t.Kind == synth.TruthNearCascade && t.Start >= from && t.Start < to {
			v.NearCascades++
			if detailFloat(t.Detail, "oi_share") >= rule.MinOIShare/SizeTolerance {
				near = append(near, span{t.Start, t.End, t.Side, t.NotionalLiquidated})
			}
		}
		if (t.Kind == synth.TruthLongCascade || t.Kind == synth.TruthShortCascade) && t.Start >= from && t.Start < to {
			tr = append(tr, span{t.Start, t.End, t.Side, t.NotionalLiquidated})
			v.TrueNotional += t.NotionalLiquidated
		}
	}
	for _, e := range rep.Episodes {
		i := g.Index(e.Start)
		if i < 0 {
			continue
		}
		oiv := g.OIValue[i]
		if math.IsNaN(oiv) {
			oiv = g.OI[i] * g.Close[i]
		}
		side := int8(1)
		if e.Side == perp.Short {
			side = -1
		}
		loose := rule
		loose.MinOIShare /= SizeTolerance
		if loose.IsCascade(e, oiv) {
			estTol = append(estTol, span{e.Start, e.End, side, e.Notional})
		}
		if !rule.IsCascade(e, oiv) {
			continue
		}
		est = append(est, span{e.Start, e.End, side, e.Notional})
		v.EstNotional += e.Notional
	}
	tol := engine.Nanos(cfg.CascadeGap)
	overlap := func(x, y span) bool { return x.side == y.side && x.a <= y.b+tol && y.a <= x.b+tol }
	for _, t := range tr {
		for _, e := range est {
			if overlap(t, e) {
				v.TruthFound++
				break
			}
		}
	}
	for _, e := range est {
		for _, t := range tr {
			if overlap(t, e) {
				v.DetectedTrue++
				break
			}
		}
	}
	hits := func(x span, ys ...[]span) bool {
		for _, l := range ys {
			for _, y := range l {
				if overlap(x, y) {
					return true
				}
			}
		}
		return false
	}
	for _, t := range tr {
		if hits(t, estTol) {
			v.TruthFoundTol++
		}
	}
	for _, e := range est {
		if hits(e, tr, near) {
			v.DetectedTrueTol++
		}
	}
	v.RecallTol = ratio(v.TruthFoundTol, len(tr))
	v.PrecisionTol = ratio(v.DetectedTrueTol, len(est))
	v.TruthCascades, v.Detected = len(tr), len(est)
	v.Recall = ratio(v.TruthFound, v.TruthCascades)
	v.Precision = ratio(v.DetectedTrue, v.Detected)
	// Daily notional: truth cascades vs detected episodes, by start day.
	days := map[engine.Nanos][2]float64{}
	for d := from.DayStart(); d < to; d += engine.Day {
		days[d] = [2]float64{}
	}
	for _, t := range tr {
		x := days[t.a.DayStart()]
		x[0] += t.n
		days[t.a.DayStart()] = x
	}
	for _, e := range est {
		x := days[e.a.DayStart()]
		x[1] += e.n
		days[e.a.DayStart()] = x
	}
	keys := make([]engine.Nanos, 0, len(days))
	for k := range days {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	var xs, ys []float64
	for _, k := range keys {
		xs, ys = append(xs, days[k][0]), append(ys, days[k][1])
	}
	v.DailyCorr = stat.Correlation(xs, ys, nil)
	longShare := func(l []span) float64 {
		var lo, all float64
		for _, x := range l {
			all += x.n
			if x.side > 0 {
				lo += x.n
			}
		}
		return lo / all
	}
	v.TrueLongShare, v.EstLongShare = longShare(tr), longShare(est)
	for k, side := range []int8{1, -1} {
		var nt, ft, ne, te int
		for _, t := range tr {
			if t.side == side {
				nt++
				if hits(t, est) {
					ft++
				}
			}
		}
		for _, e := range est {
			if e.side == side {
				ne++
				if hits(e, tr) {
					te++
				}
			}
		}
		v.RecallBySide[k], v.PrecisionBySide[k] = ratio(ft, nt), ratio(te, ne)
	}
	return v, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// String formats the validation as a short report.
func (v *SynthValidation) String() string {
	return fmt.Sprintf("days %d, events %d, estimated liquidations %d (%.4g quote)\n"+
		"truth cascades %d, detected episodes %d\nrecall %.3f (%d/%d), precision %.3f (%d/%d); long cascades %.3f/%.3f, short %.3f/%.3f\n"+
		"daily notional correlation %.3f; notional detected/true %.3f; long share of cascade notional: true %.2f, detected %.2f\n"+
		"size tolerance x%g (%d near cascades labelled): recall %.3f (%d/%d), precision %.3f (%d/%d)",
		v.Days, v.Events, v.Liquidations, v.AllEstNotional, v.TruthCascades, v.Detected,
		v.Recall, v.TruthFound, v.TruthCascades, v.Precision, v.DetectedTrue, v.Detected,
		v.RecallBySide[0], v.PrecisionBySide[0], v.RecallBySide[1], v.PrecisionBySide[1], v.DailyCorr, v.EstNotional/v.TrueNotional, v.TrueLongShare, v.EstLongShare,
		SizeTolerance, v.NearCascades, v.RecallTol, v.TruthFoundTol, v.TruthCascades, v.PrecisionTol, v.DetectedTrueTol, v.Detected)
}
