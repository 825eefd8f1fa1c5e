package hypo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"strconv"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/stats"
)

// Feature is one named signal value at an event.
type Feature struct {
	Name  string
	Value float64
}

// Event is one de-overlapped signal event and its outcomes.
type Event struct {
	Spec       int // index of the spec in Evaluate's specs
	Hypothesis string
	Variant    int
	Step       int          // grid row of the signal step
	Time       engine.Nanos // entry time: the end of the signal step, when its close is known
	Sample     string       // "in", "out" or "all"; "" when its outcome window leaves every sample
	Entry      float64      // Close of the signal step
	Features   []Feature
	// Returns are raw forward returns Close[t+h]/Entry − 1, one per
	// horizon (NaN past the end of the grid).
	Returns []float64
	// MFE and MAE are the best and worst returns in the story's direction
	// (long for Side 0) over the largest horizon, from High and Low.
	MFE, MAE float64
	// TBS is target before stop over the largest horizon: +1 target
	// first, −1 stop first, 0 neither.
	TBS          int8
	TimeToTarget time.Duration // −1 unless TBS = +1
	// NextCascade is the direction of the next cascade step after the
	// event: +1 short liquidations dominate (up), −1 longs (down), 0 none
	// (or no estimated liquidations in the grid).
	NextCascade   int8
	NextCascadeIn time.Duration // −1 if none
}

// Summary is the test of one variant at one horizon in one sample.
type Summary struct {
	Spec       int // index of the spec in Evaluate's specs
	Hypothesis string
	Variant    int
	Params     string         // FormatParams of Values
	Values     map[string]any // the variant's parameters (defaults filled for catalogue hypotheses)
	Horizon    time.Duration
	Sample     string // "in", "out" or "all"

	N        int // events in the sample
	Episodes int // independent episodes: events closer than the horizon to the previous one join its episode
	NBase    int // baseline rows in the sample
	// Means of the side-adjusted forward return (return × Side, or
	// |return| for Side 0) at events and over the baseline.
	MeanEvent, MeanBase float64
	Diff                float64 // MeanEvent − MeanBase
	CILo, CIHi          float64 // stationary-bootstrap percentile interval of Diff
	P                   float64 // two-sided bootstrap p-value; NaN when untestable (see Note)
	Q                   float64 // Benjamini–Hochberg q-value across the sample's family
	PBonferroni         float64 // min(1, P × family size)
	// HitRate is the share of events with a side-adjusted return > 0
	// (Side 0: |return| above the baseline median |return|), with its
	// Wilson interval; BaseHitRate the same share over the baseline.
	HitRate, HitLo, HitHi, BaseHitRate float64
	EffectSize                         float64 // Cohen's d of event vs non-event baseline outcomes
	// TBSRate is the share of events whose target came before the stop
	// over the largest horizon; BaseTBSRate the same over the baseline.
	TBSRate, BaseTBSRate float64
	// Chosen marks the variant walk-forward chose for this hypothesis and
	// horizon (in-sample and out-of-sample rows); QWalkForward is the
	// BH q-value of a chosen out-of-sample row across the chosen rows.
	Chosen       bool
	QWalkForward float64
	Source       string // data the signal used
	Note         string // why a statistic is missing, data-quality remarks
}

// Sample describes one sample of the run.
type Sample struct {
	Name     string
	From, To engine.Nanos // entry times [From, To) whose whole outcome window lies inside
	Tests    int          // tests in the family (hypotheses × variants × horizons)
	Tested   int          // tests with a p-value
}

// Result is the output of Evaluate.
type Result struct {
	Summaries []Summary // by spec order, variant, horizon, sample
	Events    []Event   // by spec order, variant, time
	// Family is the number of tests in each sample's multiple-testing
	// family: every (hypothesis, variant, horizon), untestable ones
	// counted with p = 1.
	Family   int
	Variants int // variants tried, over all hypotheses
	Samples  []Sample
	EvalStep time.Duration
	Notes    []string
}

