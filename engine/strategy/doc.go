// Package strategy runs trading strategies over the event stream with full
// perpetual-futures accounting: orders and fills, fees, slippage, tiered
// margin, funding, and the account's own liquidation, Binance USDⓈ-M style
// (engine/perp has the formulas). Run makes one pass over an engine.Source
// for any number of variants; each variant has its own strategy, account
// and results, and sees the same events. docs/strategies.md ("Accounting
// and fills") explains the model with examples.
//
// # Order of work at each event
//
// Before an event at time t, Run (1) samples the equity curve if t is at
// or after the next EquityEvery boundary, then (2) closes every grid row
// whose close time Grid.Time(i+1) is <= t: for each variant, OnStep (if it
// is a Stepper) and then OnSignal for each of its signals on at row i, in
// Variant.Signals order. Then, for each variant in order: the account
// processes the event (a trade: own liquidation, then the open orders in
// submission order; a funding event: the funding cashflow), then OnEvent
// is called if the variant's KindFilter allows the kind. Rows still open
// when the stream ends are closed after it. Everything is deterministic:
// no maps, no goroutines, no wall clock.
//
// # Fills
//
// One symbol, one-way mode: the account holds a net signed position.
// Orders placed in a callback are considered from the next trade on, so a
// fill never uses a price already seen when the order was placed. Bars are
// replayed as four synthetic trades (open, nearer extreme, other extreme,
// close; engine.FlagBarPath), so orders fill at those path points, except
// that a stop crossed between two path points fills at its stop price (the
// price is taken to move continuously along the path); KindBar events
// themselves fill nothing.
//
//   - Market: fills at the next trade at that trade's price moved against
//     the taker by the impact model (Fill.Slippage = price ×
//     Impact.Move(qty·price, price), capped at MaxSlippageMove), taker fee.
//   - Limit: rests at Price and fills, in full, at the limit price with the
//     maker fee when a later trade trades through it — strictly below a buy
//     limit, strictly above a sell limit. Touching is not enough: we assume
//     the order sits at the back of the queue at its price. A limit that is
//     marketable when placed (a buy at or above the last price, a sell at
//     or below it, or any limit before the first trade) fills as a taker at
//     the next trade at min(limit, trade price + slippage) for a buy
//     (max(limit, price − slippage) for a sell); if that trade is beyond the
//     limit it rests as a maker order from then on.
//   - Stop (stop-market): triggers when a trade reaches StopPrice (>= for a
//     buy stop, <= for a sell stop; a stop already reached when placed
//     triggers at the next trade) and fills at that trade as a market
//     order.
//
// So a fill price is always within the range the price traded through
// between the previous trade and the triggering one, plus the recorded
// slippage: market and stop fills at the trade, limit fills at a limit the
// price crossed, liquidations at a liquidation price the price crossed.
//
// Reduce-only orders can only reduce: at the fill the quantity is clipped
// to the position; a reduce-only order is cancelled when it would fill
// while flat (or is submitted while flat), rejected when submitted on the
// position's side, and every open reduce-only order is cancelled when the
// position is closed or flipped. A bracket entry (TakeProfit/StopLoss
// set) attaches, when it fills, a reduce-only limit at TakeProfit and a
// reduce-only stop at StopLoss for the quantity the fill opened; the legs
// are one-cancels-other (cancelling one by hand leaves the other) and,
// being reduce-only, go when the position closes.
//
// # Margin and rejections
//
// Isolated: the position margin is the entry notional / leverage, added
// on every increase and released pro rata on reductions; funding is paid
// from and received into it (so funding moves the liquidation price), and
// the liquidation price is perp.Brackets.IsolatedLiquidationPrice with
// that margin. Cross: the whole wallet backs the position; the
// liquidation price is perp.Brackets.CrossLiquidationPrice with the
// wallet balance (recomputed after every fill, fee and funding). Fees are
// always paid from the wallet.
//
// An order, or the part of a fill that opens or increases a position, is
// rejected (OrderRecord.Status "rejected", with Reason) when (a) the
// resulting position notional exceeds the cap of the largest tier whose
// MaxLeverage allows the account's leverage (perp.Brackets.MaxNotional),
// or (b) its initial margin, notional / leverage, exceeds the margin
// available after the closing part and the fee: wallet − position margin
// (isolated) or wallet + unrealised PnL − |Q|·price/L (cross). Reductions
// are never rejected. The check runs at Submit at the reference price
// (limit, stop, or last price) and again at the fill at the fill price;
// resting orders reserve no margin. A rejected fill leaves the position
// untouched (no partial fills).
//
// # Own liquidation
//
// The mark price is taken to be the last trade price (mark ≈ last). When a
// trade reaches the liquidation price (<= for a long, >= for a short) the
// whole position is closed before any order is considered, at the
// liquidation price (or at the trade's price if the previous trade was
// already beyond it, e.g. after funding moved it), every open order is
// cancelled, and a Fill with Liquidation set is recorded with its own
// order record (Tag "liquidation"). The liquidation fee is
// LiquidationFee × notional (DefaultAccountConfig: 1.25%; zero charges
// none), capped at what is left: isolated, the position margin plus the
// realised PnL (the maintenance margin at the liquidation price); cross,
// the wallet.
// In isolated mode whatever margin remains after the fee goes to the
// insurance fund (ledger kind insurance_fund), so a liquidated isolated
// position always loses exactly its margin; in cross mode the remainder
// stays in the wallet. A deficit (a price gapped past bankruptcy) is
// covered by the insurance fund: the wallet never goes below zero through
// a liquidation.
//
// # Funding
//
// At each KindFunding event (Value = rate per interval, Price = mark, or
// the last trade price when NaN) an open position receives
// perp.FundingCashflow(side, qty, mark, rate): with a positive rate longs
// pay and shorts receive. Only positions open at the event are charged.
//
// # Ledger and equity
//
// Every cashflow (fee, funding, realized_pnl, liquidation_fee,
// insurance_fund) is appended to Result.Ledger with the wallet balance
// after it; at every moment Balance = Capital + Σ ledger amounts and
// Equity = Balance + unrealised PnL at the last trade price. The equity
// curve has a point at the boundary before the first event (the
// capital), one at every EquityEvery boundary (epoch-aligned) after it,
// taken before the first event at or after it and stamped with the
// boundary (a gap in the data gives a point at each boundary it spans, the
// state carried over: the curve is evenly spaced), and the final state at
// the last event.
//
// # Cost
//
// The run loop makes no allocation and no interface call per event for a
// variant with nothing to do (flat, no open orders, its KindFilter
// excluding the kind); fills, ledger entries and records are appended to
// pre-sized slices.
//
// # Concurrency
//
// A Run owns its variants; strategies are called from the goroutine that
// called Run, one at a time. Separate Runs share nothing and may run in
// parallel.
package strategy
