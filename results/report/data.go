package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrRunNotFound reports that the database has no run with the given ID.
var ErrRunNotFound = errors.New("run not found")

// Data is everything a report draws for one run, as stored. Slices are
// ordered by time (then by the natural key); missing tables load empty.
type Data struct {
	Run Run
	// Alpha is the scenario's significance level ($.scenario.stats.alpha,
	// default 0.05).
	Alpha float64
	// Tables lists which optional tables the database has.
	Tables map[string]bool

	Bars     []Bar         // market_bars
	Daily    []DailyClose  // market_daily (price fallback for older databases)
	Heatmap  []HeatSample  // liq_heatmap, grouped by sample time
	Cascades []Cascade     // cascades with is_cascade
	Results  []HypoResult  // hypothesis_results
	Events   []HypoEvent   // hypothesis_events
	Metrics  []Metrics     // strategy_metrics
	Fills    []Fill        // strategy_fills
	Equity   []EquityPoint // strategy_equity
}

// Run is the runs row.
type Run struct {
	ID           string    `json:"run_id"`
	Scenario     string    `json:"scenario"`
	ScenarioHash string    `json:"scenario_hash"`
	ScenarioJSON string    `json:"-"`
	CodeVersion  string    `json:"code_version"`
	Seed         uint64    `json:"seed"`
	DataFrom     time.Time `json:"data_from"`
	DataTo       time.Time `json:"data_to"`
	Started      time.Time `json:"-"`
	Finished     time.Time `json:"-"`
	Status       string    `json:"status"`
	Error        string    `json:"error,omitempty"`
	Digest       string    `json:"digest"`
	Events       int64     `json:"events"`
	DataQuality  string    `json:"data_quality,omitempty"`
}

// Bar is one market_bars row (prices NaN when NULL).
type Bar struct {
	TS                     time.Time // bar start
	IntervalS              int64
	Open, High, Low, Close float64
}

// DailyClose is one market_daily close.
type DailyClose struct {
	Day   time.Time
	Close float64
}

// HeatSample is one liquidation-map snapshot of liq_heatmap: its non-empty
// bands, longs and shorts, ordered by side then level.
type HeatSample struct {
	TS    time.Time
	Price float64
	Bands []HeatBand
}

// HeatBand is one liq_heatmap band.
type HeatBand struct {
	Short    bool // false: longs (below the price); true: shorts (above)
	Lo, Hi   float64
	Notional float64
}

// Cascade is one cascade episode (is_cascade rows only).
type Cascade struct {
	Start, End           time.Time
	Side                 string // side liquidated: long | short
	Notional             float64
	PriceStart, PriceEnd float64
}

// HypoResult is one hypothesis_results row (NaN for NULL statistics).
type HypoResult struct {
	Spec       int64
	Hypothesis string
	Variant    int64
	Params     string
	Side       int64
	Horizon    string
	HorizonS   int64
	Sample     string
	N          int64
	Effect     float64
	CILo, CIHi float64
	P, Q       float64
	Chosen     bool
}

// HypoEvent is one hypothesis_events row (the fields the report uses).
type HypoEvent struct {
	Spec    int64
	Variant int64
	TS      time.Time
	Sample  string
	Entry   float64
}

// Metrics is one strategy_metrics row (NaN / 0 for NULL).
type Metrics struct {
	Strategy               string
	Variant                int64
	Params, Sample         string
	Start, End             time.Time
	StartEquity, EndEquity float64
	TotalReturn, CAGR      float64
	Volatility             float64
	Sharpe, Sortino        float64
	MaxDrawdown            float64
	MaxDrawdownS           int64
	Calmar                 float64
	WinRate, ProfitFactor  float64
	Exposure, Turnover     float64
	Fees, Funding, LiqFees float64
	Liquidations           int64
	Trades, Fills          int64
	PSR, DSR               float64
	VariantsTried          int64
}

// Fill is one strategy_fills row.
type Fill struct {
	Strategy    string
	Variant     int64
	TS          time.Time
	Side        string // long (buy) | short (sell)
	Qty, Price  float64
	Fee         float64
	RealizedPnL float64
	Liquidation bool
}

// EquityPoint is one strategy_equity row.
type EquityPoint struct {
	Strategy string
	Variant  int64
	TS       time.Time
	Equity   float64
	Price    float64
}

// The optional tables Load looks for.
var optionalTables = []string{"market_bars", "liq_heatmap", "cascades", "market_daily",
	"hypothesis_results", "hypothesis_events", "strategy_metrics", "strategy_fills", "strategy_equity"}

