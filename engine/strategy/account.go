package strategy

import (
	"fmt"
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/engine/perp"
)

// MarginMode is how a position is margined.
type MarginMode uint8

// Margin modes.
const (
	// Isolated margin: the position has its own margin (entry notional /
	// leverage, plus funding) and can lose no more than it.
	Isolated MarginMode = iota + 1
	// Cross margin: the whole wallet backs the position.
	Cross
)

// String returns "isolated" or "cross".
func (m MarginMode) String() string {
	switch m {
	case Isolated:
		return "isolated"
	case Cross:
		return "cross"
	}
	return fmt.Sprintf("marginmode(%d)", uint8(m))
}

// Defaults of DefaultAccountConfig.
const (
	// DefaultLiquidationFee is the liquidation (clearance) fee of
	// DefaultAccountConfig, as a fraction of the liquidated notional: 1.25%,
	// the rate commonly quoted for Binance USDⓈ-M (unverified, and tiered
	// by contract on the exchange). It is capped at what the position has
	// left (see doc.go), so on a first-tier position it takes all of the
	// remaining maintenance margin.
	DefaultLiquidationFee = 0.0125
	// DefaultMakerFee and DefaultTakerFee are Binance USDⓈ-M's base-tier
	// fees (0.02% and 0.05% of notional).
	DefaultMakerFee = 0.0002
	DefaultTakerFee = 0.0005
	// DefaultCapital is the initial wallet balance of DefaultAccountConfig.
	DefaultCapital = 10_000.0
	// MaxSlippageMove caps the fractional price move an impact model may
	// apply to one fill, so that a sell never fills at or below zero.
	MaxSlippageMove = 0.5
)

// AccountConfig configures a variant's account. Zero values of Margin,
// Leverage and Brackets select defaults (Isolated, 1, perp.BinanceBTCUSDT2024);
// the fees are taken as given, so zero fees (LiquidationFee included) mean
// none. DefaultAccountConfig has Binance-like fees.
type AccountConfig struct {
	Capital        float64 // quote, initial wallet balance (> 0)
	Margin         MarginMode
	Leverage       float64 // initial leverage, 1 ≤ L ≤ the first tier's MaxLeverage
	MakerFee       float64 // fraction of notional (negative = rebate)
	TakerFee       float64 // fraction of notional
	LiquidationFee float64 // fraction of the liquidated notional (DefaultLiquidationFee = 1.25%)
	Brackets       perp.Brackets
	// Impact, if set, moves market and stop fills against the taker by
	// price × Impact.Move(qty·price, price) (see MaxSlippageMove).
	Impact liquidation.ImpactModel
	// CalibratedImpact, if set (and Impact is nil), uses the square-root
	// model of engine/liquidation with its daily volume and volatility
	// calibrated on the run's trades by a liquidation.Calibrator over
	// CalibratedImpact.Window, as the liquidation simulator does.
	CalibratedImpact *liquidation.ImpactConfig
}

// DefaultAccountConfig returns a 10 000 quote isolated 1x account with
// Binance's base-tier fees, the default liquidation fee and the BTCUSDT
// tier table.
func DefaultAccountConfig() AccountConfig {
	return AccountConfig{Capital: DefaultCapital, Margin: Isolated, Leverage: 1,
		MakerFee: DefaultMakerFee, TakerFee: DefaultTakerFee, LiquidationFee: DefaultLiquidationFee,
		Brackets: perp.BinanceBTCUSDT2024}
}

// WithDefaults returns c with its zero values replaced by the defaults.
func (c AccountConfig) WithDefaults() AccountConfig {
	if c.Margin == 0 {
		c.Margin = Isolated
	}
	if c.Leverage == 0 {
		c.Leverage = 1
	}
	if c.Brackets == nil {
		c.Brackets = perp.BinanceBTCUSDT2024
	}
	return c
}

