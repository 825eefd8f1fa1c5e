package strategy

import (
	"math"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/engine/perp"
)

func TestFees(t *testing.T) {
	t.Run("taker", func(t *testing.T) {
		// Buy 0.1 at the next trade (50 000), close at 52 000.
		p := &plan{at: map[int][]Order{0: {buy(0.1)}, 2: {{Tag: "close"}}}}
		res := run1(t, trades(50_000, 50_000, 51_000, 52_000), p, DefaultAccountConfig())
		if len(res.Fills) != 2 {
			t.Fatalf("%d fills, want 2: %+v", len(res.Fills), res.Fills)
		}
		f0, f1 := res.Fills[0], res.Fills[1]
		near(t, "entry price", f0.Price, 50_000, 0)
		near(t, "entry fee", f0.Fee, 2.5, 1e-12)
		near(t, "exit price", f1.Price, 52_000, 0)
		near(t, "exit fee", f1.Fee, 2.6, 1e-12)
		near(t, "realized", f1.RealizedPnL, 200, 1e-9)
		if f0.Liquidity != Taker || f1.Liquidity != Taker {
			t.Errorf("liquidity %s, %s, want taker", f0.Liquidity, f1.Liquidity)
		}
		near(t, "balance", res.Summary.EndEquity, 10_000-2.5+200-2.6, 1e-9)
		near(t, "Summary.Fees", res.Summary.Fees, 5.1, 1e-12)
		near(t, "ledger fees", kindSum(res.Ledger, CashFee), -5.1, 1e-12)
		if res.Summary.Trades != 1 || res.Summary.WinningTrades != 1 || len(res.RoundTrips) != 1 {
			t.Errorf("summary %+v", res.Summary)
		}
		near(t, "round trip PnL", res.RoundTrips[0].PnL, 200-5.1, 1e-9)
	})
	t.Run("maker", func(t *testing.T) {
		lim := Order{Type: Limit, Side: perp.Long, Qty: 0.1, Price: 49_000}
		p := &plan{at: map[int][]Order{0: {lim}}}
		res := run1(t, trades(50_000, 49_000, 48_999), p, DefaultAccountConfig())
		if len(res.Fills) != 1 {
			t.Fatalf("%d fills, want 1", len(res.Fills))
		}
		f := res.Fills[0]
		near(t, "price", f.Price, 49_000, 0)
		near(t, "fee", f.Fee, 0.98, 1e-12)
		if f.Liquidity != Maker || f.TS != t0+2*engine.Second {
			t.Errorf("fill %+v, want maker at the third trade", f)
		}
	})
}

// The freqtrade funding vectors (perp-maths.md): cash to a short; a long
// gets the negation. Only events while the position is open count.
func TestFundingVectors(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name  string
		side  perp.Side
		q     float64
		mark  float64
		rates []float64 // funding events while open
		pre   float64   // a funding event before the position opens (0: none)
		post  float64   // one after it closes (0: none)
		mk    float64   // the events' mark (NaN: use the last trade)
		want  float64
	}{
		{"10@2.0", perp.Short, 10, 2.0, []float64{1e-4}, 0, 0, 2.0, 0.002},
		{"10@2.5", perp.Short, 10, 2.5, []float64{2e-4}, 0, 0, 2.5, 0.005},
		{"30 both", perp.Short, 30, 2.77, []float64{-8e-6, -3e-6}, 0, 0, 2.77, -0.0009141},
		{"30 08:00 only", perp.Short, 30, 2.77, []float64{-3e-6}, -8e-6, 0, 2.77, -0.0002493},
		{"30 00:00 only", perp.Short, 30, 2.77, []float64{-8e-6}, 0, -3e-6, 2.77, -0.0006648},
		{"50 both", perp.Short, 50, 2.77, []float64{-8e-6, -3e-6}, 0, 0, 2.77, -0.0015235},
		{"long 10@2.0", perp.Long, 10, 2.0, []float64{1e-4}, 0, 0, 2.0, -0.002},
		{"mark NaN uses last", perp.Short, 30, 2.77, []float64{-8e-6, -3e-6}, 0, 0, nan, -0.0009141},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var evs []engine.Event
			ts := t0
			add := func(e engine.Event) { evs = append(evs, e); ts += engine.Second }
			add(trade(ts, tc.mark))
			if tc.pre != 0 {
				add(funding(ts, tc.pre, tc.mk))
			}
			open := len(evs) - 1 // submit after this event
			add(trade(ts, tc.mark))
			for _, r := range tc.rates {
				add(funding(ts, r, tc.mk))
			}
			closeAt := len(evs) - 1
			add(trade(ts, tc.mark))
			if tc.post != 0 {
				add(funding(ts, tc.post, tc.mk))
			}
			o := Order{Type: Market, Side: tc.side, Qty: tc.q}
			p := &plan{at: map[int][]Order{open: {o}, closeAt: {{Tag: "close"}}}}
			res := run1(t, evs, p, zeroFees())
			near(t, "funding", kindSum(res.Ledger, CashFunding), tc.want, 1e-12)
			near(t, "Summary.Funding", res.Summary.Funding, tc.want, 1e-12)
			near(t, "balance", res.Summary.EndEquity, 10_000+tc.want, 1e-9)
		})
	}
}

