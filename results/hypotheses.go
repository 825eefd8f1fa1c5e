package results

import (
	"encoding/json"
	"math"
	"time"

	"github.com/cascade-research/cascade/engine/hypo"
)

func nanNil(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}

// HypothesisResults converts the hypothesis summaries into the
// hypothesis_results table; sides gives each spec's predicted direction.
func HypothesisResults(r *hypo.Result, sides []int) Table {
	n := len(r.Summaries)
	names, spec := make([]string, n), make([]int64, n)
	for i, s := range r.Summaries {
		names[i], spec[i] = s.Hypothesis, int64(s.Spec)
	}
	f := func() []float64 { return make([]float64, n) }
	i64 := func() []int64 { return make([]int64, n) }
	str := func() []string { return make([]string, n) }
	variant, side, hs, nn, eps, nb, fam, vt := i64(), i64(), i64(), i64(), i64(), i64(), i64(), i64()
	params, horizon, sample, source, note := str(), str(), str(), str(), str()
	me, mb, eff, lo, hi, p, q, pb, hr, hl, hh, bhr, es, tbs, btbs, qwf := f(), f(), f(), f(), f(), f(), f(), f(), f(), f(), f(), f(), f(), f(), f(), f()
	chosen := make([]bool, n)
	for i, s := range r.Summaries {
		variant[i], nn[i], eps[i], nb[i] = int64(s.Variant), int64(s.N), int64(s.Episodes), int64(s.NBase)
		if int(spec[i]) < len(sides) {
			side[i] = int64(sides[spec[i]])
		}
		hs[i], horizon[i] = int64(s.Horizon/time.Second), hypo.FormatDuration(s.Horizon)
		params[i], sample[i], source[i], note[i] = s.Params, s.Sample, s.Source, s.Note
		me[i], mb[i], eff[i], lo[i], hi[i] = s.MeanEvent, s.MeanBase, s.Diff, s.CILo, s.CIHi
		p[i], q[i], pb[i] = s.P, s.Q, s.PBonferroni
		hr[i], hl[i], hh[i], bhr[i], es[i] = s.HitRate, s.HitLo, s.HitHi, s.BaseHitRate, s.EffectSize
		tbs[i], btbs[i], chosen[i], qwf[i] = s.TBSRate, s.BaseTBSRate, s.Chosen, s.QWalkForward
		fam[i], vt[i] = int64(r.Family), int64(r.Variants)
	}
	return Table{Name: "hypothesis_results", Cols: []Column{
		{Name: "spec", Type: Int, I64: spec}, {Name: "hypothesis", Type: String, Str: names}, {Name: "variant", Type: Int, I64: variant},
		{Name: "params", Type: String, Str: params}, {Name: "side", Type: Int, I64: side},
		{Name: "horizon", Type: String, Str: horizon}, {Name: "horizon_s", Type: Int, I64: hs}, {Name: "sample", Type: String, Str: sample},
		{Name: "n", Type: Int, I64: nn}, {Name: "episodes", Type: Int, I64: eps}, {Name: "n_base", Type: Int, I64: nb},
		{Name: "mean_event", Type: Float, F64: me}, {Name: "mean_base", Type: Float, F64: mb}, {Name: "effect", Type: Float, F64: eff},
		{Name: "ci_lo", Type: Float, F64: lo}, {Name: "ci_hi", Type: Float, F64: hi},
		{Name: "p", Type: Float, F64: p}, {Name: "q", Type: Float, F64: q}, {Name: "p_bonferroni", Type: Float, F64: pb},
		{Name: "hit_rate", Type: Float, F64: hr}, {Name: "hit_lo", Type: Float, F64: hl}, {Name: "hit_hi", Type: Float, F64: hh},
		{Name: "base_hit_rate", Type: Float, F64: bhr}, {Name: "effect_size", Type: Float, F64: es},
		{Name: "tbs_rate", Type: Float, F64: tbs}, {Name: "base_tbs_rate", Type: Float, F64: btbs},
		{Name: "chosen", Type: Bool, Bools: chosen}, {Name: "q_walk_forward", Type: Float, F64: qwf},
		{Name: "family", Type: Int, I64: fam}, {Name: "variants_tried", Type: Int, I64: vt},
		{Name: "source", Type: String, Str: source}, {Name: "note", Type: String, Str: note},
	}}
}

// HypothesisEvents converts the hypothesis events into the
// hypothesis_events table; horizons lists each spec's horizons.
func HypothesisEvents(r *hypo.Result, horizons [][]time.Duration) Table {
	n := len(r.Events)
	names, spec := make([]string, n), make([]int64, n)
	for i, e := range r.Events {
		names[i], spec[i] = e.Hypothesis, int64(e.Spec)
	}
	variant, tbs, ttt, nc, nci := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	ts := make([]time.Time, n)
	sample, feats, rets := make([]string, n), make([]string, n), make([]string, n)
	entry, mfe, mae := make([]float64, n), make([]float64, n), make([]float64, n)
	for i, e := range r.Events {
		variant[i], ts[i], sample[i], entry[i] = int64(e.Variant), e.Time.Time(), e.Sample, e.Entry
		mfe[i], mae[i], tbs[i], nc[i] = e.MFE, e.MAE, int64(e.TBS), int64(e.NextCascade)
		ttt[i], nci[i] = int64(e.TimeToTarget/time.Second), int64(e.NextCascadeIn/time.Second)
		fm := make(map[string]any, len(e.Features))
		for _, f := range e.Features {
			fm[f.Name] = nanNil(f.Value)
		}
		b, _ := json.Marshal(fm) // map keys are sorted: deterministic
		feats[i] = string(b)
		rm := map[string]any{}
		if s := int(spec[i]); s < len(horizons) {
			for k, h := range horizons[s] {
				if k < len(e.Returns) {
					rm[hypo.FormatDuration(h)] = nanNil(e.Returns[k])
				}
			}
		}
		b, _ = json.Marshal(rm)
		rets[i] = string(b)
	}
	return Table{Name: "hypothesis_events", Cols: []Column{
		{Name: "spec", Type: Int, I64: spec}, {Name: "hypothesis", Type: String, Str: names}, {Name: "variant", Type: Int, I64: variant},
		{Name: "ts", Type: Time, TS: ts}, {Name: "sample", Type: String, Str: sample}, {Name: "entry", Type: Float, F64: entry},
		{Name: "features", Type: String, Str: feats}, {Name: "returns", Type: String, Str: rets},
		{Name: "mfe", Type: Float, F64: mfe}, {Name: "mae", Type: Float, F64: mae}, {Name: "tbs", Type: Int, I64: tbs},
		{Name: "time_to_target_s", Type: Int, I64: ttt}, {Name: "next_cascade", Type: Int, I64: nc}, {Name: "next_cascade_in_s", Type: Int, I64: nci},
	}}
}