// Digest returns a SHA-256 over every field of the result in order, so
// two runs can be compared bit for bit.
func (r *Result) Digest() string {
	h := sha256.New()
	w := func(xs ...any) {
		for _, x := range xs {
			writeValue(h, x)
		}
		h.Write([]byte{'\n'})
	}
	w(r.Family, r.Variants, r.EvalStep)
	for _, s := range r.Samples {
		w(s.Name, s.From, s.To, s.Tests, s.Tested)
	}
	for _, n := range r.Notes {
		w(n)
	}
	for _, s := range r.Summaries {
		w(s.Spec, s.Hypothesis, s.Variant, s.Params, s.Horizon, s.Sample, s.N, s.Episodes, s.NBase, s.MeanEvent, s.MeanBase, s.Diff,
			s.CILo, s.CIHi, s.P, s.Q, s.PBonferroni, s.HitRate, s.HitLo, s.HitHi, s.BaseHitRate, s.EffectSize,
			s.TBSRate, s.BaseTBSRate, s.Chosen, s.QWalkForward, s.Source, s.Note)
	}
	for _, e := range r.Events {
		w(e.Spec, e.Hypothesis, e.Variant, e.Step, e.Time, e.Sample, e.Entry, e.MFE, e.MAE, e.TBS, e.TimeToTarget, e.NextCascade, e.NextCascadeIn)
		for _, f := range e.Features {
			w(f.Name, f.Value)
		}
		for _, x := range e.Returns {
			w(x)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeValue(h hash.Hash, x any) {
	var s string
	switch v := x.(type) {
	case float64:
		s = strconv.FormatUint(math.Float64bits(v), 16)
	case string:
		s = strconv.Quote(v)
	default:
		s = fmt.Sprint(v)
	}
	h.Write([]byte(s))
	h.Write([]byte{0})
}

// adjust fills Q and PBonferroni per sample across the whole family, and
// the walk-forward choice. specOf[k] is the spec index of Summaries[k];
// rows are ordered by spec, variant, horizon, sample, so an "in" row is
// followed by its "out" row.
func adjust(res *Result, specOf []int, walkForward bool) {
	for si := range res.Samples {
		name := res.Samples[si].Name
		var idx []int
		var ps []float64
		tested := 0
		for k := range res.Summaries {
			s := &res.Summaries[k]
			if s.Sample != name {
				continue
			}
			idx = append(idx, k)
			p := s.P
			if math.IsNaN(p) {
				p = 1 // untestable tests still count in the family
			} else {
				tested++
			}
			ps = append(ps, p)
		}
		q := stats.BenjaminiHochberg(ps)
		b := stats.Bonferroni(ps)
		for j, k := range idx {
			s := &res.Summaries[k]
			if !math.IsNaN(s.P) {
				s.Q, s.PBonferroni = q[j], b[j]
			}
		}
		res.Samples[si].Tests, res.Samples[si].Tested = len(idx), tested
		res.Family = len(idx)
	}
	if !walkForward || len(res.Samples) < 2 {
		return
	}
	// Per spec and horizon: the in-sample row with the lowest p among
	// positive effects (ties: larger Diff, then lower variant); when no
	// effect is positive, the largest Diff.
	type key struct {
		spec int
		h    time.Duration
	}
	better := func(a, b *Summary) bool { // a strictly better than b
		ap, bp := a.Diff > 0, b.Diff > 0
		if ap != bp {
			return ap
		}
		if ap && a.P != b.P {
			return a.P < b.P
		}
		return a.Diff > b.Diff
	}
	best := map[key]int{}
	var order []key
	for k := range res.Summaries {
		s := &res.Summaries[k]
		if s.Sample != "in" || math.IsNaN(s.P) {
			continue
		}
		kk := key{specOf[k], s.Horizon}
		if j, ok := best[kk]; !ok {
			best[kk] = k
			order = append(order, kk)
		} else if better(s, &res.Summaries[j]) {
			best[kk] = k
		}
	}
	var ps []float64
	var outs []int
	for _, kk := range order {
		k := best[kk]
		res.Summaries[k].Chosen = true
		if k+1 < len(res.Summaries) && res.Summaries[k+1].Sample == "out" {
			o := &res.Summaries[k+1]
			o.Chosen = true
			if !math.IsNaN(o.P) {
				ps = append(ps, o.P)
				outs = append(outs, k+1)
			}
		}
	}
	q := stats.BenjaminiHochberg(ps)
	for j, k := range outs {
		res.Summaries[k].QWalkForward = q[j]
	}
}
