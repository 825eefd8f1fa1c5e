package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

// EnvPrefix prefixes environment overrides: CASCADE_DATA_ROOT overrides
// data.root, CASCADE_STATS_ALPHA overrides stats.alpha, and so on.
const EnvPrefix = "CASCADE"

// Options tunes Load.
type Options struct {
	// Set holds key=value overrides (the --set flag). Keys are dotted paths
	// (data.end, stats.alpha) or, for list entries, name the entry:
	// hypotheses.funding_overheat.params.level=[0.0005,0.0007]; numbers
	// index lists inside an entry (a composite's parts):
	// hypotheses.relief_setup.all.0.params.ratio=3.
	Set []string
	// Environ is the environment to read CASCADE_* overrides from
	// (os.Environ() when nil).
	Environ []string
	// Strategies is the catalogue of known strategies.
	Strategies []engine.Spec
}

// BracketTables are the built-in maintenance-margin tables by name.
var BracketTables = map[string]perp.Brackets{
	"binance-btcusdt-2024-05": perp.BinanceBTCUSDT2024,
}

// DefaultBracketTable is the table used when a scenario names none.
const DefaultBracketTable = "binance-btcusdt-2024-05"

// scalarKeys are the dotted keys that environment variables and --set may
// override directly.
var scalarKeys = []string{
	"name", "description", "seed",
	"data.root", "data.exchange", "data.symbol", "data.start", "data.end", "data.kinds",
	"simulator.enabled", "simulator.price_bin", "simulator.leverage", "simulator.aggressor_weights", "simulator.passive_weights",
	"simulator.outflow", "simulator.bracket_table", "simulator.funding", "simulator.inflow_interval", "simulator.cascade_gap",
	"simulator.impact.model", "simulator.impact.coefficient", "simulator.impact.window",
	"simulator.wave_gap", "simulator.min_episode", "simulator.leveraged_share", "simulator.account_notional",
	"simulator.hold_half_life", "simulator.funding_tilt", "simulator.episode_bucket",
	"simulator.oi_proxy_turnover", "simulator.oi_proxy_window", "simulator.oi_spread",
	"stats.bootstrap", "stats.block_length", "stats.alpha", "stats.split", "stats.walk_forward", "stats.baseline", "stats.step",
	"results.db", "results.equity_interval",
	"account.capital", "account.margin", "account.leverage", "account.maker_fee", "account.taker_fee", "account.liquidation_fee", "account.slippage",
	"report.bars_every", "report.heatmap_every", "report.heatmap_range", "report.heatmap_step",
}

// ErrBadScenario marks every error Load returns for a bad scenario (as
// opposed to a file that cannot be read).
var ErrBadScenario = errors.New("bad scenario")

// Load reads, overrides, decodes, defaults, validates and hashes the
// scenario at path. Every problem found is reported (errors.Join of
// *KeyError values, each naming the file, key path and expectation).
func Load(path string, opt Options) (*Scenario, error) {
	start := time.Now()
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("read scenario %s: %w", path, err)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrBadScenario, path, err)
	}
	var overrides []Override
	env := opt.Environ
	if env == nil {
		env = os.Environ()
	}
	envMap := map[string]string{}
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok {
			envMap[k] = val
		}
	}
	for _, key := range scalarKeys {
		name := EnvPrefix + "_" + strings.ToUpper(strings.NewReplacer(".", "_").Replace(key))
		if val, ok := envMap[name]; ok {
			x, err := parseValue(val)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: environment %s=%q: %v", ErrBadScenario, path, name, val, err)
			}
			v.Set(key, x)
			overrides = append(overrides, Override{Source: "env", Key: key, Value: val})
		}
	}
	for _, kv := range opt.Set {
		key, val, ok := strings.Cut(kv, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("%w: --set %q: want key=value", ErrBadScenario, kv)
		}
		x, err := parseValue(val)
		if err != nil {
			return nil, fmt.Errorf("%w: --set %s: %v", ErrBadScenario, kv, err)
		}
		if err := applySet(v, key, x); err != nil {
			return nil, fmt.Errorf("%w: %s: --set %s: %v", ErrBadScenario, path, key, err)
		}
		overrides = append(overrides, Override{Source: "--set", Key: key, Value: val})
	}
	raw := v.AllSettings()
	s, err := decode(path, raw, opt)
	if err != nil {
		return nil, err
	}
	s.Source = path
	s.Overrides = overrides
	if err := s.normalise(); err != nil {
		return nil, err
	}
	s.Loaded = time.Since(start)
	return s, nil
}

