package engine

import "context"

// Tally summarises a replayed stream: counts per kind, time span and traded
// notional. It is what `cascade replay` prints and a cheap checksum for
// tests (the same data must give the same Tally).
type Tally struct {
	Events      int64
	ByKind      [KindTrade + 1]int64
	First, Last Nanos
	Notional    float64 // sum of price*qty over trades
	BuyQty      float64 // taker-buy quantity over trades
	SellQty     float64 // taker-sell quantity over trades
}

// Add counts one event.
func (t *Tally) Add(e *Event) {
	if t.Events == 0 {
		t.First = e.TS
	}
	t.Last = e.TS
	t.Events++
	t.ByKind[e.Kind]++
	if e.Kind == KindTrade {
		t.Notional += e.Price * e.Qty
		if e.Side > 0 {
			t.BuyQty += e.Qty
		} else if e.Side < 0 {
			t.SellQty += e.Qty
		}
	}
}

// checkEvery is how many events the drain loop handles between context
// checks.
const checkEvery = 1 << 14

// Drain reads src to the end into a Tally, checking ctx every few thousand
// events. It does not close src.
func Drain(ctx context.Context, src Source) (Tally, error) {
	var t Tally
	for n := 0; src.Next(); n++ {
		if n&(checkEvery-1) == 0 {
			if err := ctx.Err(); err != nil {
				return t, err
			}
		}
		t.Add(src.Event())
	}
	return t, src.Err()
}
