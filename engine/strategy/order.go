package strategy

import (
	"errors"
	"fmt"
	"math"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

// OrderID identifies an order within one variant: 1, 2, 3, … in
// submission order (bracket legs and liquidations get IDs too).
type OrderID int64

// OrderType is the kind of order.
type OrderType uint8

// Order types.
const (
	Market OrderType = iota + 1 // fills at the next trade, taker
	Limit                       // rests at Price; fills when a trade trades through it, maker
	Stop                        // stop-market: triggers when a trade reaches StopPrice, then fills as Market
)

// String returns "market", "limit" or "stop".
func (t OrderType) String() string {
	switch t {
	case Market:
		return "market"
	case Limit:
		return "limit"
	case Stop:
		return "stop"
	}
	return fmt.Sprintf("ordertype(%d)", uint8(t))
}

// Order is an order as submitted. Set Qty (base units) or, with Qty == 0,
// Notional (quote), which Submit converts to Qty at the reference price
// (Price for a limit, StopPrice for a stop, the last trade price for a
// market order).
type Order struct {
	ID         OrderID // set by Submit
	Type       OrderType
	Side       perp.Side // Long buys, Short sells
	Qty        float64   // base units
	Notional   float64   // quote, used when Qty == 0
	Price      float64   // limit price (Limit)
	StopPrice  float64   // trigger price (Stop)
	ReduceOnly bool
	// TakeProfit and StopLoss (0 = none) make the order a bracket entry:
	// when it fills, a reduce-only limit at TakeProfit and a reduce-only
	// stop-market at StopLoss are attached for the quantity it opened,
	// one-cancels-other.
	TakeProfit, StopLoss float64
	Tag                  string
}

// Order statuses (OrderRecord.Status).
const (
	StatusOpen      = "open"
	StatusFilled    = "filled"
	StatusCancelled = "cancelled"
	StatusRejected  = "rejected"
)

// OrderRecord is the life of one order. Done is the time it was filled,
// cancelled or rejected (0 while open).
type OrderRecord struct {
	Order
	Submitted, Done engine.Nanos
	Status          string // filled|cancelled|rejected|open
	Reason          string // why it was cancelled or rejected
	FilledQty       float64
	AvgPrice        float64
	Parent          OrderID // the bracket entry of a TP/SL leg (0 otherwise)
}

// Errors returned by Context methods; check with errors.Is.
var (
	// ErrInvalidOrder reports a malformed order (bad type, side, quantity
	// or prices, or a bracket on a reduce-only order). The order is
	// recorded as rejected.
	ErrInvalidOrder = errors.New("invalid order")
	// ErrUnknownOrder reports an ID this variant never issued.
	ErrUnknownOrder = errors.New("unknown order")
)

func finitePos(x float64) bool { return x > 0 && x <= math.MaxFloat64 }

// validate checks what does not depend on the account: the order's shape.
// ref is the last trade price (0 if none).
func validate(o *Order) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidOrder, fmt.Sprintf(format, a...))
	}
	switch o.Type {
	case Market, Limit, Stop:
	default:
		return bad("type %d, want Market, Limit or Stop", uint8(o.Type))
	}
	if o.Side != perp.Long && o.Side != perp.Short {
		return bad("side %d, want Long (+1) or Short (-1)", int8(o.Side))
	}
	switch {
	case o.Qty != 0 && !finitePos(o.Qty):
		return bad("qty %v, want a finite number > 0", o.Qty)
	case o.Qty == 0 && !finitePos(o.Notional):
		return bad("qty 0 and notional %v: set qty or notional > 0", o.Notional)
	}
	if o.Type == Limit && !finitePos(o.Price) {
		return bad("limit price %v, want a finite number > 0", o.Price)
	}
	if o.Type == Stop && !finitePos(o.StopPrice) {
		return bad("stop price %v, want a finite number > 0", o.StopPrice)
	}
	if o.TakeProfit != 0 && !finitePos(o.TakeProfit) {
		return bad("take profit %v, want 0 (none) or a finite number > 0", o.TakeProfit)
	}
	if o.StopLoss != 0 && !finitePos(o.StopLoss) {
		return bad("stop loss %v, want 0 (none) or a finite number > 0", o.StopLoss)
	}
	if o.ReduceOnly && (o.TakeProfit != 0 || o.StopLoss != 0) {
		return bad("a reduce-only order cannot carry take-profit or stop-loss legs")
	}
	if o.TakeProfit != 0 && o.StopLoss != 0 {
		s := o.Side.Sign()
		if s*(o.TakeProfit-o.StopLoss) <= 0 {
			return bad("take profit %v and stop loss %v are on the wrong sides for a %s entry", o.TakeProfit, o.StopLoss, o.Side)
		}
	}
	return nil
}

// refPrice is the price an order is sized and margin-checked at when it is
// submitted: its limit or stop price, or the last trade price.
func refPrice(o *Order, last float64) float64 {
	switch o.Type {
	case Limit:
		return o.Price
	case Stop:
		return o.StopPrice
	}
	return last
}

// working is an open order.
type working struct {
	Order
	rec   int32 // index of its OrderRecord
	taker bool  // a marketable limit: fills as taker at the next trade if it still can
	dead  bool  // filled, cancelled or rejected during the current pass
	oco   OrderID
}