// oneTier is a single-tier table (MMR, cum 0).
func oneTier(mmr float64) perp.Brackets {
	return perp.Brackets{{Floor: 0, Cap: math.Inf(1), MaxLeverage: 125, MMR: mmr}}
}

// a2Tiers puts vector A2's position (notional 3.56M) in a tier with MMR
// 2.5% and cum 16 300: floor 815 000 above a 0.5% tier.
var a2Tiers = func() perp.Brackets {
	bs, err := perp.NewBrackets([]perp.Bracket{
		{Floor: 0, Cap: 815_000, MaxLeverage: 125, MMR: 0.005},
		{Floor: 815_000, Cap: math.Inf(1), MaxLeverage: 10, MMR: 0.025},
	})
	if err != nil {
		panic(err)
	}
	return bs
}()

// Liquidation prices of positions opened through the account, pinned to
// the perp-maths.md vectors.
func TestLiquidationPriceVectors(t *testing.T) {
	const a2WB, a2Q, a2EP = 1_535_443.01, 109.488, 32481.98
	// BTCUSDT tier 2 (MMR 0.5%, cum 50), 10x long of 2 @ 60 000:
	// LP = (12 000 + 50 − 120 000) / (2·0.005 − 2).
	tier2 := (12_000 + 50 - 120_000) / (2*0.005 - 2)
	tests := []struct {
		name    string
		mode    MarginMode
		bs      perp.Brackets
		capital float64
		lev     float64
		side    perp.Side
		q, ep   float64
		want    float64
		tol     float64
	}{
		{"C long iso (jesse)", Isolated, oneTier(0.004), 10_000, 2, perp.Long, 250, 80, 40.1606, 5e-5},
		{"C short iso (jesse)", Isolated, oneTier(0.004), 10_000, 2, perp.Short, 2000, 10, 14.9402, 5e-5},
		{"C long cross WB 10 000", Cross, oneTier(0.004), 10_000, 2, perp.Long, 250, 80, 40.1606, 5e-5},
		{"C short cross WB 10 000", Cross, oneTier(0.004), 10_000, 2, perp.Short, 2000, 10, 14.9402, 5e-5},
		{"BTCUSDT 10x long iso", Isolated, nil, 10_000, 10, perp.Long, 0.1, 60_000, 54_216.87, 0.005},
		{"BTCUSDT 10x short iso", Isolated, nil, 10_000, 10, perp.Short, 0.1, 60_000, 65_737.05, 0.005},
		{"BTCUSDT 10x long cross WB 600", Cross, nil, 600, 10, perp.Long, 0.1, 60_000, 54_216.87, 0.005},
		{"BTCUSDT 10x short cross WB 600", Cross, nil, 600, 10, perp.Short, 0.1, 60_000, 65_737.05, 0.005},
		{"BTCUSDT tier 2 long iso", Isolated, nil, 20_000, 10, perp.Long, 2, 60_000, tier2, 1e-6},
		{"A2 iso (margin = WB)", Isolated, a2Tiers, a2WB + 1, a2Q * a2EP / a2WB, perp.Long, a2Q, a2EP, 18778.72593, 5e-5},
		{"A2 cross (wallet = WB)", Cross, a2Tiers, a2WB, 10, perp.Long, a2Q, a2EP, 18778.72593, 5e-5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ac := AccountConfig{Capital: tc.capital, Margin: tc.mode, Leverage: tc.lev, Brackets: tc.bs}
			var lp float64
			s := &script{event: func(c *Context, e *engine.Event) error {
				switch c.Account().Position() {
				case 0:
					if c.NumOpenOrders() == 0 {
						if _, err := c.Submit(Order{Type: Market, Side: tc.side, Qty: tc.q}); err != nil {
							return err
						}
					}
				default:
					lp = c.Account().LiquidationPrice()
				}
				return nil
			}}
			res := run1(t, trades(tc.ep, tc.ep, tc.ep), s, ac)
			if len(res.Fills) != 1 {
				t.Fatalf("fills %+v, orders %+v", res.Fills, res.Orders)
			}
			near(t, "LP", lp, tc.want, tc.tol)
		})
	}
}

