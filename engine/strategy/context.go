package strategy

import (
	"fmt"
	"math"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

// Context is a variant's handle on the run: the clock, the market price,
// its account and its orders. There is one per variant; it is valid only
// inside the callbacks of that variant and must not be retained or used
// from another goroutine.
type Context struct {
	mkt  *market
	acct *Account
	name string
}

// Name returns the variant's name.
func (c *Context) Name() string { return c.name }

// Now returns the current time: the event's time in OnEvent, the row's
// close time in OnStep and OnSignal.
func (c *Context) Now() engine.Nanos { return c.mkt.now }

// Price returns the last trade price (0 before the first trade).
func (c *Context) Price() float64 { return c.mkt.last }

// Account returns the variant's account.
func (c *Context) Account() *Account { return c.acct }

// Fills returns the variant's fills so far, in time order. The slice is
// the run's own: read it, do not modify or retain it.
func (c *Context) Fills() []Fill { return c.acct.res.Fills }

// Ledger returns the variant's cashflows so far (read-only, as Fills).
func (c *Context) Ledger() []Cashflow { return c.acct.res.Ledger }

// Order returns the record of order id (false if this variant never
// issued it).
func (c *Context) Order(id OrderID) (OrderRecord, bool) {
	if id <= 0 || int(id) > len(c.acct.res.Orders) {
		return OrderRecord{}, false
	}
	return c.acct.res.Orders[id-1], true
}

// Submit validates and places an order and returns its ID.
//
// A malformed order (see ErrInvalidOrder) is recorded as rejected and
// returned with an error. Orders the account state does not allow are
// recorded, not errors: a reduce-only order when flat is cancelled, one
// on the position's side is rejected; a bracket whose take profit or stop
// loss is on the wrong side of the reference price, a notional order
// before the first trade, and an order that would exceed the leverage
// tier or the available margin at the reference price are rejected (with
// Reason). Check Order(id).Status when it matters. Margin is checked
// again at the fill, at the fill price.
//
// Market orders fill at the next trade; limits rest (a marketable limit —
// a buy at or above the last price — fills as taker at the next trade);
// stops wait for their trigger. See the package documentation.
func (c *Context) Submit(o Order) (OrderID, error) {
	a := c.acct
	now := c.mkt.now
	o.ID = 0
	if err := validate(&o); err != nil {
		id := a.addRecord(OrderRecord{Order: o, Submitted: now, Done: now, Status: StatusRejected, Reason: err.Error()})
		return id, fmt.Errorf("order %d: %w", id, err)
	}
	last := c.mkt.last
	ref := refPrice(&o, last)
	reject := func(status, format string, args ...any) (OrderID, error) {
		return a.addRecord(OrderRecord{Order: o, Submitted: now, Done: now, Status: status, Reason: fmt.Sprintf(format, args...)}), nil
	}
	if o.Qty == 0 {
		if !(ref > 0) {
			return reject(StatusRejected, "notional %v before the first trade: no price to size it", o.Notional)
		}
		o.Qty = o.Notional / ref
	}
	s := o.Side.Sign()
	if o.ReduceOnly {
		switch a.posSign() {
		case 0:
			return reject(StatusCancelled, "reduce-only: no position to reduce")
		case s:
			return reject(StatusRejected, "reduce-only %s order would increase a %s position", o.Side, a.Side())
		}
	}
	if ref > 0 {
		if o.TakeProfit != 0 && s*(o.TakeProfit-ref) <= 0 {
			return reject(StatusRejected, "take profit %v is not beyond the reference price %v for a %s entry", o.TakeProfit, ref, o.Side)
		}
		if o.StopLoss != 0 && s*(ref-o.StopLoss) <= 0 {
			return reject(StatusRejected, "stop loss %v is not beyond the reference price %v for a %s entry", o.StopLoss, ref, o.Side)
		}
		if !o.ReduceOnly {
			rate := a.cfg.TakerFee
			if o.Type == Limit && last > 0 && s*(o.Price-last) < 0 {
				rate = a.cfg.MakerFee
			}
			if reason := a.checkOpen(o.Side, o.Qty, ref, rate); reason != "" {
				return reject(StatusRejected, "%s", reason)
			}
		}
	}
	return a.addWorking(o, 0), nil
}

// Cancel cancels an open order. Cancelling an order that is already
// filled, cancelled or rejected does nothing; an ID this variant never
// issued is an error (ErrUnknownOrder).
func (c *Context) Cancel(id OrderID) error {
	a := c.acct
	if id <= 0 || id > a.nextID {
		return fmt.Errorf("cancel %d: %w", id, ErrUnknownOrder)
	}
	if a.cancelID(id, "cancelled") {
		a.compact()
	}
	return nil
}

// CancelAll cancels every open order.
func (c *Context) CancelAll() {
	a := c.acct
	if len(a.open) == 0 {
		return
	}
	a.cancelWhere(nil, "cancelled")
	a.compact()
}

// Close submits a reduce-only market order for the whole position and
// returns its ID, or 0 and no error if flat.
func (c *Context) Close(tag string) (OrderID, error) {
	a := c.acct
	if a.pos == 0 {
		return 0, nil
	}
	return c.Submit(Order{Type: Market, Side: perp.Side(-a.posSign()), Qty: math.Abs(a.pos), ReduceOnly: true, Tag: tag})
}

// NumOpenOrders returns the number of open orders.
func (c *Context) NumOpenOrders() int { return len(c.acct.open) }

// AppendOpenOrders appends the open orders, in submission order, to dst
// and returns it (allocation-free when dst has room).
func (c *Context) AppendOpenOrders(dst []Order) []Order {
	for i := range c.acct.open {
		dst = append(dst, c.acct.open[i].Order)
	}
	return dst
}

// OpenOrders returns a new slice of the open orders, in submission order.
func (c *Context) OpenOrders() []Order {
	if len(c.acct.open) == 0 {
		return nil
	}
	return c.AppendOpenOrders(make([]Order, 0, len(c.acct.open)))
}
