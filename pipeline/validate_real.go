package pipeline

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"

	"github.com/cascade-research/cascade/data/parquetfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/engine/replay"
)

// RecordedValidation compares the simulator's estimated liquidations with
// liquidations recorded by an exchange or vendor, per step.
type RecordedValidation struct {
	From, To            engine.Nanos
	Step                engine.Nanos
	Steps               int
	CorrLong, CorrShort float64 // Pearson correlation of per-step notional
	CorrTotal           float64
	EstLong, EstShort   float64 // quote
	RecLong, RecShort   float64 // quote
	LeveragedShare      float64
	Outflow             liquidation.OutflowRule
}

// ValidateRecorded replays price (kinds: bars or trades), open interest
// and recorded liquidations of one market in [from, to) through the
// simulator, and correlates the estimated with the recorded liquidations
// per step (e.g. one hour). Recorded feeds undercount (Binance pushes at
// most one liquidation per second per symbol), so the correlation of
// shapes and timing is the measure, not the totals.
func ValidateRecorded(ctx context.Context, root, exchange, symbol string, price engine.Kind, from, to engine.Nanos, step engine.Nanos, cfg liquidation.Config) (*RecordedValidation, error) {
	feed, err := parquetfeed.Open(ctx, parquetfeed.Options{Root: root, Exchange: exchange, Symbol: symbol, From: from, To: to,
		Kinds: []engine.Kind{price, engine.KindOI, engine.KindLiquidation}})
	if err != nil {
		return nil, err
	}
	defer feed.Close()
	rep, err := replay.Run(ctx, feed, replay.Config{GridStep: 60e9 * 5, Simulator: &cfg})
	if err != nil {
		return nil, err
	}
	g := rep.Grid
	k := int(step / g.Step)
	if k < 1 || step%g.Step != 0 {
		return nil, fmt.Errorf("step %s is not a multiple of 5m", step)
	}
	v := &RecordedValidation{From: from, To: to, Step: step, LeveragedShare: cfg.LeveragedShare, Outflow: cfg.Outflow}
	var el, es, rl, rs, et, rt []float64
	for i := 0; i < g.Len(); i += k {
		var a, b, c, d float64
		for j := i; j < i+k && j < g.Len(); j++ {
			a += g.EstLiqLong[j]
			b += g.EstLiqShort[j]
			c += g.RecLiqLong[j]
			d += g.RecLiqShort[j]
		}
		el, es, rl, rs = append(el, a), append(es, b), append(rl, c), append(rs, d)
		et, rt = append(et, a+b), append(rt, c+d)
		v.EstLong += a
		v.EstShort += b
		v.RecLong += c
		v.RecShort += d
	}
	v.Steps = len(el)
	v.CorrLong = corr(el, rl)
	v.CorrShort = corr(es, rs)
	v.CorrTotal = corr(et, rt)
	return v, nil
}

func corr(x, y []float64) float64 {
	if len(x) < 3 {
		return math.NaN()
	}
	return stat.Correlation(x, y, nil)
}

// String formats the validation on one line.
func (v *RecordedValidation) String() string {
	return fmt.Sprintf("%s .. %s, %d steps of %s, leveraged_share %.2f, outflow %s: corr long %.3f, short %.3f, total %.3f; estimated/recorded long %.2f, short %.2f",
		v.From.Time().Format("2006-01-02 15:04"), v.To.Time().Format("2006-01-02 15:04"), v.Steps, v.Step.Time().Sub(engine.Nanos(0).Time()),
		v.LeveragedShare, v.Outflow, v.CorrLong, v.CorrShort, v.CorrTotal, v.EstLong/v.RecLong, v.EstShort/v.RecShort)
}
