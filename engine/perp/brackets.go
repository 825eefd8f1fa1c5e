package perp

import (
	"errors"
	"fmt"
	"math"
)

// Bracket is one leverage/maintenance-margin tier of a contract: it applies
// to positions whose notional lies in [Floor, Cap] (see Brackets.Lookup).
type Bracket struct {
	Floor       float64 // lowest notional of the tier (quote)
	Cap         float64 // highest notional of the tier (quote)
	MaxLeverage float64 // highest initial leverage allowed in the tier
	MMR         float64 // maintenance margin rate (fraction, 0.004 = 0.40%)
	Cum         float64 // maintenance amount (quote) that keeps MM continuous
}

// MaintenanceMargin returns the maintenance margin of a position of qty
// base units (either sign) valued at mark in this tier: |Q|·mark·MMR − cum.
// It does not check that the notional belongs to the tier; use
// Brackets.MaintenanceMargin for that.
func (b Bracket) MaintenanceMargin(qty, mark float64) float64 {
	return math.Abs(qty)*mark*b.MMR - b.Cum
}

// Brackets is a contract's tier table, ordered by Floor. The first tier
// starts at notional 0 and each tier's Floor equals the previous tier's Cap.
// Build one with NewBrackets, which computes Cum, or check a literal with
// Validate.
type Brackets []Bracket

// ErrBadBrackets reports a tier table that violates the invariants checked
// by NewBrackets and Brackets.Validate.
var ErrBadBrackets = errors.New("bad leverage brackets")

// cumTolerance is the absolute tolerance (quote) Validate allows between a
// tier's Cum and the recursion; published tables are integers.
const cumTolerance = 1e-6

// NewBrackets copies tiers, fills in every Cum by the recursion
// cum_i = cum_{i-1} + floor_i·(MMR_i − MMR_{i-1}) (cum_0 = 0), and
// validates the result. Cum values in tiers are ignored.
func NewBrackets(tiers []Bracket) (Brackets, error) {
	bs := make(Brackets, len(tiers))
	copy(bs, tiers)
	for i := range bs {
		if i == 0 {
			bs[i].Cum = 0
			continue
		}
		bs[i].Cum = bs[i-1].Cum + bs[i].Floor*(bs[i].MMR-bs[i-1].MMR)
	}
	if err := bs.Validate(); err != nil {
		return nil, err
	}
	return bs, nil
}

// Validate checks that the tiers are contiguous from notional 0, that MMR
// is non-decreasing in (0, 1), that leverage is positive and non-increasing,
// and that every Cum matches the recursion (so MM is continuous at each
// boundary). Errors wrap ErrBadBrackets and name the tier.
func (bs Brackets) Validate() error {
	if len(bs) == 0 {
		return fmt.Errorf("%w: no tiers", ErrBadBrackets)
	}
	for i, b := range bs {
		bad := func(format string, a ...any) error {
			return fmt.Errorf("%w: tier %d: %s", ErrBadBrackets, i+1, fmt.Sprintf(format, a...))
		}
		switch {
		case !(b.Cap > b.Floor):
			return bad("cap %v is not above floor %v", b.Cap, b.Floor)
		case !(b.MMR > 0 && b.MMR < 1):
			return bad("MMR %v, want a fraction in (0, 1)", b.MMR)
		case !(b.MaxLeverage >= 1):
			return bad("max leverage %v, want >= 1", b.MaxLeverage)
		}
		if i == 0 {
			if b.Floor != 0 {
				return bad("floor %v, want 0", b.Floor)
			}
			if math.Abs(b.Cum) > cumTolerance {
				return bad("cum %v, want 0", b.Cum)
			}
			continue
		}
		p := bs[i-1]
		switch {
		case b.Floor != p.Cap:
			return bad("floor %v does not meet the previous cap %v", b.Floor, p.Cap)
		case b.MMR < p.MMR:
			return bad("MMR %v is below the previous tier's %v", b.MMR, p.MMR)
		case b.MaxLeverage > p.MaxLeverage:
			return bad("max leverage %v is above the previous tier's %v", b.MaxLeverage, p.MaxLeverage)
		}
		if want := p.Cum + b.Floor*(b.MMR-p.MMR); math.Abs(b.Cum-want) > cumTolerance {
			return bad("cum %v, want %v (cum_i = cum_{i-1} + floor_i·(MMR_i − MMR_{i-1}))", b.Cum, want)
		}
	}
	return nil
}