// parseValue parses an override value as a YAML scalar or flow sequence
// (so 0.5, true, 24h, [1, 2] and 2024-01-01 all mean what they say).
func parseValue(s string) (any, error) {
	var x any
	if err := yaml.Unmarshal([]byte(s), &x); err != nil {
		return nil, fmt.Errorf("bad value %q: %v", s, err)
	}
	if t, ok := x.(time.Time); ok {
		return t.Format("2006-01-02"), nil
	}
	if x == nil {
		return s, nil
	}
	return x, nil
}

// applySet applies one --set override.
func applySet(v *viper.Viper, key string, x any) error {
	for _, k := range scalarKeys {
		if k == key {
			v.Set(key, x)
			return nil
		}
	}
	parts := strings.Split(key, ".")
	if len(parts) >= 3 && (parts[0] == "hypotheses" || parts[0] == "strategies") {
		list, _ := v.Get(parts[0]).([]any)
		idx := -1
		if n, err := strconv.Atoi(parts[1]); err == nil && n >= 0 && n < len(list) {
			idx = n
		} else {
			for i, e := range list {
				if m, ok := e.(map[string]any); ok && m["name"] == parts[1] {
					if idx >= 0 {
						return fmt.Errorf("%d entries are named %q; use the index instead", 2, parts[1])
					}
					idx = i
				}
			}
		}
		if idx < 0 {
			return fmt.Errorf("no %s entry named or numbered %q", parts[0], parts[1])
		}
		m, ok := list[idx].(map[string]any)
		if !ok {
			return fmt.Errorf("%s[%d] is not a mapping", parts[0], idx)
		}
		// Walk the rest of the path: mapping keys (created when missing)
		// and list indexes (composite parts: all.0.params.ratio).
		var cur any = m
		where := parts[0] + "." + parts[1]
		for i, p := range parts[2:] {
			last := i == len(parts)-3
			switch c := cur.(type) {
			case map[string]any:
				if last {
					c[p] = x
					break
				}
				next, ok := c[p]
				if !ok || next == nil {
					next = map[string]any{}
					c[p] = next
				}
				cur = next
			case []any:
				n, err := strconv.Atoi(p)
				if err != nil || n < 0 || n >= len(c) {
					return fmt.Errorf("%s is a list of %d: want an index 0..%d, got %q", where, len(c), len(c)-1, p)
				}
				if last {
					c[n] = x
					break
				}
				cur = c[n]
			default:
				return fmt.Errorf("%s is a value (%v), not a mapping or list: cannot set %s in it", where, c, p)
			}
			where += "." + p
		}
		v.Set(parts[0], list)
		return nil
	}
	return fmt.Errorf("unknown key (settable keys: %s, or hypotheses.<name>.params.<param>, hypotheses.<name>.all.<i>.params.<param>, strategies.<name>.params.<param>)", strings.Join(scalarKeys, ", "))
}

// Defaults.
var (
	DefaultLeverage         = []float64{2, 3, 5, 10, 20, 25, 50, 75, 100, 125}
	DefaultAggressorWeights = []float64{0.02, 0.04, 0.08, 0.16, 0.20, 0.14, 0.16, 0.08, 0.07, 0.05}
	DefaultPassiveWeights   = []float64{0.15, 0.15, 0.20, 0.22, 0.12, 0.06, 0.05, 0.02, 0.02, 0.01}
	DefaultHorizons         = []time.Duration{time.Hour, 4 * time.Hour, 24 * time.Hour, 72 * time.Hour}
)

// DefaultSimulator returns the simulator settings a scenario gets when it
// names none, with the default bracket table filled in.
func DefaultSimulator() Simulator {
	sim := defaults().Simulator
	for _, b := range BracketTables[DefaultBracketTable] {
		sim.Brackets = append(sim.Brackets, Bracket{Floor: b.Floor, Cap: b.Cap, MaxLeverage: b.MaxLeverage, MMR: b.MMR})
	}
	return sim
}

