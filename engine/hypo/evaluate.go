package hypo

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/stats"
)

// Evaluate tests every variant of every spec on the grid of one replay and
// returns the summaries (per variant × horizon × sample), the events, and
// the multiple-testing family. The result depends only on its inputs and
// cfg.Seed. See the package documentation for the definitions.
func Evaluate(g *engine.Grid, specs []Spec, cfg StatsConfig, opt Options) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := checkGrid(g); err != nil {
		return nil, err
	}
	switch cfg.Baseline {
	case "all", "matched":
	default:
		return nil, fmt.Errorf("stats baseline %q: want all or matched", cfg.Baseline)
	}
	env := NewEnv(g, opt)
	if cfg.Baseline == "matched" && env.Opt.MatchVolBins*env.Opt.MatchRetBins > math.MaxInt16 {
		return nil, fmt.Errorf("matched baseline: %d × %d cells, want at most %d", env.Opt.MatchVolBins, env.Opt.MatchRetBins, math.MaxInt16)
	}
	k := 1
	if opt.EvalStep > 0 {
		es := engine.Nanos(opt.EvalStep)
		if es%g.Step != 0 {
			return nil, fmt.Errorf("evaluation step %s is not a multiple of the grid step %s", opt.EvalStep, time.Duration(g.Step))
		}
		k = int(es / g.Step)
	}
	ev := &evaluator{env: env, path: newPath(g), cfg: cfg, k: k, samples: sampleDefs(g.Len(), cfg.Split),
		plans: map[planKey]*stats.BlockPlan{}}
	res := &Result{EvalStep: time.Duration(engine.Nanos(k) * g.Step)}
	for _, d := range ev.samples {
		res.Samples = append(res.Samples, Sample{Name: d.name, From: g.Time(d.a), To: g.Time(d.b)})
	}
	var specOf []int
	var events [][]Event
	for si, sp := range specs {
		r, err := ev.newSpecRun(sp)
		if err != nil {
			return nil, fmt.Errorf("hypothesis %d (%s): %w", si, sp.Name, err)
		}
		sums, evs, err := r.run()
		if err != nil {
			return nil, fmt.Errorf("hypothesis %d (%s): %w", si, sp.Name, err)
		}
		for i := range sums {
			sums[i].Spec = si
			specOf = append(specOf, si)
		}
		for i := range evs {
			evs[i].Spec = si
		}
		res.Summaries = append(res.Summaries, sums...)
		events = append(events, evs)
		res.Variants += len(r.variants)
	}
	res.Events = slices.Concat(events...)
	adjust(res, specOf, cfg.WalkForward)
	if cfg.WalkForward && len(ev.samples) < 2 {
		res.Notes = append(res.Notes, "walk-forward needs an out-of-sample period (split < 1); no variant chosen")
	}
	if env.cascades().none {
		res.Notes = append(res.Notes, "no estimated liquidations in the grid: next-cascade outcomes are all none")
	}
	return res, nil
}

func checkGrid(g *engine.Grid) error {
	if g == nil || g.Len() < 2 || g.Step <= 0 {
		return fmt.Errorf("grid: need at least 2 rows and a positive step")
	}
	n := g.Len()
	for _, c := range []struct {
		name string
		l    int
	}{{"Open", len(g.Open)}, {"High", len(g.High)}, {"Low", len(g.Low)}, {"Volume", len(g.Volume)},
		{"Funding", len(g.Funding)}, {"FundingSettled", len(g.FundingSettled)}} {
		if c.l != n {
			return fmt.Errorf("grid: column %s has %d rows, Close %d", c.name, c.l, n)
		}
	}
	return nil
}

type sampleDef struct {
	name string
	a, b int // grid steps [a, b)
}