func TestOwnLiquidation(t *testing.T) {
	lpLong := perp.SimpleIsolatedLiquidationPrice(perp.Long, 60_000, 10, 0.004)   // 54 216.87
	lpShort := perp.SimpleIsolatedLiquidationPrice(perp.Short, 60_000, 10, 0.004) // 65 737.05
	mm := func(lp float64) float64 { return 0.1 * lp * 0.004 }
	tests := []struct {
		name    string
		mode    MarginMode
		capital float64
		taker   float64
		liqFee  float64
		side    perp.Side
		prices  []float64 // open at prices[1]; funding (rate, at index 3) if fund != 0
		fund    float64
		price   float64 // expected liquidation fill price
		fee     float64 // expected liquidation fee
		ins     float64 // expected insurance-fund cashflow
		balance float64 // expected wallet after
	}{
		{"iso long, fee capped at the margin left", Isolated, 10_000, 0.0005, DefaultLiquidationFee, perp.Long,
			[]float64{60_000, 60_000, 55_000, 54_000, 53_000}, 0,
			lpLong, mm(lpLong), 0, 10_000 - 3 - 600},
		{"iso long, rest of the margin to the insurance fund", Isolated, 10_000, 0.0005, 0.001, perp.Long,
			[]float64{60_000, 60_000, 55_000, 54_000, 53_000}, 0,
			lpLong, 0.1 * lpLong * 0.001, -(mm(lpLong) - 0.1*lpLong*0.001), 10_000 - 3 - 600},
		{"iso short", Isolated, 10_000, 0, 0.001, perp.Short,
			[]float64{60_000, 60_000, 65_000, 66_000}, 0,
			lpShort, 0.1 * lpShort * 0.001, -(mm(lpShort) - 0.1*lpShort*0.001), 10_000 - 600},
		{"cross long, wallet = margin: fee takes the rest", Cross, 600, 0, DefaultLiquidationFee, perp.Long,
			[]float64{60_000, 60_000, 55_000, 54_000}, 0,
			lpLong, mm(lpLong), 0, 0},
		{"cross long, remainder stays in the wallet", Cross, 600, 0, 0.001, perp.Long,
			[]float64{60_000, 60_000, 55_000, 54_000}, 0,
			lpLong, 0.1 * lpLong * 0.001, 0, mm(lpLong) - 0.1*lpLong*0.001},
		// Funding (0.5% at 54 400) takes 27.2 from the margin and moves the
		// LP above the price: the next trade liquidates at its own price.
		{"iso long, funding moves the LP past the price", Isolated, 10_000, 0, DefaultLiquidationFee, perp.Long,
			[]float64{60_000, 60_000, 54_400, 54_450}, 0.005,
			54_450, 572.8 - 555, 0, 10_000 - 600},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs := trades(tc.prices...)
			if tc.fund != 0 {
				f := funding(evs[2].TS+engine.Millisecond, tc.fund, evs[2].Price)
				evs = append(evs[:3:3], append([]engine.Event{f}, evs[3:]...)...)
			}
			// A resting order, cancelled by the liquidation.
			rest := Order{Type: Limit, Side: tc.side, Qty: 0.01, Price: 1000, Tag: "rest"}
			if tc.side == perp.Short {
				rest.Price = 1e6
			}
			p := &plan{at: map[int][]Order{0: {{Type: Market, Side: tc.side, Qty: 0.1}, rest}}}
			ac := AccountConfig{Capital: tc.capital, Margin: tc.mode, Leverage: 10, TakerFee: tc.taker, LiquidationFee: tc.liqFee}
			res := run1(t, evs, p, ac)
			if len(res.Fills) != 2 || !res.Fills[1].Liquidation {
				t.Fatalf("fills %+v", res.Fills)
			}
			f := res.Fills[1]
			near(t, "liquidation price", f.Price, tc.price, 1e-6)
			near(t, "liquidation fee", f.Fee, tc.fee, 1e-6)
			near(t, "ledger liquidation_fee", kindSum(res.Ledger, CashLiquidationFee), -tc.fee, 1e-6)
			near(t, "ledger insurance_fund", kindSum(res.Ledger, CashInsuranceFund), tc.ins, 1e-6)
			near(t, "realized", f.RealizedPnL, tc.side.Sign()*0.1*(tc.price-60_000), 1e-6)
			near(t, "balance", res.Summary.EndEquity, tc.balance, 1e-6)
			near(t, "balance = capital + Σ ledger", ledgerSum(tc.capital, res.Ledger), res.Summary.EndEquity, 1e-9)
			if res.Summary.Liquidations != 1 || !res.RoundTrips[0].Liquidated {
				t.Errorf("summary %+v, round trips %+v", res.Summary, res.RoundTrips)
			}
			if r := res.Orders[1]; r.Tag != "rest" || r.Status != StatusCancelled || r.Reason != "liquidated" {
				t.Errorf("resting order %+v, want cancelled by the liquidation", r)
			}
			if r := res.Orders[len(res.Orders)-1]; r.Tag != "liquidation" || r.Status != StatusFilled || r.ID != f.OrderID {
				t.Errorf("liquidation order %+v", r)
			}
		})
	}
}

