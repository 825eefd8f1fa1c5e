package engine

import (
	"fmt"
	"time"
)

// Nanos is a UTC timestamp in nanoseconds since the Unix epoch. All engine
// time is expressed in Nanos taken from the data, never from the wall clock.
type Nanos int64

// Common durations in Nanos.
const (
	Microsecond Nanos = 1_000
	Millisecond Nanos = 1_000_000
	Second      Nanos = 1_000_000_000
	Minute      Nanos = 60 * Second
	Hour        Nanos = 60 * Minute
	Day         Nanos = 24 * Hour
)

// FromTime converts a time.Time to Nanos.
func FromTime(t time.Time) Nanos { return Nanos(t.UnixNano()) }

// Time converts n to a UTC time.Time.
func (n Nanos) Time() time.Time { return time.Unix(0, int64(n)).UTC() }

// String formats n as RFC 3339 with nanoseconds, in UTC.
func (n Nanos) String() string { return n.Time().Format(time.RFC3339Nano) }

// DayStart returns the start (00:00 UTC) of the day containing n.
func (n Nanos) DayStart() Nanos {
	d := n / Day
	if n < 0 && n%Day != 0 {
		d--
	}
	return d * Day
}

// Kind identifies what an Event carries.
type Kind uint8

// Event kinds. The numeric order is also the tie-break order for events with
// equal timestamps (see Kind.Priority): state updates (funding, open
// interest, series) come before the price events at the same instant, so a
// consumer sees the state that held when the trade printed.
const (
	KindFunding     Kind = iota + 1 // a funding settlement
	KindOI                          // an open-interest observation
	KindSeries                      // a value of a named auxiliary series
	KindLiquidation                 // a recorded (not simulated) liquidation
	KindBar                         // a completed kline (emitted at its close)
	KindTrade                       // a trade, real or on a bar's intra-bar path
)

var kindNames = [...]string{"", "funding", "oi", "series", "liquidations", "bars", "trades"}

// String returns the dataset name of the kind ("trades", "oi", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Priority is the tie-break rank among events with equal timestamps; lower
// comes first.
func (k Kind) Priority() int { return int(k) }

// ParseKind converts a dataset kind name to a Kind.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if i > 0 && n == s {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown kind %q (want one of trades, bars, funding, oi, liquidations, series)", s)
}

// AllKinds lists every kind in priority order.
func AllKinds() []Kind {
	return []Kind{KindFunding, KindOI, KindSeries, KindLiquidation, KindBar, KindTrade}
}

// Trade and event flags.
const (
	// FlagBarPath marks a trade synthesised from a bar's intra-bar path
	// rather than a printed trade.
	FlagBarPath uint8 = 1 << iota
	// FlagBarClose marks the last synthesised point of a bar's path.
	FlagBarClose
	// FlagBuyQty marks a trade whose Value is the taker-buy part of its
	// Qty (bar path points of a bar with a recorded taker-buy volume);
	// without it the whole Qty is on the taker Side.
	FlagBuyQty
)

// Event is one market event. It is a flat value type so that replay moves
// events without heap allocation or interface dispatch. Which fields are
// meaningful depends on Kind:
//
//	KindTrade:       Price, Qty (base units), Side (+1 taker buy, -1 taker sell,
//	                 0 unknown), ID (trade id, 0 if none), Flags (FlagBarPath,
//	                 FlagBarClose, FlagBuyQty: Value = taker-buy part of Qty).
//	KindBar:         Open, High, Low, Close (Price = Close), Qty = volume (base),
//	                 Value = taker-buy volume (base, NaN if unknown),
//	                 Aux = interval in seconds. TS is the bar's close time.
//	KindFunding:     Value = rate per interval (fraction, 0.0001 = 0.01%),
//	                 Aux = interval hours, Price = mark price (NaN if unknown).
//	KindOI:          Qty = open interest (base units), Value = OI in quote
//	                 (NaN if unknown).
//	KindLiquidation: Side (+1 a long was liquidated, -1 a short), Price (NaN if
//	                 unknown), Value = notional (quote).
//	KindSeries:      Series = index into the source's series names, Value.
type Event struct {
	TS     Nanos
	Price  float64
	Qty    float64
	Value  float64
	Aux    float64
	Open   float64
	High   float64
	Low    float64
	ID     int64
	Kind   Kind
	Side   int8
	Flags  uint8
	Series uint16
}