func defaults() *Scenario {
	return &Scenario{
		Seed: 1,
		Data: Data{Kinds: []string{"trades", "funding", "oi"}},
		Simulator: Simulator{Enabled: true, PriceBin: 0.001, Leverage: DefaultLeverage, AggressorWeights: DefaultAggressorWeights,
			PassiveWeights: DefaultPassiveWeights, Outflow: "proportional", BracketTable: DefaultBracketTable, Funding: true,
			InflowInterval: 5 * time.Minute, Impact: Impact{Model: "sqrt", Coefficient: 1, Window: 24 * time.Hour}, CascadeGap: 4 * time.Minute,
			WaveGap: 30 * time.Second, LeveragedShare: 0.35, AccountNotional: 20000,
			HoldHalfLife: 96 * time.Hour, FundingTilt: 3000, EpisodeBucket: time.Minute,
			OIProxyTurnover: 12 * time.Hour, OIProxyWindow: 7 * 24 * time.Hour},
		Stats:   Stats{Bootstrap: 2000, BlockLength: 24 * time.Hour, Alpha: 0.05, Split: 0.7, Baseline: "all", Step: 5 * time.Minute},
		Results: Results{DB: "results/cascade.duckdb", EquityInterval: time.Hour},
		Account: Account{Capital: 100_000, Margin: "isolated", Leverage: 3, MakerFee: 0.0002, TakerFee: 0.0005,
			LiquidationFee: 0.0125, Slippage: "impact"},
		Report: Report{BarsEvery: time.Hour, HeatmapEvery: 4 * time.Hour, HeatmapRange: 0.2, HeatmapStep: 0.005},
	}
}

const (
	minDur = time.Second
	maxDur = 10 * 365 * 24 * time.Hour
)