// Validate checks a configuration after WithDefaults.
func (c AccountConfig) Validate() error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case !finitePos(c.Capital):
		return fmt.Errorf("capital %v, want a finite number > 0", c.Capital)
	case c.Margin != Isolated && c.Margin != Cross:
		return fmt.Errorf("margin mode %d, want Isolated or Cross", uint8(c.Margin))
	case !finite(c.MakerFee) || math.Abs(c.MakerFee) >= 0.1:
		return fmt.Errorf("maker fee %v, want a fraction in (-0.1, 0.1)", c.MakerFee)
	case !finite(c.TakerFee) || c.TakerFee < 0 || c.TakerFee >= 0.1:
		return fmt.Errorf("taker fee %v, want a fraction in [0, 0.1)", c.TakerFee)
	case !finite(c.LiquidationFee) || c.LiquidationFee < 0 || c.LiquidationFee >= 1:
		return fmt.Errorf("liquidation fee %v, want a fraction in [0, 1)", c.LiquidationFee)
	case c.Impact != nil && c.CalibratedImpact != nil:
		return fmt.Errorf("set Impact or CalibratedImpact, not both")
	}
	if err := c.Brackets.Validate(); err != nil {
		return err
	}
	if maxL := c.Brackets[0].MaxLeverage; !(c.Leverage >= 1 && c.Leverage <= maxL) {
		return fmt.Errorf("leverage %v, want 1 to %v (the first tier's maximum)", c.Leverage, maxL)
	}
	if ic := c.CalibratedImpact; ic != nil {
		switch {
		case ic.Model != "" && ic.Model != "sqrt":
			return fmt.Errorf("calibrated impact model %q, want sqrt", ic.Model)
		case !(ic.Coefficient >= 0 && finite(ic.Coefficient)):
			return fmt.Errorf("calibrated impact coefficient %v, want >= 0", ic.Coefficient)
		case ic.Window < time.Minute:
			return fmt.Errorf("calibrated impact window %v, want >= 1m", ic.Window)
		case !(ic.MaxMove >= 0 && finite(ic.MaxMove)):
			return fmt.Errorf("calibrated impact max move %v, want >= 0", ic.MaxMove)
		}
	}
	return nil
}

// market is the state shared by the variants of a run.
type market struct {
	now  engine.Nanos
	last float64 // last trade price (0 before the first trade)
	prev float64 // the trade price before last (0 if none)
	// cont: the last trade and the one before are points of the same
	// bar's intra-bar path (engine.FlagBarPath), not real prints: the
	// price is assumed to have moved continuously from prev to last. A
	// bar's first point (its open) is not continuous with the previous
	// bar's close: there may be a gap.
	cont bool
	// inBar: the last trade is a path point before its bar's close.
	inBar bool
}

// dust is the relative size below which a remainder of a position or of
// an order is treated as zero (float residue of notional sizing).
const dust = 1e-9

// Account is a variant's perpetual-futures account: one symbol, one-way
// mode (a net position), a wallet in quote. Read it through its methods;
// it changes only through the run (fills, funding, liquidation).
type Account struct {
	cfg AccountConfig
	mkt *market
	res *Result

	balance float64 // wallet balance
	pos     float64 // signed base quantity
	entry   float64 // average entry price
	margin  float64 // isolated position margin
	liq     float64 // liquidation price (0: flat or cannot be liquidated)

	open   []working
	nextID OrderID

	impact liquidation.ImpactModel
	cal    *liquidation.Calibrator
	calCfg liquidation.ImpactConfig

	trip     tripAcc
	posSince engine.Nanos
	exposure engine.Nanos
}

// tripAcc accumulates the current round trip.
type tripAcc struct {
	rt         RoundTrip
	inQ, inV   float64
	outQ, outV float64
	open       bool
}

func newAccount(cfg AccountConfig, mkt *market, res *Result) Account {
	return Account{cfg: cfg, mkt: mkt, res: res, balance: cfg.Capital, impact: cfg.Impact}
}

// Config returns the account's configuration (with defaults applied).
func (a *Account) Config() AccountConfig { return a.cfg }