// Funding in isolated mode is paid from the position margin and moves the
// liquidation price; in cross mode it changes the wallet, which moves it
// too.
func TestFundingMovesLiquidationPrice(t *testing.T) {
	for _, mode := range []MarginMode{Isolated, Cross} {
		t.Run(mode.String(), func(t *testing.T) {
			evs := trades(60_000, 60_000, 60_000)
			evs = append(evs[:2:2], funding(evs[1].TS+1, 0.001, 60_000), evs[2])
			var lps, margins []float64
			s := &script{event: func(c *Context, e *engine.Event) error {
				a := c.Account()
				if a.Position() == 0 && c.NumOpenOrders() == 0 {
					_, err := c.Submit(buy(0.1))
					return err
				}
				if a.Position() != 0 {
					lps = append(lps, a.LiquidationPrice())
					margins = append(margins, a.IsolatedMargin())
				}
				return nil
			}}
			ac := zeroFees()
			ac.Capital, ac.Margin, ac.Leverage = 600, mode, 10
			run1(t, evs, s, ac)
			if len(lps) != 3 {
				t.Fatalf("LPs %v", lps)
			}
			// Funding 0.1·60 000·0.001 = 6 paid by the long.
			want, _ := perp.BinanceBTCUSDT2024.IsolatedLiquidationPrice(perp.Long, 0.1, 60_000, 594)
			near(t, "LP after funding", lps[1], want, 1e-6)
			if mode == Isolated {
				near(t, "margin after funding", margins[1], 594, 1e-9)
			}
			if !(lps[1] > lps[0]) {
				t.Errorf("LP %v after funding, want above %v", lps[1], lps[0])
			}
		})
	}
}

func TestAccountConfigValidate(t *testing.T) {
	bad := []AccountConfig{
		{Capital: 0},
		{Capital: 100, Leverage: 200},
		{Capital: 100, Leverage: 0.5},
		{Capital: 100, TakerFee: -0.001},
		{Capital: 100, Margin: 7},
		{Capital: 100, LiquidationFee: 1.5},
		{Capital: 100, Impact: constImpact(0.1), CalibratedImpact: &liquidation.ImpactConfig{Coefficient: 1, Window: time.Hour}},
		{Capital: 100, CalibratedImpact: &liquidation.ImpactConfig{Coefficient: 1, Window: time.Second}},
	}
	for i, c := range bad {
		if err := c.WithDefaults().Validate(); err == nil {
			t.Errorf("config %d %+v: no error", i, c)
		}
	}
	if err := DefaultAccountConfig().Validate(); err != nil {
		t.Error(err)
	}
	d := AccountConfig{Capital: 1}.WithDefaults()
	if d.Margin != Isolated || d.Leverage != 1 || d.LiquidationFee != 0 || len(d.Brackets) != len(perp.BinanceBTCUSDT2024) {
		t.Errorf("defaults %+v", d)
	}
	if err := (AccountConfig{Capital: 1, LiquidationFee: -0.01}).WithDefaults().Validate(); err == nil {
		t.Error("negative liquidation fee: no error")
	}
}