// Index returns the index of the tier for a position of the given notional
// (quote, either sign): the first tier whose Cap is at least |notional|, so
// a notional exactly on a boundary belongs to the lower tier. Notionals
// above the last Cap use the last tier. bs must not be empty.
func (bs Brackets) Index(notional float64) int {
	n := math.Abs(notional)
	lo, hi := 0, len(bs)-1
	for lo < hi { // first i with n <= Cap_i
		mid := (lo + hi) / 2
		if n <= bs[mid].Cap {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// Lookup returns the tier for a position of the given notional (see Index).
func (bs Brackets) Lookup(notional float64) Bracket { return bs[bs.Index(notional)] }

// MaintenanceMargin returns MM = |Q|·mark·MMR − cum with the tier chosen by
// the notional |Q|·mark.
func (bs Brackets) MaintenanceMargin(qty, mark float64) float64 {
	return bs.Lookup(math.Abs(qty)*mark).MaintenanceMargin(qty, mark)
}

// MaxNotional returns the largest notional at which a position may be
// opened with the given leverage: the Cap of the last tier whose
// MaxLeverage is at least leverage, or 0 if even the first tier does not
// allow it.
func (bs Brackets) MaxNotional(leverage float64) float64 {
	n := 0.0
	for _, b := range bs {
		if b.MaxLeverage >= leverage {
			n = b.Cap
		}
	}
	return n
}

// BinanceBTCUSDT2024 is Binance's BTCUSDT perpetual tier table as published
// in freqtrade's binance_leverage_tiers.json on 2024-05-30 (commit
// d9835723), unchanged on 2024-10-24: 125x at 0.40% MMR up to 50k notional
// through 1x at 50% up to 1.8B. Tier tables change often; this one is
// pinned so that results are reproducible. Treat it as read-only.
var BinanceBTCUSDT2024 = mustBrackets([]Bracket{
	{Floor: 0, Cap: 50_000, MaxLeverage: 125, MMR: 0.004},
	{Floor: 50_000, Cap: 600_000, MaxLeverage: 100, MMR: 0.005},
	{Floor: 600_000, Cap: 3_000_000, MaxLeverage: 75, MMR: 0.0065},
	{Floor: 3_000_000, Cap: 12_000_000, MaxLeverage: 50, MMR: 0.01},
	{Floor: 12_000_000, Cap: 70_000_000, MaxLeverage: 25, MMR: 0.02},
	{Floor: 70_000_000, Cap: 100_000_000, MaxLeverage: 20, MMR: 0.025},
	{Floor: 100_000_000, Cap: 230_000_000, MaxLeverage: 10, MMR: 0.05},
	{Floor: 230_000_000, Cap: 480_000_000, MaxLeverage: 5, MMR: 0.10},
	{Floor: 480_000_000, Cap: 600_000_000, MaxLeverage: 4, MMR: 0.125},
	{Floor: 600_000_000, Cap: 800_000_000, MaxLeverage: 3, MMR: 0.15},
	{Floor: 800_000_000, Cap: 1_200_000_000, MaxLeverage: 2, MMR: 0.25},
	{Floor: 1_200_000_000, Cap: 1_800_000_000, MaxLeverage: 1, MMR: 0.50},
})

func mustBrackets(tiers []Bracket) Brackets {
	bs, err := NewBrackets(tiers)
	if err != nil {
		panic(err)
	}
	return bs
}