// Balance returns the wallet balance (quote): capital plus every ledger
// amount so far. In isolated mode it includes the position margin.
func (a *Account) Balance() float64 { return a.balance }

// Position returns the signed position in base units (> 0 long).
func (a *Account) Position() float64 { return a.pos }

// Side returns the position's side, or 0 when flat.
func (a *Account) Side() perp.Side {
	switch {
	case a.pos > 0:
		return perp.Long
	case a.pos < 0:
		return perp.Short
	}
	return 0
}

// Entry returns the average entry price (0 when flat).
func (a *Account) Entry() float64 { return a.entry }

// IsolatedMargin returns the isolated position margin (0 in cross mode or
// when flat).
func (a *Account) IsolatedMargin() float64 { return a.margin }

// LiquidationPrice returns the current liquidation price (0 when flat or
// when a long cannot be liquidated).
func (a *Account) LiquidationPrice() float64 { return a.liq }

// Unrealized returns the unrealised PnL at the last trade price.
func (a *Account) Unrealized() float64 {
	if a.pos == 0 {
		return 0
	}
	return a.pos * (a.mkt.last - a.entry)
}

// Equity returns Balance + Unrealized.
func (a *Account) Equity() float64 { return a.balance + a.Unrealized() }

// Notional returns |position|·last price.
func (a *Account) Notional() float64 { return math.Abs(a.pos) * a.mkt.last }

// MaintenanceMargin returns the position's maintenance margin at the last
// price (tier chosen by notional).
func (a *Account) MaintenanceMargin() float64 {
	if a.pos == 0 {
		return 0
	}
	return a.cfg.Brackets.MaintenanceMargin(a.pos, a.mkt.last)
}

// Available returns the margin available for new positions at the last
// price: wallet − position margin in isolated mode; wallet + unrealised
// PnL − |Q|·price/L in cross mode.
func (a *Account) Available() float64 {
	if a.cfg.Margin == Isolated {
		return a.balance - a.margin
	}
	p := a.mkt.last
	return a.balance + a.Unrealized() - math.Abs(a.pos)*p/a.cfg.Leverage
}

func (a *Account) posSign() float64 {
	switch {
	case a.pos > 0:
		return 1
	case a.pos < 0:
		return -1
	}
	return 0
}

// split returns how much of qty on side closes the position and how much
// opens (or increases) one, with dust remainders snapped to zero.
func (a *Account) split(side perp.Side, qty float64) (closeQ, openQ float64) {
	ap := math.Abs(a.pos)
	if ps := a.posSign(); ps != 0 && ps != side.Sign() {
		closeQ = math.Min(qty, ap)
		if ap-closeQ <= dust*ap {
			closeQ = ap
		}
	}
	openQ = qty - closeQ
	if openQ <= dust*qty {
		openQ = 0
	}
	return closeQ, openQ
}

// checkOpen returns "" if a fill of qty on side at price, paying feeRate,
// is allowed by the margin rules, else the reason it is not. Reductions
// are always allowed; the part that opens or increases a position must
// keep the position's notional within the largest tier that allows the
// account's leverage, and its initial margin (notional / leverage) must
// be covered by the margin available after the closing part and the fee.
func (a *Account) checkOpen(side perp.Side, qty, price, feeRate float64) string {
	closeQ, openQ := a.split(side, qty)
	if openQ == 0 {
		return ""
	}
	ap := math.Abs(a.pos)
	ps := a.posSign()
	remain := ap - closeQ // the same-side position left (0 after a close)
	lev := a.cfg.Leverage
	if maxN := a.cfg.Brackets.MaxNotional(lev); (remain+openQ)*price > maxN {
		return fmt.Sprintf("position notional %.2f would exceed %.0f, the largest tier allowing %gx leverage", (remain+openQ)*price, maxN, lev)
	}
	bal := a.balance + ps*closeQ*(price-a.entry) - (closeQ+openQ)*price*feeRate
	var avail float64
	if a.cfg.Margin == Isolated {
		m := a.margin
		if closeQ > 0 {
			m = 0 // a close releases all of it (openQ > 0 only after a full close)
		}
		avail = bal - m
	} else {
		avail = bal + ps*remain*(price-a.entry) - remain*price/lev
	}
	if need := openQ * price / lev; need > avail {
		return fmt.Sprintf("insufficient margin: %.2f needed at %gx, %.2f available", need, lev, avail)
	}
	return ""
}