// decode turns the raw settings into a Scenario with defaults applied.
func decode(file string, raw map[string]any, opt Options) (*Scenario, error) {
	d := &decoder{file: file}
	s := defaults()
	d.known(raw, "", "name", "description", "seed", "data", "simulator", "hypotheses", "strategies", "stats", "results", "account", "report")
	d.str(raw, "", "name", &s.Name)
	d.str(raw, "", "description", &s.Description)
	var seed float64 = 1
	d.float(raw, "", "seed", &seed, 0, 1<<53)
	if seed != float64(uint64(seed)) {
		d.fail("seed", "got %g, want a whole number >= 0", seed)
	}
	s.Seed = uint64(seed)

	if m := d.section(raw, "", "data", "root", "exchange", "symbol", "start", "end", "kinds", "extra", "fallback"); m != nil {
		d.str(m, "data", "root", &s.Data.Root)
		d.str(m, "data", "exchange", &s.Data.Exchange)
		d.str(m, "data", "symbol", &s.Data.Symbol)
		d.date(m, "data", "start", &s.Data.Start)
		d.date(m, "data", "end", &s.Data.End)
		d.strings(m, "data", "kinds", &s.Data.Kinds)
		d.mappings(m, "data", "extra", "exchange, symbol and kinds", func(path string, em map[string]any) {
			d.known(em, path, "exchange", "symbol", "kinds")
			s.Data.Extra = append(s.Data.Extra, d.source(em, path))
		})
		d.mappings(m, "data", "fallback", "exchange, symbol, kinds and note", func(path string, fm map[string]any) {
			d.known(fm, path, "exchange", "symbol", "kinds", "note")
			fb := Fallback{Source: d.source(fm, path)}
			d.str(fm, path, "note", &fb.Note)
			for k, kind := range fb.Kinds {
				if _, err := engine.ParseKind(kind); err == nil && !slices.Contains(s.Data.Kinds, kind) {
					d.fail(fmt.Sprintf("%s.kinds[%d]", path, k), "%q is not in data.kinds %v: a fallback stands in for a kind the main partition is read for", kind, s.Data.Kinds)
				}
			}
			if fb.Note == "" {
				fb.Note = fmt.Sprintf("%s from %s/%s (fallback)", strings.Join(fb.Kinds, ","), fb.Exchange, fb.Symbol)
			}
			s.Data.Fallback = append(s.Data.Fallback, fb)
		})
	} else if _, ok := raw["data"]; !ok {
		d.fail("data", "missing: want root, exchange, symbol, start and end")
	}
	decodeSimulator(d, raw, s)
	d.mappings(raw, "", "hypotheses", "name and params", func(path string, m map[string]any) {
		if _, all := m["all"]; all || m["any"] != nil {
			if h, ok := decodeComposite(d, path, m); ok {
				s.Hypotheses = append(s.Hypotheses, h)
			}
			return
		}
		d.known(m, path, "name", "params", "horizons", "cooldown", "target", "stop", "side")
		var h Hypothesis
		d.str(m, path, "name", &h.Name)
		spec, ok := engine.LookupHypothesis(h.Name)
		if !ok {
			d.fail(join(path, "name"), "unknown hypothesis %q (known: %s)", h.Name, hypothesisNames())
			return
		}
		h.Params = d.params(m, path, spec)
		h.Horizons = DefaultHorizons
		d.durations(m, path, "horizons", &h.Horizons)
		h.Cooldown = 24 * time.Hour
		d.duration(m, path, "cooldown", &h.Cooldown, 0, maxDur)
		h.Target, h.Stop, h.Side = 0.10, 0.05, spec.Side
		d.float(m, path, "target", &h.Target, 1e-6, 10)
		d.float(m, path, "stop", &h.Stop, 1e-6, 1)
		d.integer(m, path, "side", &h.Side, -1, 1)
		s.Hypotheses = append(s.Hypotheses, h)
	})
	d.mappings(raw, "", "strategies", "name and params", func(path string, m map[string]any) {
		d.known(m, path, "name", "params")
		var st Strategy
		d.str(m, path, "name", &st.Name)
		var spec *engine.Spec
		var names []string
		for i := range opt.Strategies {
			names = append(names, opt.Strategies[i].Name)
			if opt.Strategies[i].Name == st.Name {
				spec = &opt.Strategies[i]
			}
		}
		if spec == nil {
			known := strings.Join(names, ", ")
			if known == "" {
				known = "none in this version"
			}
			d.fail(join(path, "name"), "unknown strategy %q (known: %s)", st.Name, known)
			return
		}
		st.Params = d.params(m, path, *spec)
		s.Strategies = append(s.Strategies, st)
	})
	if m := d.section(raw, "", "stats", "bootstrap", "block_length", "alpha", "split", "walk_forward", "baseline", "step"); m != nil {
		d.duration(m, "stats", "step", &s.Stats.Step, time.Minute, 24*time.Hour)
		d.integer(m, "stats", "bootstrap", &s.Stats.Bootstrap, 100, 1_000_000)
		d.duration(m, "stats", "block_length", &s.Stats.BlockLength, minDur, maxDur)
		d.float(m, "stats", "alpha", &s.Stats.Alpha, 1e-6, 0.5)
		d.float(m, "stats", "split", &s.Stats.Split, 0.05, 1)
		d.boolean(m, "stats", "walk_forward", &s.Stats.WalkForward)
		d.str(m, "stats", "baseline", &s.Stats.Baseline)
	}
	if m := d.section(raw, "", "account", "capital", "margin", "leverage", "maker_fee", "taker_fee", "liquidation_fee", "slippage"); m != nil {
		a := &s.Account
		d.float(m, "account", "capital", &a.Capital, 1, 1e13)
		d.str(m, "account", "margin", &a.Margin)
		d.float(m, "account", "leverage", &a.Leverage, 1, 125)
		d.float(m, "account", "maker_fee", &a.MakerFee, -0.01, 0.01)
		d.float(m, "account", "taker_fee", &a.TakerFee, 0, 0.01)
		d.float(m, "account", "liquidation_fee", &a.LiquidationFee, 0, 0.1)
		d.str(m, "account", "slippage", &a.Slippage)
	}
	if m := d.section(raw, "", "report", "bars_every", "heatmap_every", "heatmap_range", "heatmap_step"); m != nil {
		r := &s.Report
		d.duration(m, "report", "bars_every", &r.BarsEvery, time.Minute, 30*24*time.Hour)
		d.duration(m, "report", "heatmap_every", &r.HeatmapEvery, 0, 30*24*time.Hour)
		d.float(m, "report", "heatmap_range", &r.HeatmapRange, 0.001, 1)
		d.float(m, "report", "heatmap_step", &r.HeatmapStep, 0.0001, 0.5)
	}
	if m := d.section(raw, "", "results", "db", "equity_interval"); m != nil {
		d.str(m, "results", "db", &s.Results.DB)
		d.duration(m, "results", "equity_interval", &s.Results.EquityInterval, time.Minute, 30*24*time.Hour)
	}
	validate(d, s)
	if len(d.errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrBadScenario, errors.Join(d.errs...))
	}
	return s, nil
}

