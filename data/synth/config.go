package synth

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"time"
)

// Defaults applied by Config.Defaults.
const (
	DefaultExchange = "synth"
	DefaultSymbol   = "BTCUSDT"
	// MaxScale bounds Config.Scale: scale 1 is about a million trades a day
	// for BTCUSDT.
	MaxScale = 10.0
)

// ErrBadConfig reports an invalid Config; Validate's errors wrap it.
var ErrBadConfig = errors.New("bad synth config")

// Config says what to generate. Build it, call Defaults, then Validate (or
// let Generate do both on its own copy).
type Config struct {
	// Start and End bound the generated UTC days as [Start, End); both
	// must be at 00:00 UTC. (The CLI's --end is inclusive and passes the
	// following midnight.)
	Start, End time.Time
	// Seed selects the market. The same Config gives byte-identical files.
	Seed uint64
	// Scale multiplies the trade count (1 ≈ a million BTCUSDT trades a
	// day, 0.01 ≈ ten thousand). Volume, open interest and liquidations do
	// not depend on it: at smaller scales each trade is larger.
	Scale float64
	// Null plants no events and keeps returns independent of positioning,
	// funding and open interest: a statistical control.
	Null bool
	// Exchange and Symbols name the dataset partitions written.
	Exchange string
	Symbols  []string
	// RowGroupRows is the Parquet row-group size (dataset default if 0).
	RowGroupRows int
}

// Defaults fills in the exchange ("synth"), the symbols (BTCUSDT) and a
// scale of 1 where they are unset.
func (c *Config) Defaults() {
	if c.Exchange == "" {
		c.Exchange = DefaultExchange
	}
	if len(c.Symbols) == 0 {
		c.Symbols = []string{DefaultSymbol}
	}
	if c.Scale == 0 {
		c.Scale = 1
	}
}

// Validate checks the config; errors wrap ErrBadConfig and say what is
// expected.
func (c Config) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrBadConfig, fmt.Sprintf(format, a...))
	}
	if !isMidnightUTC(c.Start) {
		return bad("start %s: want a date at 00:00 UTC", c.Start)
	}
	if !isMidnightUTC(c.End) {
		return bad("end %s: want a date at 00:00 UTC", c.End)
	}
	if !c.End.After(c.Start) {
		return bad("end %s is not after start %s", c.End.Format(time.DateOnly), c.Start.Format(time.DateOnly))
	}
	if math.IsNaN(c.Scale) || c.Scale <= 0 || c.Scale > MaxScale {
		return bad("scale %v: want a number in (0, %g]", c.Scale, MaxScale)
	}
	if !validName(c.Exchange, false) {
		return bad("exchange %q: want lower-case letters, digits, '-' or '_'", c.Exchange)
	}
	if len(c.Symbols) == 0 {
		return bad("no symbols")
	}
	seen := map[string]bool{}
	for _, s := range c.Symbols {
		if !validName(s, true) {
			return bad("symbol %q: want upper-case letters and digits, e.g. BTCUSDT", s)
		}
		if seen[s] {
			return bad("symbol %s listed twice", s)
		}
		seen[s] = true
	}
	if c.RowGroupRows < 0 {
		return bad("row group rows %d: want >= 0 (0 = default)", c.RowGroupRows)
	}
	return nil
}

func isMidnightUTC(t time.Time) bool {
	return !t.IsZero() && t.Equal(t.UTC().Truncate(24*time.Hour))
}

func validName(s string, upper bool) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case upper && r >= 'A' && r <= 'Z':
		case !upper && (r >= 'a' && r <= 'z' || r == '-' || r == '_'):
		default:
			return false
		}
	}
	return true
}

// Summary reports what Generate wrote.
type Summary struct {
	Symbols []SymbolSummary
}

// SymbolSummary reports one symbol's output.
type SymbolSummary struct {
	Symbol    string
	Days      int
	Trades    int64
	Bars      int64
	Funding   int64
	OI        int64
	Truth     int           // ground-truth rows
	TruthPath string        // where the truth table was written
	Elapsed   time.Duration // wall time spent on this symbol
}

// profile holds a symbol's market parameters. Quantities are in base units
// at the start price; volumes, open interest and impact are independent of
// Config.Scale.
type profile struct {
	price        float64 // start price (quote)
	tick         float64 // price tick
	qtyStep      float64 // quantity step (base)
	dailyVol     float64 // typical daily log-return sd
	tradesPerDay float64 // at scale 1
	meanQty      float64 // mean trade size at scale 1 (base)
	oi           float64 // typical open interest (base)
}

// profileFor returns the parameters of sym. BTCUSDT and ETHUSDT are
// calibrated to Binance perpetuals in 2022–2024; other symbols get a
// mid-cap profile whose start price is derived from the name.
func profileFor(sym string) profile {
	switch sym {
	case "BTCUSDT":
		return profile{price: 46_000, tick: 0.1, qtyStep: 0.001, dailyVol: 0.032, tradesPerDay: 1e6, meanQty: 0.15, oi: 70_000}
	case "ETHUSDT":
		return profile{price: 3_000, tick: 0.01, qtyStep: 0.001, dailyVol: 0.042, tradesPerDay: 7e5, meanQty: 2, oi: 1_000_000}
	}
	h := symHash(sym)
	price := 20 * math.Pow(10, float64(h%3000)/1000) // 20 … 20 000
	tick := math.Pow(10, math.Floor(math.Log10(price))-4)
	meanQty := 3000 / price
	step := math.Pow(10, math.Floor(math.Log10(meanQty))-2)
	return profile{
		price:        roundTo(price, tick),
		tick:         tick,
		qtyStep:      step,
		dailyVol:     0.05,
		tradesPerDay: 3e5,
		meanQty:      meanQty,
		oi:           4e8 / price,
	}
}

func symHash(sym string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strings.ToUpper(sym)))
	return h.Sum64()
}

// roundTo rounds x to a multiple of step, dividing by the integer 1/step
// when step < 1 so that e.g. 0.1-tick prices print exactly.
func roundTo(x, step float64) float64 {
	if step < 1 {
		inv := math.Round(1 / step)
		return math.Round(x*inv) / inv
	}
	return math.Round(x/step) * step
}