// slipped returns the price a taker fill of qty on side gets when the
// unslipped price is p, and the slippage (>= 0).
func (a *Account) slipped(side perp.Side, qty, p float64) (float64, float64) {
	var m float64
	switch {
	case a.impact != nil:
		m = a.impact.Move(qty*p, p)
	case a.cal != nil:
		m = a.cal.Impact(a.calCfg).Move(qty*p, p)
	default:
		return p, 0
	}
	if !(m > 0) {
		return p, 0
	}
	m = math.Min(m, MaxSlippageMove)
	s := p * m
	return p + side.Sign()*s, s
}

// cash books one ledger entry.
func (a *Account) cash(kind string, amount float64, ref OrderID) {
	if amount == 0 {
		return
	}
	a.balance += amount
	a.res.Ledger = append(a.res.Ledger, Cashflow{TS: a.mkt.now, Kind: kind, Amount: amount, Balance: a.balance, Ref: ref})
}

// updateLiq recomputes the liquidation price after any change of the
// position, the wallet or the isolated margin.
func (a *Account) updateLiq() {
	if a.pos == 0 {
		a.liq = 0
		return
	}
	side, q := a.Side(), math.Abs(a.pos)
	if a.cfg.Margin == Isolated {
		a.liq, _ = a.cfg.Brackets.IsolatedLiquidationPrice(side, q, a.entry, a.margin)
	} else {
		a.liq, _ = a.cfg.Brackets.CrossLiquidationPrice(perp.Position{Side: side, Qty: q, Entry: a.entry}, a.balance, nil)
	}
}

// execute books a fill of qty (> 0) on side at price for order id and
// returns the quantity it opened (the part beyond closing the position).
func (a *Account) execute(id OrderID, side perp.Side, qty, price, slip float64, liquidity string, feeRate float64, tag string) float64 {
	ts := a.mkt.now
	closeQ, openQ := a.split(side, qty)
	qty = closeQ + openQ
	ap, ps := math.Abs(a.pos), a.posSign()
	fee := qty * price * feeRate
	realized := 0.0
	if closeQ > 0 {
		realized = ps * closeQ * (price - a.entry)
		t := &a.trip
		t.outQ += closeQ
		t.outV += closeQ * price
		t.rt.RealizedPnL += realized
		t.rt.Fees += fee * closeQ / qty
	}
	a.cash(CashRealizedPnL, realized, id)
	a.cash(CashFee, -fee, id)
	a.res.Summary.Fees += fee
	a.res.Summary.RealizedPnL += realized
	a.res.Fills = append(a.res.Fills, Fill{TS: ts, OrderID: id, Side: side, Qty: qty, Price: price, Fee: fee,
		Liquidity: liquidity, RealizedPnL: realized, Tag: tag, Slippage: slip})
	a.res.Summary.TurnoverNotional += qty * price
	if closeQ > 0 {
		if closeQ == ap {
			a.pos, a.entry, a.margin = 0, 0, 0
			a.closeTrip(false)
		} else {
			if a.cfg.Margin == Isolated {
				a.margin -= a.margin * closeQ / ap
			}
			a.pos = ps * (ap - closeQ)
		}
	}
	if openQ > 0 {
		s := side.Sign()
		if a.pos == 0 {
			a.pos, a.entry = s*openQ, price
			a.openTrip(side)
		} else {
			q := math.Abs(a.pos)
			a.entry = (q*a.entry + openQ*price) / (q + openQ)
			a.pos = s * (q + openQ)
		}
		if a.cfg.Margin == Isolated {
			a.margin += openQ * price / a.cfg.Leverage
		}
		t := &a.trip
		t.inQ += openQ
		t.inV += openQ * price
		t.rt.Fees += fee * openQ / qty
		t.rt.MaxQty = math.Max(t.rt.MaxQty, math.Abs(a.pos))
		a.res.Summary.MaxPosition = math.Max(a.res.Summary.MaxPosition, math.Abs(a.pos))
	}
	if closeQ == ap && ap > 0 {
		// Flat or flipped: reduce-only orders (and bracket legs) belonged
		// to the old position.
		a.cancelWhere(func(w *working) bool { return w.ReduceOnly }, "position closed")
	}
	a.updateLiq()
	return openQ
}