// Load reads what the report of run runID draws. It returns ErrRunNotFound
// (wrapped) when the run does not exist.
func Load(ctx context.Context, db *sql.DB, runID string) (*Data, error) {
	d := &Data{Alpha: 0.05, Tables: map[string]bool{}}
	if err := loadTables(ctx, db, d); err != nil {
		return nil, err
	}
	if err := loadRun(ctx, db, runID, d); err != nil {
		return nil, err
	}
	steps := []struct {
		table string
		load  func(context.Context, *sql.DB, string, *Data) error
	}{
		{"market_bars", loadBars}, {"market_daily", loadDaily}, {"liq_heatmap", loadHeatmap}, {"cascades", loadCascades},
		{"hypothesis_results", loadResults}, {"hypothesis_events", loadEvents},
		{"strategy_metrics", loadMetrics}, {"strategy_fills", loadFills}, {"strategy_equity", loadEquity},
	}
	for _, s := range steps {
		if !d.Tables[s.table] {
			continue
		}
		if err := s.load(ctx, db, runID, d); err != nil {
			return nil, fmt.Errorf("load %s of run %s: %w", s.table, runID, err)
		}
	}
	return d, nil
}

func loadTables(ctx context.Context, db *sql.DB, d *Data) error {
	// Views too: since schema 8 the market and simulator tables are views.
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM duckdb_tables()
		WHERE database_name = current_database() AND schema_name = 'main'
		UNION ALL SELECT view_name FROM duckdb_views()
		WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal`)
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	present := map[string]bool{}
	if err := scanAll(rows, func(r *sql.Rows) error {
		var t string
		err := r.Scan(&t)
		present[t] = true
		return err
	}); err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	if !present["runs"] {
		return fmt.Errorf("not a Cascade results database: no runs table")
	}
	for _, t := range optionalTables {
		d.Tables[t] = present[t]
	}
	return nil
}

func loadRun(ctx context.Context, db *sql.DB, runID string, d *Data) error {
	var (
		r                           = &d.Run
		from, to, started, finished sql.NullInt64
		errStr, digest, quality     sql.NullString
		events                      sql.NullInt64
	)
	err := db.QueryRowContext(ctx, `SELECT run_id, scenario, scenario_hash, scenario_json::VARCHAR, code_version, seed,
		epoch_us(data_from), epoch_us(data_to), epoch_us(started_at), epoch_us(finished_at), status, error, digest, events, data_quality
		FROM runs WHERE run_id = ?`, runID).Scan(&r.ID, &r.Scenario, &r.ScenarioHash, &r.ScenarioJSON, &r.CodeVersion, &r.Seed,
		&from, &to, &started, &finished, &r.Status, &errStr, &digest, &events, &quality)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", ErrRunNotFound, runID)
	}
	if err != nil {
		return fmt.Errorf("load run %s: %w", runID, err)
	}
	r.DataFrom, r.DataTo, r.Started, r.Finished = micros(from), micros(to), micros(started), micros(finished)
	r.Error, r.Digest, r.DataQuality, r.Events = errStr.String, digest.String, quality.String, events.Int64
	d.Alpha = alphaOf(r.ScenarioJSON)
	return nil
}

// alphaOf returns $.scenario.stats.alpha of a scenario_json, or 0.05.
func alphaOf(js string) float64 {
	var v struct {
		Scenario struct {
			Stats struct {
				Alpha *float64 `json:"alpha"`
			} `json:"stats"`
		} `json:"scenario"`
	}
	if json.Unmarshal([]byte(js), &v) != nil || v.Scenario.Stats.Alpha == nil {
		return 0.05
	}
	if a := *v.Scenario.Stats.Alpha; a > 0 && a < 1 {
		return a
	}
	return 0.05
}

func loadBars(ctx context.Context, db *sql.DB, runID string, d *Data) error {
	rows, err := db.QueryContext(ctx, `SELECT epoch_us(ts), interval_s, open, high, low, close FROM market_bars
		WHERE run_id = ? ORDER BY ts`, runID)
	if err != nil {
		return err
	}
	return scanAll(rows, func(r *sql.Rows) error {
		var us int64
		var b Bar
		var o, h, l, c sql.NullFloat64
		if err := r.Scan(&us, &b.IntervalS, &o, &h, &l, &c); err != nil {
			return err
		}
		b.TS, b.Open, b.High, b.Low, b.Close = time.UnixMicro(us).UTC(), nan(o), nan(h), nan(l), nan(c)
		d.Bars = append(d.Bars, b)
		return nil
	})
}

func loadDaily(ctx context.Context, db *sql.DB, runID string, d *Data) error {
	rows, err := db.QueryContext(ctx, `SELECT epoch_us(day::TIMESTAMP), close FROM market_daily WHERE run_id = ? ORDER BY day`, runID)
	if err != nil {
		return err
	}
	return scanAll(rows, func(r *sql.Rows) error {
		var us int64
		var c sql.NullFloat64
		if err := r.Scan(&us, &c); err != nil {
			return err
		}
		d.Daily = append(d.Daily, DailyClose{time.UnixMicro(us).UTC(), nan(c)})
		return nil
	})
}

func loadHeatmap(ctx context.Context, db *sql.DB, runID string, d *Data) error {
	rows, err := db.QueryContext(ctx, `SELECT epoch_us(ts), price, side = 'short', level_lo, level_hi, notional FROM liq_heatmap
		WHERE run_id = ? ORDER BY ts, side, level_lo, level_hi`, runID)
	if err != nil {
		return err
	}
	last := int64(math.MinInt64)
	return scanAll(rows, func(r *sql.Rows) error {
		var us int64
		var price float64
		var b HeatBand
		if err := r.Scan(&us, &price, &b.Short, &b.Lo, &b.Hi, &b.Notional); err != nil {
			return err
		}
		if us != last || len(d.Heatmap) == 0 {
			d.Heatmap = append(d.Heatmap, HeatSample{TS: time.UnixMicro(us).UTC(), Price: price})
			last = us
		}
		s := &d.Heatmap[len(d.Heatmap)-1]
		s.Bands = append(s.Bands, b)
		return nil
	})
}

func loadCascades(ctx context.Context, db *sql.DB, runID string, d *Data) error {
	rows, err := db.QueryContext(ctx, `SELECT epoch_us(start_ts), epoch_us(end_ts), side, notional, price_start, price_end FROM cascades
		WHERE run_id = ? AND is_cascade ORDER BY start_ts, side`, runID)
	if err != nil {
		return err
	}
	return scanAll(rows, func(r *sql.Rows) error {
		var s, e int64
		var c Cascade
		if err := r.Scan(&s, &e, &c.Side, &c.Notional, &c.PriceStart, &c.PriceEnd); err != nil {
			return err
		}
		c.Start, c.End = time.UnixMicro(s).UTC(), time.UnixMicro(e).UTC()
		d.Cascades = append(d.Cascades, c)
		return nil
	})
}

func loadResults(ctx context.Context, db *sql.DB, runID string, d *Data) error {
	rows, err := db.QueryContext(ctx, `SELECT spec, hypothesis, variant, params, side, horizon, horizon_s, sample, n,
		effect, ci_lo, ci_hi, p, q, chosen FROM hypothesis_results WHERE run_id = ?
		ORDER BY spec, variant, horizon_s, CASE sample WHEN 'all' THEN 0 WHEN 'in' THEN 1 ELSE 2 END, sample`, runID)
	if err != nil {
		return err
	}
	return scanAll(rows, func(r *sql.Rows) error {
		var h HypoResult
		var eff, lo, hi, p, q sql.NullFloat64
		if err := r.Scan(&h.Spec, &h.Hypothesis, &h.Variant, &h.Params, &h.Side, &h.Horizon, &h.HorizonS, &h.Sample, &h.N,
			&eff, &lo, &hi, &p, &q, &h.Chosen); err != nil {
			return err
		}
		h.Effect, h.CILo, h.CIHi, h.P, h.Q = nan(eff), nan(lo), nan(hi), nan(p), nan(q)
		d.Results = append(d.Results, h)
		return nil
	})
}

func loadEvents(ctx context.Context, db *sql.DB, runID string, d *Data) error {
	rows, err := db.QueryContext(ctx, `SELECT spec, variant, epoch_us(ts), sample, entry FROM hypothesis_events
		WHERE run_id = ? ORDER BY spec, variant, ts`, runID)
	if err != nil {
		return err
	}
	return scanAll(rows, func(r *sql.Rows) error {
		var e HypoEvent
		var us int64
		if err := r.Scan(&e.Spec, &e.Variant, &us, &e.Sample, &e.Entry); err != nil {
			return err
		}
		e.TS = time.UnixMicro(us).UTC()
		d.Events = append(d.Events, e)
		return nil
	})
}

func loadMetrics(ctx context.Context, db *sql.DB, runID string, d *Data) error {
	rows, err := db.QueryContext(ctx, `SELECT strategy, variant, params, sample, epoch_us(start_ts), epoch_us(end_ts),
		start_equity, end_equity, total_return, cagr, volatility, sharpe, sortino, max_drawdown, max_drawdown_s, calmar,
		win_rate, profit_factor, exposure, turnover, fees, funding, liquidation_fees, liquidations, trades, fills, psr, dsr, variants_tried
		FROM strategy_metrics WHERE run_id = ?
		ORDER BY strategy, variant, CASE sample WHEN 'all' THEN 0 WHEN 'in' THEN 1 ELSE 2 END, sample`, runID)
	if err != nil {
		return err
	}
	return scanAll(rows, func(r *sql.Rows) error {
		var m Metrics
		var start, end, mdd, liqs, trades, fills, tried sql.NullInt64
		f := make([]sql.NullFloat64, 19)
		if err := r.Scan(&m.Strategy, &m.Variant, &m.Params, &m.Sample, &start, &end,
			&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &mdd, &f[8],
			&f[9], &f[10], &f[11], &f[12], &f[13], &f[14], &f[15], &liqs, &trades, &fills, &f[16], &f[17], &tried); err != nil {
			return err
		}
		m.Start, m.End = micros(start), micros(end)
		m.StartEquity, m.EndEquity, m.TotalReturn, m.CAGR, m.Volatility, m.Sharpe, m.Sortino, m.MaxDrawdown =
			nan(f[0]), nan(f[1]), nan(f[2]), nan(f[3]), nan(f[4]), nan(f[5]), nan(f[6]), nan(f[7])
		m.Calmar, m.WinRate, m.ProfitFactor, m.Exposure, m.Turnover, m.Fees, m.Funding, m.LiqFees =
			nan(f[8]), nan(f[9]), nan(f[10]), nan(f[11]), nan(f[12]), nan(f[13]), nan(f[14]), nan(f[15])
		m.PSR, m.DSR = nan(f[16]), nan(f[17])
		m.MaxDrawdownS, m.Liquidations, m.Trades, m.Fills, m.VariantsTried = mdd.Int64, liqs.Int64, trades.Int64, fills.Int64, tried.Int64
		d.Metrics = append(d.Metrics, m)
		return nil
	})
}

func loadFills(ctx context.Context, db *sql.DB, runID string, d *Data) error {
	rows, err := db.QueryContext(ctx, `SELECT strategy, variant, epoch_us(ts), coalesce(side, ''), qty, price, fee, realized_pnl,
		coalesce(liquidation, false) FROM strategy_fills WHERE run_id = ? ORDER BY strategy, variant, ts, order_id`, runID)
	if err != nil {
		return err
	}
	return scanAll(rows, func(r *sql.Rows) error {
		var f Fill
		var us int64
		var qty, price, fee, pnl sql.NullFloat64
		if err := r.Scan(&f.Strategy, &f.Variant, &us, &f.Side, &qty, &price, &fee, &pnl, &f.Liquidation); err != nil {
			return err
		}
		f.TS, f.Qty, f.Price, f.Fee, f.RealizedPnL = time.UnixMicro(us).UTC(), nan(qty), nan(price), nan(fee), nan(pnl)
		d.Fills = append(d.Fills, f)
		return nil
	})
}

func loadEquity(ctx context.Context, db *sql.DB, runID string, d *Data) error {
	rows, err := db.QueryContext(ctx, `SELECT strategy, variant, epoch_us(ts), equity, price FROM strategy_equity
		WHERE run_id = ? ORDER BY strategy, variant, ts`, runID)
	if err != nil {
		return err
	}
	return scanAll(rows, func(r *sql.Rows) error {
		var e EquityPoint
		var us int64
		var eq, price sql.NullFloat64
		if err := r.Scan(&e.Strategy, &e.Variant, &us, &eq, &price); err != nil {
			return err
		}
		e.TS, e.Equity, e.Price = time.UnixMicro(us).UTC(), nan(eq), nan(price)
		d.Equity = append(d.Equity, e)
		return nil
	})
}

// scanAll calls fn for each row and closes rows.
func scanAll(rows *sql.Rows, fn func(*sql.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func nan(x sql.NullFloat64) float64 {
	if !x.Valid {
		return math.NaN()
	}
	return x.Float64
}

func micros(x sql.NullInt64) time.Time {
	if !x.Valid {
		return time.Time{}
	}
	return time.UnixMicro(x.Int64).UTC()
}