// hypothesisNames lists the catalogue's hypotheses for error messages.
func hypothesisNames() string {
	var names []string
	for _, hs := range engine.Hypotheses() {
		names = append(names, hs.Name)
	}
	return strings.Join(names, ", ")
}

// decodeComposite decodes a hypothesis whose signal composes catalogue
// signals: all (every part holds at the step) or any (at least one), each
// part optionally "within" a time (it held at some step in that window).
func decodeComposite(d *decoder, path string, m map[string]any) (Hypothesis, bool) {
	d.known(m, path, "name", "all", "any", "horizons", "cooldown", "target", "stop", "side")
	var h Hypothesis
	d.str(m, path, "name", &h.Name)
	if h.Name == "" {
		d.fail(join(path, "name"), "missing: want a name for the composite hypothesis")
	} else if _, clash := engine.LookupHypothesis(h.Name); clash {
		d.fail(join(path, "name"), "%q is a catalogue hypothesis: give the composite its own name", h.Name)
	}
	h.Compose = "all"
	if _, ok := m["any"]; ok {
		h.Compose = "any"
		if _, both := m["all"]; both {
			d.fail(path, "both all and any: a composite is one or the other (nest the other as its own hypothesis)")
			return h, false
		}
	}
	seen := map[string]int{}
	ok := true
	d.mappings(m, path, h.Compose, "signal, params and within", func(ppath string, pm map[string]any) {
		d.known(pm, ppath, "signal", "params", "within")
		var part Part
		d.str(pm, ppath, "signal", &part.Signal)
		spec, found := engine.LookupHypothesis(part.Signal)
		if !found {
			d.fail(join(ppath, "signal"), "unknown signal %q (known: %s)", part.Signal, hypothesisNames())
			ok = false
			return
		}
		seen[part.Signal]++
		part.Prefix = part.Signal
		if n := seen[part.Signal]; n > 1 {
			part.Prefix = fmt.Sprintf("%s_%d", part.Signal, n)
		}
		d.duration(pm, ppath, "within", &part.Within, 0, maxDur)
		for _, p := range d.params(pm, ppath, spec) {
			p.Name = part.Prefix + "." + p.Name
			h.Params = append(h.Params, p)
		}
		h.Parts = append(h.Parts, part)
	})
	if len(h.Parts) == 0 && ok {
		d.fail(join(path, h.Compose), "want at least one signal")
	}
	sort.Slice(h.Params, func(i, j int) bool { return h.Params[i].Name < h.Params[j].Name })
	h.Horizons = DefaultHorizons
	d.durations(m, path, "horizons", &h.Horizons)
	h.Cooldown = 24 * time.Hour
	d.duration(m, path, "cooldown", &h.Cooldown, 0, maxDur)
	h.Target, h.Stop = 0.10, 0.05
	d.float(m, path, "target", &h.Target, 1e-6, 10)
	d.float(m, path, "stop", &h.Stop, 1e-6, 1)
	if _, given := m["side"]; !given {
		d.fail(join(path, "side"), "missing: a composite needs the direction its story predicts (+1 up, -1 down, 0 either)")
	}
	d.integer(m, path, "side", &h.Side, -1, 1)
	return h, ok && len(h.Parts) > 0
}

// source decodes the exchange, symbol and kinds of a partition entry.
func (d *decoder) source(m map[string]any, path string) Source {
	var src Source
	d.str(m, path, "exchange", &src.Exchange)
	d.str(m, path, "symbol", &src.Symbol)
	d.strings(m, path, "kinds", &src.Kinds)
	if src.Exchange == "" || src.Symbol == "" || len(src.Kinds) == 0 {
		d.fail(path, "want exchange, symbol and at least one kind")
	}
	for k, kind := range src.Kinds {
		if _, err := engine.ParseKind(kind); err != nil {
			d.fail(fmt.Sprintf("%s.kinds[%d]", path, k), "%v", err)
		}
	}
	return src
}