// openTrip starts a round trip at the current time.
func (a *Account) openTrip(side perp.Side) {
	a.trip = tripAcc{rt: RoundTrip{Side: side, Open: a.mkt.now}, open: true}
	a.posSince = a.mkt.now
}

// closeTrip ends the current round trip.
func (a *Account) closeTrip(liquidated bool) {
	t := &a.trip
	if !t.open {
		return
	}
	rt := t.rt
	rt.Close = a.mkt.now
	rt.Liquidated = liquidated
	if t.inQ > 0 {
		rt.EntryPrice = t.inV / t.inQ
	}
	if t.outQ > 0 {
		rt.ExitPrice = t.outV / t.outQ
	}
	rt.PnL = rt.RealizedPnL - rt.Fees + rt.Funding
	a.res.RoundTrips = append(a.res.RoundTrips, rt)
	s := &a.res.Summary
	s.Trades++
	switch {
	case rt.PnL > 0:
		s.WinningTrades++
		s.GrossProfit += rt.PnL
	case rt.PnL < 0:
		s.LosingTrades++
		s.GrossLoss -= rt.PnL
	}
	t.open = false
	a.exposure += a.mkt.now - a.posSince
}

// fund applies a funding settlement at mark with the given rate.
func (a *Account) fund(rate, mark float64) {
	cf := perp.FundingCashflow(a.Side(), a.pos, mark, rate)
	if cf == 0 || math.IsNaN(cf) {
		return
	}
	a.cash(CashFunding, cf, 0)
	a.res.Summary.Funding += cf
	a.trip.rt.Funding += cf
	if a.cfg.Margin == Isolated {
		a.margin += cf
	}
	a.updateLiq()
}

// liquidate closes the whole position at price as an own liquidation.
func (a *Account) liquidate(price float64) {
	ts := a.mkt.now
	ap, ps := math.Abs(a.pos), a.posSign()
	side := perp.Side(-ps)
	a.cancelWhere(nil, "liquidated")
	a.compact()
	id := a.addRecord(OrderRecord{Order: Order{Type: Market, Side: side, Qty: ap, ReduceOnly: true, Tag: "liquidation"},
		Submitted: ts, Done: ts, Status: StatusFilled, Reason: "liquidation", FilledQty: ap, AvgPrice: price})
	realized := ps * ap * (price - a.entry)
	a.cash(CashRealizedPnL, realized, id)
	fee := a.cfg.LiquidationFee * ap * price
	ins := 0.0
	if a.cfg.Margin == Isolated {
		left := a.margin + realized
		fee = math.Min(fee, math.Max(left, 0))
		ins = left - fee
		a.cash(CashLiquidationFee, -fee, id)
		a.cash(CashInsuranceFund, -ins, id)
	} else {
		fee = math.Min(fee, math.Max(a.balance, 0))
		a.cash(CashLiquidationFee, -fee, id)
		if a.balance < 0 {
			ins = a.balance
			a.cash(CashInsuranceFund, -ins, id)
		}
	}
	s := &a.res.Summary
	s.LiquidationFees += fee
	s.InsuranceFund += ins
	s.Liquidations++
	s.RealizedPnL += realized
	s.TurnoverNotional += ap * price
	a.res.Fills = append(a.res.Fills, Fill{TS: ts, OrderID: id, Side: side, Qty: ap, Price: price, Fee: fee,
		Liquidity: Taker, RealizedPnL: realized, Liquidation: true, Tag: "liquidation"})
	t := &a.trip
	t.outQ += ap
	t.outV += ap * price
	t.rt.RealizedPnL += realized
	t.rt.Fees += fee + ins
	a.pos, a.entry, a.margin, a.liq = 0, 0, 0, 0
	a.closeTrip(true)
}

