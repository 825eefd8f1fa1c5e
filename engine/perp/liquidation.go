package perp

import "math"

// Side is a position's direction: Long (+1) or Short (-1).
type Side int8

// Position sides.
const (
	Long  Side = 1
	Short Side = -1
)

// Sign returns +1 for Long and -1 for Short as a float64 (s in the
// formulas).
func (s Side) Sign() float64 { return float64(s) }

// String returns "long" or "short".
func (s Side) String() string {
	if s < 0 {
		return "short"
	}
	return "long"
}

// Position is an open one-way position.
type Position struct {
	Side  Side
	Qty   float64 // base units; the sign is ignored, Side gives the direction
	Entry float64 // average entry price
}

// UnrealizedPnL returns s·|Q|·(mark − entry), the position's PnL at mark.
func (p Position) UnrealizedPnL(mark float64) float64 {
	return p.Side.Sign() * math.Abs(p.Qty) * (mark - p.Entry)
}

// LiquidationPrice returns Binance's exact liquidation price in one given
// tier (one-way mode):
//
//	LP = (WB − TMM₁ + UPNL₁ + cum − s·Q·EP) / (Q·MMR − s·Q)
//
// with Q = |qty|, EP the entry price and s the side. For isolated margin WB
// is the position's margin and tmm1 = upnl1 = 0; for cross margin WB is the
// wallet balance and tmm1, upnl1 are the maintenance margin and unrealised
// PnL of all other positions at mark (see CrossTerms). It does not re-select
// the tier; Brackets.LiquidationPrice does. A result <= 0 for a long means
// the position cannot be liquidated.
func LiquidationPrice(side Side, qty, entry, wb, tmm1, upnl1 float64, b Bracket) float64 {
	s, q := side.Sign(), math.Abs(qty)
	return (wb - tmm1 + upnl1 + b.Cum - s*q*entry) / (q*b.MMR - s*q)
}

// LiquidationPrice returns the exact liquidation price with the tier chosen
// by the liquidation notional Q·LP, as Binance does: it starts from the
// tier of the entry notional, recomputes while Q·LP falls into a different
// tier (at most len(bs) times), and if that does not settle, scans for the
// tier that is consistent with its own LP (one always exists because MM is
// continuous and monotone in price). It returns the price, clamped at 0
// (a long that cannot be liquidated), and the tier used.
func (bs Brackets) LiquidationPrice(side Side, qty, entry, wb, tmm1, upnl1 float64) (float64, Bracket) {
	q := math.Abs(qty)
	i := bs.Index(q * entry)
	for range len(bs) {
		lp := LiquidationPrice(side, q, entry, wb, tmm1, upnl1, bs[i])
		j := bs.Index(q * math.Max(lp, 0))
		if j == i {
			return math.Max(lp, 0), bs[i]
		}
		i = j
	}
	for k := range bs {
		lp := LiquidationPrice(side, q, entry, wb, tmm1, upnl1, bs[k])
		if bs.Index(q*math.Max(lp, 0)) == k {
			return math.Max(lp, 0), bs[k]
		}
	}
	lp := LiquidationPrice(side, q, entry, wb, tmm1, upnl1, bs[i])
	return math.Max(lp, 0), bs[i]
}

// IsolatedLiquidationPrice returns the exact isolated-margin liquidation
// price of a position of qty base units entered at entry with the given
// position margin (quote), re-selecting the tier by the liquidation
// notional. With margin = Q·EP/L it is the price at which the position's
// equity equals its maintenance margin.
func (bs Brackets) IsolatedLiquidationPrice(side Side, qty, entry, margin float64) (float64, Bracket) {
	return bs.LiquidationPrice(side, qty, entry, margin, 0, 0)
}

// MarkedPosition is another position in a cross-margin account, valued at
// its mark price with its own contract's tiers.
type MarkedPosition struct {
	Position
	Mark     float64
	Brackets Brackets
}

// CrossTerms returns TMM₁ (the summed maintenance margin, tier chosen by
// notional at mark) and UPNL₁ (the summed unrealised PnL, signed by side)
// of the other positions of a cross-margin account.
func CrossTerms(others []MarkedPosition) (tmm1, upnl1 float64) {
	for _, o := range others {
		tmm1 += o.Brackets.MaintenanceMargin(o.Qty, o.Mark)
		upnl1 += o.UnrealizedPnL(o.Mark)
	}
	return tmm1, upnl1
}

// CrossLiquidationPrice returns the exact cross-margin liquidation price of
// p given the wallet balance wb and the account's other positions, with
// the tier re-selected by the liquidation notional.
func (bs Brackets) CrossLiquidationPrice(p Position, wb float64, others []MarkedPosition) (float64, Bracket) {
	tmm1, upnl1 := CrossTerms(others)
	return bs.LiquidationPrice(p.Side, p.Qty, p.Entry, wb, tmm1, upnl1)
}

// SimpleIsolatedLiquidationPrice returns the exact isolated liquidation
// price when the margin is Q·EP/L and cum = 0 (a first-tier position):
// EP(1−1/L)/(1−MMR) for a long and EP(1+1/L)/(1+MMR) for a short.
func SimpleIsolatedLiquidationPrice(side Side, entry, leverage, mmr float64) float64 {
	s := side.Sign()
	return entry * (1 - s/leverage) / (1 - s*mmr)
}

// ShortcutLiquidationPrice returns the common approximation
// EP(1 − s/L + s·MMR), which measures maintenance margin at the entry
// notional rather than at the liquidation notional. It exceeds the exact
// price by EP·MMR·(1/L − MMR)/(1 − s·MMR): conservative for longs,
// optimistic for shorts. Prefer IsolatedLiquidationPrice.
func ShortcutLiquidationPrice(side Side, entry, leverage, mmr float64) float64 {
	s := side.Sign()
	return entry * (1 - s/leverage + s*mmr)
}