// sampleDefs splits n steps at split: the first round(split·n) steps are
// in-sample, the rest out-of-sample; split outside (0, 1) gives one sample
// "all".
func sampleDefs(n int, split float64) []sampleDef {
	if !(split > 0 && split < 1) {
		return []sampleDef{{"all", 0, n}}
	}
	s := int(math.Round(split * float64(n)))
	s = min(max(s, 1), n-1)
	return []sampleDef{{"in", 0, s}, {"out", s, n}}
}

type planKey struct {
	sample string
	n      int
	mean   float64
}

type evaluator struct {
	env     *Env
	path    *path
	cfg     StatsConfig
	k       int // evaluation step in grid steps
	samples []sampleDef
	plans   map[planKey]*stats.BlockPlan
}

// plan returns the block plan for a sample of n rows and mean block
// length mean (rows), seeded from cfg.Seed and the key only, so a test's
// replicates do not depend on which other tests run.
func (e *evaluator) plan(key planKey) *stats.BlockPlan {
	if p, ok := e.plans[key]; ok {
		return p
	}
	if len(e.plans) >= 8 {
		clear(e.plans)
	}
	h := uint64(14695981039346656037)
	for _, c := range []byte(key.sample) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	h = splitmix(h ^ splitmix(uint64(key.n)) ^ splitmix(math.Float64bits(key.mean)+1))
	p := stats.NewBlockPlan(newRand(e.cfg.Seed, h), key.n, key.mean, e.cfg.Bootstrap)
	e.plans[key] = p
	return p
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// specRun evaluates one spec.
type specRun struct {
	ev       *evaluator
	env      *Env
	path     *path
	sp       Spec
	hs       []int // horizon steps
	hmax     int
	variants []map[string]any
	samples  []*sampleRun
	state    *matchState // matched baseline only: the trailing state
}

// sampleRun is one sample's baseline for one spec.
type sampleRun struct {
	idx     int
	def     sampleDef
	rows    []int32 // grid step of each baseline row
	rowOf   []int32 // evaluation row (step / k) -> baseline row, or -1
	y       [][]float64
	sum, ss []float64 // per horizon: Σy, Σy²
	med     []float64 // per horizon: median y (Side 0 hit threshold)
	hit     []float64 // per horizon: baseline hit rate
	tbs     float64   // baseline target-before-stop rate
	// Matched baseline only (matched.go).
	cell           []int16   // per row: state cell, -1 if undefined
	vEdges, rEdges []float64 // the sample's volatility and return bin edges
	cells          *cellStats
}

func (e *evaluator) newSpecRun(sp Spec) (*specRun, error) {
	if len(sp.Horizons) == 0 {
		return nil, fmt.Errorf("no horizons")
	}
	if sp.Side < -1 || sp.Side > 1 {
		return nil, fmt.Errorf("side %d: want -1, 0 or 1", sp.Side)
	}
	if !(sp.Target > 0) || !(sp.Stop > 0) {
		return nil, fmt.Errorf("target %g and stop %g must be > 0", sp.Target, sp.Stop)
	}
	if sp.Cooldown < 0 {
		return nil, fmt.Errorf("negative cooldown %s", sp.Cooldown)
	}
	g := e.env.Grid
	r := &specRun{ev: e, env: e.env, path: e.path, sp: sp, variants: variantsOf(sp)}
	if e.cfg.Baseline == "matched" {
		r.state = e.env.matchState()
	}
	for _, h := range sp.Horizons {
		if h <= 0 {
			return nil, fmt.Errorf("horizon %s: want > 0", h)
		}
		s := stepsOf(h, g.Step)
		r.hs = append(r.hs, s)
		r.hmax = max(r.hmax, s)
	}
	for si, d := range e.samples {
		r.samples = append(r.samples, r.baseline(si, d))
	}
	return r, nil
}

// adj is the side-adjusted outcome of a raw return.
func (r *specRun) adj(x float64) float64 {
	if r.sp.Side == 0 {
		return math.Abs(x)
	}
	return float64(r.sp.Side) * x
}

// eligible reports whether an entry at step i has every outcome inside
// sample d (and, for the matched baseline, a defined trailing state).
func (r *specRun) eligible(i int, d sampleDef) bool {
	g := r.env.Grid
	if i < d.a || i+r.hmax > d.b-1 || !finitePos(g.Close[i]) {
		return false
	}
	if r.state != nil && (math.IsNaN(r.state.vol[i]) || math.IsNaN(r.state.ret[i])) {
		return false
	}
	for _, h := range r.hs {
		if !finitePos(g.Close[i+h]) {
			return false
		}
	}
	return true
}

func (r *specRun) baseline(si int, d sampleDef) *sampleRun {
	g := r.env.Grid
	k := r.ev.k
	s := &sampleRun{idx: si, def: d, rowOf: make([]int32, (g.Len()+k-1)/k)}
	for i := range s.rowOf {
		s.rowOf[i] = -1
	}
	first := (d.a + k - 1) / k * k
	for st := first; st < d.b && st+r.hmax <= d.b-1; st += k {
		if r.eligible(st, d) {
			s.rowOf[st/k] = int32(len(s.rows))
			s.rows = append(s.rows, int32(st))
		}
	}
	nh := len(r.hs)
	s.y = make([][]float64, nh)
	s.sum, s.ss, s.med, s.hit = make([]float64, nh), make([]float64, nh), make([]float64, nh), make([]float64, nh)
	for h, hs := range r.hs {
		y := make([]float64, len(s.rows))
		var sum, ss float64
		for j, st := range s.rows {
			v := r.adj(g.Close[int(st)+hs]/g.Close[st] - 1)
			y[j] = v
			sum += v
			ss += v * v
		}
		s.y[h], s.sum[h], s.ss[h] = y, sum, ss
		s.med[h] = median(y)
		hits := 0
		for _, v := range y {
			if r.isHit(v, s.med[h]) {
				hits++
			}
		}
		s.hit[h] = float64(hits) / float64(len(y))
	}
	var tbsHit []bool // per row, matched baseline only
	matched := r.ev.cfg.Baseline == "matched"
	if matched {
		tbsHit = make([]bool, len(s.rows))
	}
	hits := 0
	for j, st := range s.rows {
		if res, _ := r.path.tbs(int(st), r.hmax, r.sp.Side, r.sp.Target, r.sp.Stop); res == 1 {
			hits++
			if matched {
				tbsHit[j] = true
			}
		}
	}
	s.tbs = float64(hits) / float64(len(s.rows))
	if matched {
		r.matchCells(s, tbsHit)
	}
	return s
}

func (r *specRun) isHit(y, med float64) bool {
	if r.sp.Side == 0 {
		return y > med
	}
	return y > 0
}

// variantSample is one variant's events in one sample.
type variantSample struct {
	pos  []int32     // baseline row of each event, non-decreasing
	y    [][]float64 // per horizon: side-adjusted outcome of each event
	tbsK int         // events with target before stop
	step []int32     // grid step of each event
}

// episodes counts independent episodes at a horizon of hs steps: runs of
// events whose outcome windows overlap (each closer than hs steps to the
// previous one) count once.
func (v *variantSample) episodes(hs int) int {
	n := 0
	for k, s := range v.step {
		if k == 0 || int(s-v.step[k-1]) >= hs {
			n++
		}
	}
	return n
}

func (r *specRun) run() ([]Summary, []Event, error) {
	var sums []Summary
	nv := len(r.variants)
	perVariant := make([][]Event, nv)
	vs := make([][]*variantSample, len(r.samples)) // [sample][variant]
	for s := range vs {
		vs[s] = make([]*variantSample, nv)
	}
	sources := make([]string, nv)
	values := make([]map[string]any, nv)
	for vi, v := range r.variants {
		sig, vals, err := r.signal(v)
		if err != nil {
			return nil, nil, fmt.Errorf("variant %d (%s): %w", vi, FormatParams(v), err)
		}
		values[vi] = vals
		f, err := sig.Fire(r.env)
		if err != nil {
			return nil, nil, fmt.Errorf("variant %d (%s): %w", vi, FormatParams(vals), err)
		}
		if len(f.On) != r.env.Grid.Len() {
			return nil, nil, fmt.Errorf("variant %d (%s): signal has %d steps, grid %d", vi, FormatParams(vals), len(f.On), r.env.Grid.Len())
		}
		sources[vi] = f.Source
		perVariant[vi] = r.events(vi, f, vs)
	}
	events := slices.Concat(perVariant...)
	// Matched baselines, per sample and variant (nil for baseline all).
	var msets [][]*matchSet
	if r.ev.cfg.Baseline == "matched" {
		msets = make([][]*matchSet, len(r.samples))
		for s, smp := range r.samples {
			msets[s] = make([]*matchSet, nv)
			for v := range nv {
				msets[s][v] = r.matchedBase(smp, vs[s][v])
			}
		}
	}
	// Tests, per sample: cells[sample][variant][horizon].
	cells := make([][][]diffStats, len(r.samples))
	for s, smp := range r.samples {
		var ms []*matchSet
		if msets != nil {
			ms = msets[s]
		}
		cells[s] = r.test(smp, vs[s], ms)
	}
	alpha := r.ev.cfg.Alpha
	for v := range nv {
		pstr := FormatParams(values[v])
		for h, hd := range r.sp.Horizons {
			for s, smp := range r.samples {
				vsm := vs[s][v]
				c := cells[s][v][h]
				K := len(vsm.pos)
				sm := Summary{Hypothesis: r.sp.Name, Variant: v, Params: pstr, Values: values[v], Horizon: hd, Sample: smp.def.name,
					N: K, Episodes: vsm.episodes(r.hs[h]), NBase: len(smp.rows), MeanBase: smp.sum[h] / float64(len(smp.rows)),
					MeanEvent: math.NaN(), Diff: math.NaN(), CILo: math.NaN(), CIHi: math.NaN(), P: math.NaN(), Q: math.NaN(),
					PBonferroni: math.NaN(), HitRate: math.NaN(), HitLo: math.NaN(), HitHi: math.NaN(), BaseHitRate: smp.hit[h],
					EffectSize: math.NaN(), TBSRate: math.NaN(), BaseTBSRate: smp.tbs, QWalkForward: math.NaN(),
					Source: sources[v], Note: c.note}
				if K > 0 {
					var se float64
					hits := 0
					for _, y := range vsm.y[h] {
						se += y
						if r.isHit(y, smp.med[h]) {
							hits++
						}
					}
					sm.MeanEvent = se / float64(K)
					sm.Diff = sm.MeanEvent - sm.MeanBase
					sm.HitRate = float64(hits) / float64(K)
					iv := stats.Wilson(hits, K, alpha)
					sm.HitLo, sm.HitHi = iv.Lo, iv.Hi
					sm.TBSRate = float64(vsm.tbsK) / float64(K)
					sm.EffectSize = r.cohen(smp, vsm, h)
				}
				if msets != nil {
					matchedSummary(&sm, msets[s][v], vsm, h)
				}
				if !math.IsNaN(c.p) {
					sm.CILo, sm.CIHi, sm.P = c.ci.Lo, c.ci.Hi, c.p
				}
				sums = append(sums, sm)
			}
		}
	}
	return sums, events, nil
}

// signal builds a variant's signal and returns its parameters with
// defaults filled (catalogue) or as given (custom).
func (r *specRun) signal(v map[string]any) (Signal, map[string]any, error) {
	if r.sp.Signal != nil {
		s, err := r.sp.Signal(v)
		return s, v, err
	}
	p, err := normalise(r.sp.Name, v)
	if err != nil {
		return nil, nil, err
	}
	s, err := NewSignal(r.sp.Name, p)
	return s, p, err
}

// events de-overlaps a variant's fired steps, computes the outcomes and
// files each eligible event into its sample.
func (r *specRun) events(v int, f *Fired, vs [][]*variantSample) []Event {
	g := r.env.Grid
	k := r.ev.k
	cool := engine.Nanos(r.sp.Cooldown)
	for s := range r.samples {
		vs[s][v] = &variantSample{y: make([][]float64, len(r.hs))}
	}
	var out []Event
	buf := make([]float64, len(f.Features))
	// Steps closer than the cooldown to the last event are skipped
	// without looking at them.
	skip := 0
	if cool > 0 {
		skip = int((cool + g.Step - 1) / g.Step)
	}
	for i := 0; i < len(f.On); i++ {
		if !f.On[i] || !finitePos(g.Close[i]) {
			continue
		}
		ev := Event{Hypothesis: r.sp.Name, Variant: v, Step: i, Time: g.Time(i) + g.Step}
		r.outcome(i, &ev)
		if len(f.Features) > 0 && f.Values != nil {
			clear(buf)
			f.Values(i, buf)
			ev.Features = make([]Feature, len(buf))
			for j, name := range f.Features {
				ev.Features[j] = Feature{name, buf[j]}
			}
		}
		for s, smp := range r.samples {
			if !r.eligible(i, smp.def) {
				continue
			}
			row := smp.rowOf[i/k]
			if row < 0 {
				continue
			}
			ev.Sample = smp.def.name
			vsm := vs[s][v]
			vsm.pos = append(vsm.pos, row)
			vsm.step = append(vsm.step, int32(i))
			for h := range r.hs {
				vsm.y[h] = append(vsm.y[h], r.adj(ev.Returns[h]))
			}
			if ev.TBS == 1 {
				vsm.tbsK++
			}
		}
		out = append(out, ev)
		i += max(skip, 1) - 1
	}
	return out
}

// cohen is Cohen's d of the events' outcomes against the baseline rows
// without an event.
func (r *specRun) cohen(s *sampleRun, v *variantSample, h int) float64 {
	ys := v.y[h]
	K := len(ys)
	if K < 2 {
		return math.NaN()
	}
	me, ve := meanVar(ys)
	sum, ss, n := s.sum[h], s.ss[h], len(s.rows)
	prev := int32(-1)
	for _, p := range v.pos {
		if p == prev {
			continue
		}
		prev = p
		y := s.y[h][p]
		sum -= y
		ss -= y * y
		n--
	}
	if n < 2 {
		return math.NaN()
	}
	mn := sum / float64(n)
	vn := math.Max(0, (ss-float64(n)*mn*mn)/float64(n-1))
	sp := math.Sqrt((float64(K-1)*ve + float64(n-1)*vn) / float64(K+n-2))
	if sp == 0 {
		return math.NaN()
	}
	return (me - mn) / sp
}

// median returns the median of x (NaN if empty) without modifying it.
// meanVar returns the mean and the sample variance (n−1) of ys (len >= 2).
func meanVar(ys []float64) (mean, variance float64) {
	for _, y := range ys {
		mean += y
	}
	mean /= float64(len(ys))
	for _, y := range ys {
		variance += (y - mean) * (y - mean)
	}
	return mean, variance / float64(len(ys)-1)
}

func median(x []float64) float64 {
	n := len(x)
	if n == 0 {
		return math.NaN()
	}
	c := append([]float64(nil), x...)
	a := stats.SelectK(c, n/2)
	if n%2 == 1 {
		return a
	}
	b := math.Inf(-1)
	for _, v := range c[:n/2] {
		b = math.Max(b, v)
	}
	return (a + b) / 2
}

func (r *specRun) durationRows(d time.Duration) float64 {
	return float64(engine.Nanos(d)) / float64(engine.Nanos(r.ev.k)*r.env.Grid.Step)
}