func decodeSimulator(d *decoder, raw map[string]any, s *Scenario) {
	m := d.section(raw, "", "simulator", "enabled", "price_bin", "leverage", "aggressor_weights", "passive_weights", "outflow",
		"bracket_table", "brackets", "funding", "inflow_interval", "impact", "cascade_gap", "wave_gap", "min_episode",
		"leveraged_share", "account_notional", "hold_half_life", "funding_tilt", "episode_bucket", "oi_proxy_turnover", "oi_proxy_window", "oi_spread")
	if m == nil {
		return
	}
	sim := &s.Simulator
	d.boolean(m, "simulator", "enabled", &sim.Enabled)
	d.float(m, "simulator", "price_bin", &sim.PriceBin, 1e-5, 0.1)
	d.floats(m, "simulator", "leverage", &sim.Leverage, 1, 200)
	d.floats(m, "simulator", "aggressor_weights", &sim.AggressorWeights, 0, 1e9)
	d.floats(m, "simulator", "passive_weights", &sim.PassiveWeights, 0, 1e9)
	d.str(m, "simulator", "outflow", &sim.Outflow)
	d.str(m, "simulator", "bracket_table", &sim.BracketTable)
	d.boolean(m, "simulator", "funding", &sim.Funding)
	d.duration(m, "simulator", "inflow_interval", &sim.InflowInterval, minDur, 7*24*time.Hour)
	d.duration(m, "simulator", "cascade_gap", &sim.CascadeGap, minDur, 7*24*time.Hour)
	d.duration(m, "simulator", "wave_gap", &sim.WaveGap, minDur, 24*time.Hour)
	d.float(m, "simulator", "min_episode", &sim.MinEpisode, 0, 1e13)
	d.float(m, "simulator", "leveraged_share", &sim.LeveragedShare, 0.001, 1)
	d.float(m, "simulator", "account_notional", &sim.AccountNotional, 1, 1e10)
	d.duration(m, "simulator", "hold_half_life", &sim.HoldHalfLife, 0, 365*24*time.Hour)
	d.float(m, "simulator", "funding_tilt", &sim.FundingTilt, 0, 1e6)
	d.duration(m, "simulator", "episode_bucket", &sim.EpisodeBucket, 0, time.Hour)
	d.duration(m, "simulator", "oi_proxy_turnover", &sim.OIProxyTurnover, time.Minute, 30*24*time.Hour)
	d.duration(m, "simulator", "oi_proxy_window", &sim.OIProxyWindow, time.Hour, 365*24*time.Hour)
	d.duration(m, "simulator", "oi_spread", &sim.OISpread, 0, 30*24*time.Hour)
	if im := d.section(m, "simulator", "impact", "model", "coefficient", "window"); im != nil {
		d.str(im, "simulator.impact", "model", &sim.Impact.Model)
		d.float(im, "simulator.impact", "coefficient", &sim.Impact.Coefficient, 0, 100)
		d.duration(im, "simulator.impact", "window", &sim.Impact.Window, time.Minute, 365*24*time.Hour)
	}
	d.mappings(m, "simulator", "brackets", "floor, cap, max_leverage, mmr", func(path string, bm map[string]any) {
		d.known(bm, path, "floor", "cap", "max_leverage", "mmr")
		var b Bracket
		d.float(bm, path, "floor", &b.Floor, 0, 1e15)
		d.float(bm, path, "cap", &b.Cap, 0, 1e15)
		d.float(bm, path, "max_leverage", &b.MaxLeverage, 1, 1000)
		d.float(bm, path, "mmr", &b.MMR, 0, 1)
		sim.Brackets = append(sim.Brackets, b)
	})
	if _, given := m["brackets"]; given {
		if _, named := m["bracket_table"]; !named {
			sim.BracketTable = "custom"
		}
	}
}