// onTrade processes a trade at price p: own liquidation first, then the
// open orders.
func (a *Account) onTrade(p float64) {
	if a.pos != 0 && a.liq > 0 {
		if len(a.open) > 0 && a.mkt.cont && (a.pos > 0 && p <= a.liq || a.pos < 0 && p >= a.liq) {
			// Along a bar's path the price reached the closing stops
			// between the previous point and the liquidation price first.
			a.match(p, func(w *working) bool {
				return w.Type == Stop && (a.pos > 0 && w.Side == perp.Short && w.StopPrice > a.liq ||
					a.pos < 0 && w.Side == perp.Long && w.StopPrice < a.liq)
			})
		}
	}
	if a.pos != 0 && a.liq > 0 {
		prev := a.mkt.prev
		if a.pos > 0 && p <= a.liq {
			// At the liquidation price when the price came down through it;
			// at the trade if it was already below (the price was jumped by
			// funding or a fill).
			fp := p
			if prev > a.liq {
				fp = a.liq
			}
			a.liquidate(fp)
		} else if a.pos < 0 && p >= a.liq {
			fp := p
			if prev > 0 && prev < a.liq {
				fp = a.liq
			}
			a.liquidate(fp)
		}
	}
	if len(a.open) > 0 {
		a.match(p, nil)
	}
}

// match runs the open orders (those open before this trade; only those
// only accepts, if not nil) against a trade at p, in submission order.
func (a *Account) match(p float64, only func(*working) bool) {
	n := len(a.open)
	for i := 0; i < n; i++ {
		w := &a.open[i]
		if w.dead || only != nil && !only(w) {
			continue
		}
		long := w.Side == perp.Long
		liquidity, rate := Taker, a.cfg.TakerFee
		maker := false
		switch w.Type {
		case Market:
		case Stop:
			if long && p < w.StopPrice || !long && p > w.StopPrice {
				continue
			}
		case Limit:
			if w.taker {
				if long && p > w.Price || !long && p < w.Price {
					w.taker = false // not fillable now: it rests from here on
					continue
				}
			} else {
				if long && p >= w.Price || !long && p <= w.Price {
					continue // touching is not enough: back of the queue
				}
				maker, liquidity, rate = true, Maker, a.cfg.MakerFee
			}
		}
		qty := w.Qty
		if w.ReduceOnly {
			if a.pos == 0 || a.posSign() == w.Side.Sign() {
				a.finish(i, StatusCancelled, "reduce-only: no position to reduce")
				continue
			}
			qty = math.Min(qty, math.Abs(a.pos))
		}
		price, slip := w.Price, 0.0
		if !maker {
			base := p
			if w.Type == Stop && a.mkt.cont && (long && a.mkt.prev > 0 && a.mkt.prev < w.StopPrice || !long && a.mkt.prev > w.StopPrice) {
				// On a bar's path the price moved through the stop between
				// two path points: the stop triggers at its price, not at
				// the bar's extreme.
				base = w.StopPrice
			}
			price, slip = a.slipped(w.Side, qty, base)
			if w.Type == Limit && (long && price > w.Price || !long && price < w.Price) {
				price, slip = w.Price, math.Abs(w.Price-p) // slippage never beyond the limit
			}
		}
		if !w.ReduceOnly {
			if reason := a.checkOpen(w.Side, qty, price, rate); reason != "" {
				a.finish(i, StatusRejected, reason)
				continue
			}
		}
		a.fill(i, qty, price, slip, liquidity, rate)
	}
	a.compact()
}