// validate checks cross-field rules after decoding.
func validate(d *decoder, s *Scenario) {
	if s.Name == "" {
		d.fail("name", "missing: want a scenario name")
	}
	if n := len(s.Simulator.Brackets); n > 0 && !d.failed("account.leverage") && s.Account.Leverage > s.Simulator.Brackets[0].MaxLeverage {
		d.fail("account.leverage", "%g is above the first margin tier's maximum leverage %g (simulator.brackets)", s.Account.Leverage, s.Simulator.Brackets[0].MaxLeverage)
	}
	seenStrategy := map[string]int{}
	for i, st := range s.Strategies {
		if k, dup := seenStrategy[st.Name]; dup {
			d.fail(fmt.Sprintf("strategies[%d].name", i), "%q is already strategies[%d]: give one entry a grid of params instead", st.Name, k)
		}
		seenStrategy[st.Name] = i
		for _, p := range st.Params {
			if p.Name != "bar" {
				continue
			}
			for _, v := range p.Values {
				if b, ok := v.(time.Duration); ok && s.Stats.Step > 0 && b%s.Stats.Step != 0 {
					d.fail(fmt.Sprintf("strategies[%d].params.bar", i), "%s is not a multiple of stats.step %s", b, s.Stats.Step)
				}
			}
		}
	}
	if m := s.Account.Margin; m != "isolated" && m != "cross" {
		d.fail("account.margin", "got %q, want isolated or cross", m)
	}
	if m := s.Account.Slippage; m != "impact" && m != "none" {
		d.fail("account.slippage", "got %q, want impact or none", m)
	}
	if r := s.Report; r.HeatmapStep > r.HeatmapRange && !d.failed("report.heatmap_step") {
		d.fail("report.heatmap_step", "%g is wider than report.heatmap_range %g", r.HeatmapStep, r.HeatmapRange)
	}
	if st, b := s.Stats.Step, s.Report.BarsEvery; st > 0 && b%st != 0 && !d.failed("report.bars_every") {
		d.fail("report.bars_every", "%s is not a multiple of stats.step %s", b, st)
	}
	if s.Data.Root == "" {
		d.fail("data.root", "missing: want the dataset root directory")
	}
	if s.Data.Exchange == "" {
		d.fail("data.exchange", "missing: want the exchange partition, e.g. binance")
	}
	if s.Data.Symbol == "" {
		d.fail("data.symbol", "missing: want the symbol partition, e.g. BTCUSDT")
	}
	if s.Data.Start.IsZero() && !d.failed("data.start") {
		d.fail("data.start", "missing: want the first UTC day, YYYY-MM-DD")
	}
	if s.Data.End.IsZero() && !d.failed("data.end") {
		d.fail("data.end", "missing: want the last UTC day (inclusive), YYYY-MM-DD")
	}
	if !s.Data.Start.IsZero() && !s.Data.End.IsZero() && s.Data.End.Before(s.Data.Start) {
		d.fail("data.end", "%s is before data.start %s", s.Data.End.Format("2006-01-02"), s.Data.Start.Format("2006-01-02"))
	}
	seen := map[string]bool{}
	for i, k := range s.Data.Kinds {
		if _, err := engine.ParseKind(k); err != nil {
			d.fail(fmt.Sprintf("data.kinds[%d]", i), "%v", err)
		}
		if seen[k] {
			d.fail(fmt.Sprintf("data.kinds[%d]", i), "duplicate kind %q", k)
		}
		seen[k] = true
	}
	if len(s.Data.Kinds) == 0 {
		d.fail("data.kinds", "empty: want at least one kind")
	}
	sim := &s.Simulator
	if len(sim.Leverage) == 0 {
		d.fail("simulator.leverage", "empty: want leverage buckets, e.g. [2, 5, 10, 25, 50, 100]")
	}
	for name, w := range map[string][]float64{"aggressor_weights": sim.AggressorWeights, "passive_weights": sim.PassiveWeights} {
		if len(w) != len(sim.Leverage) {
			d.fail("simulator."+name, "has %d weights, want one per leverage bucket (%d)", len(w), len(sim.Leverage))
			continue
		}
		var sum float64
		for _, x := range w {
			sum += x
		}
		if sum <= 0 {
			d.fail("simulator."+name, "weights sum to %g, want > 0", sum)
		}
	}
	switch sim.Outflow {
	case "proportional", "losers_first", "oldest_first":
	default:
		d.fail("simulator.outflow", "got %q, want proportional, losers_first or oldest_first", sim.Outflow)
	}
	if sim.Impact.Model != "sqrt" {
		d.fail("simulator.impact.model", "got %q, want sqrt", sim.Impact.Model)
	}
	if sim.BracketTable == "custom" {
		tiers := make([]perp.Bracket, len(sim.Brackets))
		for i, b := range sim.Brackets {
			tiers[i] = perp.Bracket{Floor: b.Floor, Cap: b.Cap, MaxLeverage: b.MaxLeverage, MMR: b.MMR}
		}
		if _, err := perp.NewBrackets(tiers); err != nil {
			d.fail("simulator.brackets", "%v", err)
		}
	} else if bs, ok := BracketTables[sim.BracketTable]; ok {
		if len(sim.Brackets) > 0 {
			d.fail("simulator.brackets", "given together with bracket_table %q: want one or the other", sim.BracketTable)
		}
		sim.Brackets = nil
		for _, b := range bs {
			sim.Brackets = append(sim.Brackets, Bracket{Floor: b.Floor, Cap: b.Cap, MaxLeverage: b.MaxLeverage, MMR: b.MMR})
		}
	} else {
		var names []string
		for n := range BracketTables {
			names = append(names, n)
		}
		sort.Strings(names)
		d.fail("simulator.bracket_table", "unknown table %q (known: %s, or custom with simulator.brackets)", sim.BracketTable, strings.Join(names, ", "))
	}
	if st := s.Stats.Step; st > 0 && (24*time.Hour)%st != 0 {
		d.fail("stats.step", "%s does not divide a day: want e.g. 1m, 5m, 15m, 1h", st)
	}
	switch s.Stats.Baseline {
	case "all", "matched":
	default:
		d.fail("stats.baseline", "got %q, want all or matched", s.Stats.Baseline)
	}
}

// normalise resolves relative paths, canonicalises and hashes.
func (s *Scenario) normalise() error {
	s.Data.Start = s.Data.Start.UTC()
	s.Data.End = s.Data.End.UTC()
	for i := range s.Hypotheses {
		h := &s.Hypotheses[i]
		sort.Slice(h.Horizons, func(a, b int) bool { return h.Horizons[a] < h.Horizons[b] })
	}
	b, err := json.Marshal(canonical(s))
	if err != nil {
		return fmt.Errorf("normalise scenario %s: %w", s.Source, err)
	}
	s.Normalised = b
	sum := sha256.Sum256(b)
	s.Hash = hex.EncodeToString(sum[:])
	return nil
}

// canonical returns the hashed form: the scenario with durations spelled
// in seconds and parameter values tagged with their type, so equal
// experiments give byte-equal JSON.
func canonical(s *Scenario) any {
	type param struct {
		Name   string   `json:"name"`
		Values []string `json:"values"`
	}
	conv := func(ps []Param) []param {
		out := make([]param, 0, len(ps))
		for _, p := range ps {
			q := param{Name: p.Name}
			for _, v := range p.Values {
				q.Values = append(q.Values, fmt.Sprintf("%T:%v", v, v))
			}
			out = append(out, q)
		}
		return out
	}
	type hyp struct {
		Hypothesis
		Params []param `json:"params"`
	}
	type strat struct {
		Name   string  `json:"name"`
		Params []param `json:"params"`
	}
	hs := make([]hyp, 0, len(s.Hypotheses))
	for _, h := range s.Hypotheses {
		hs = append(hs, hyp{h, conv(h.Params)})
	}
	ss := make([]strat, 0, len(s.Strategies))
	for _, st := range s.Strategies {
		ss = append(ss, strat{st.Name, conv(st.Params)})
	}
	return struct {
		Version    int       `json:"version"`
		Name       string    `json:"name"`
		Seed       uint64    `json:"seed"`
		Data       Data      `json:"data"`
		Simulator  Simulator `json:"simulator"`
		Hypotheses []hyp     `json:"hypotheses"`
		Strategies []strat   `json:"strategies"`
		Stats      Stats     `json:"stats"`
		Account    Account   `json:"account"`
		Report     Report    `json:"report"`
		Equity     string    `json:"equity_interval"`
	}{2, s.Name, s.Seed, s.Data, s.Simulator, hs, ss, s.Stats, s.Account, s.Report, s.Results.EquityInterval.String()}
}

// JSON returns the full normalised scenario (including description, results
// path and overrides) as indented JSON, for the runs table.
func (s *Scenario) JSON() string {
	b, _ := json.MarshalIndent(struct {
		Scenario  json.RawMessage `json:"scenario"`
		Results   Results         `json:"results"`
		Overrides []Override      `json:"overrides"`
		Source    string          `json:"source"`
	}{s.Normalised, s.Results, s.Overrides, filepath.ToSlash(s.Source)}, "", "  ")
	return string(b)
}