// fill executes open order i.
func (a *Account) fill(i int, qty, price, slip float64, liquidity string, rate float64) {
	w := a.open[i] // a copy: execute may append to a.open
	a.open[i].dead = true
	r := &a.res.Orders[w.ID-1]
	r.Status, r.Done, r.FilledQty, r.AvgPrice = StatusFilled, a.mkt.now, qty, price
	if w.oco != 0 {
		a.cancelID(w.oco, "one-cancels-other")
	}
	opened := a.execute(w.ID, w.Side, qty, price, slip, liquidity, rate, w.Tag)
	if opened > 0 && (w.TakeProfit != 0 || w.StopLoss != 0) {
		a.attach(&w.Order, opened)
	}
}

// attach adds the take-profit and stop-loss legs of bracket entry o for
// qty, one-cancels-other.
func (a *Account) attach(o *Order, qty float64) {
	tag := func(s string) string {
		if o.Tag == "" {
			return s
		}
		return o.Tag + "." + s
	}
	side := -o.Side
	var tp, sl OrderID
	if o.TakeProfit != 0 {
		tp = a.addWorking(Order{Type: Limit, Side: side, Qty: qty, Price: o.TakeProfit, ReduceOnly: true, Tag: tag("tp")}, o.ID)
	}
	if o.StopLoss != 0 {
		sl = a.addWorking(Order{Type: Stop, Side: side, Qty: qty, StopPrice: o.StopLoss, ReduceOnly: true, Tag: tag("sl")}, o.ID)
	}
	if tp != 0 && sl != 0 {
		a.open[len(a.open)-2].oco = sl
		a.open[len(a.open)-1].oco = tp
	}
}

// newID issues the next order ID.
func (a *Account) newID() OrderID {
	a.nextID++
	return a.nextID
}

// addRecord issues an ID for r, records it and returns the ID.
func (a *Account) addRecord(r OrderRecord) OrderID {
	r.ID = a.newID()
	a.res.Orders = append(a.res.Orders, r)
	if r.Status == StatusRejected {
		a.res.Summary.Rejected++
	}
	return r.ID
}

// addWorking records an accepted order and puts it on the book.
func (a *Account) addWorking(o Order, parent OrderID) OrderID {
	id := a.addRecord(OrderRecord{Order: o, Submitted: a.mkt.now, Status: StatusOpen, Parent: parent})
	o.ID = id
	w := working{Order: o}
	if o.Type == Limit {
		last := a.mkt.last
		w.taker = last <= 0 || o.Side == perp.Long && o.Price >= last || o.Side == perp.Short && o.Price <= last
	}
	a.open = append(a.open, w)
	return id
}

// finish ends open order i with a status other than filled.
func (a *Account) finish(i int, status, reason string) {
	w := &a.open[i]
	if w.dead {
		return
	}
	w.dead = true
	r := &a.res.Orders[w.ID-1]
	r.Status, r.Reason, r.Done = status, reason, a.mkt.now
	if status == StatusRejected {
		a.res.Summary.Rejected++
	}
}

// cancelID cancels the open order id, if open.
func (a *Account) cancelID(id OrderID, reason string) bool {
	for i := range a.open {
		if a.open[i].ID == id && !a.open[i].dead {
			a.finish(i, StatusCancelled, reason)
			return true
		}
	}
	return false
}

// cancelWhere cancels the open orders that match (all if match is nil).
func (a *Account) cancelWhere(match func(*working) bool, reason string) {
	for i := range a.open {
		if !a.open[i].dead && (match == nil || match(&a.open[i])) {
			a.finish(i, StatusCancelled, reason)
		}
	}
}

// compact drops the dead orders, keeping submission order.
func (a *Account) compact() {
	k := 0
	for i := range a.open {
		if !a.open[i].dead {
			a.open[k] = a.open[i]
			k++
		}
	}
	clear(a.open[k:])
	a.open = a.open[:k]
}
