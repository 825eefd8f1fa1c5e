package perp

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.10g, want %.10g (±%g)", name, got, want, tol)
	}
}

// fixed is a one-tier table for vectors that quote MMR and cum directly.
func fixed(mmr, cum float64) Brackets {
	return Brackets{{Floor: 0, Cap: math.Inf(1), MaxLeverage: 125, MMR: mmr, Cum: cum}}
}

// Vectors A (freqtrade test_liquidation_price_binance, Binance's worked
// example): WB 1 535 443.01, all long.
const aWB = 1_535_443.01

var (
	aETH = Position{Side: Long, Qty: 3683.979, Entry: 1456.84}
	aBTC = Position{Side: Long, Qty: 109.488, Entry: 32481.98}
	eth  = fixed(0.10, 135_365)
	btc  = fixed(0.025, 16_300)
)

func TestLiquidationVectorsA(t *testing.T) {
	ethOther := []MarkedPosition{{Position: aETH, Mark: 1335.18, Brackets: eth}}
	btcOther := []MarkedPosition{{Position: aBTC, Mark: 31967.27, Brackets: btc}}
	tests := []struct {
		name            string
		pos             Position
		bs              Brackets
		others          []MarkedPosition
		expected, exact float64 // expected is rounded to 2 dp by freqtrade
	}{
		{"A1 iso ETH", aETH, eth, nil, 1114.78, 1114.78496},
		{"A2 iso BTC", aBTC, btc, nil, 18778.73, 18778.72593},
		{"A3 cross ETH", aETH, eth, btcOther, 1153.26, 1153.25646},
		{"A4 cross BTC", aBTC, btc, ethOther, 26316.89, 26316.89326},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmm, upnl := CrossTerms(tc.others)
			b := tc.bs[0]
			lp := LiquidationPrice(tc.pos.Side, tc.pos.Qty, tc.pos.Entry, aWB, tmm, upnl, b)
			near(t, "LP", lp, tc.exact, 5e-5)
			near(t, "LP vs freqtrade", lp, tc.expected, 0.005)
			lp2, _ := tc.bs.CrossLiquidationPrice(tc.pos, aWB, tc.others)
			near(t, "Brackets.CrossLiquidationPrice", lp2, lp, 1e-9)
		})
	}
	t.Run("A3 intermediates", func(t *testing.T) {
		tmm, upnl := CrossTerms(btcOther)
		near(t, "TMM1", tmm, 71_200.81144, 0.005)
		near(t, "UPNL1", upnl, -56_354.57, 0.005)
	})
	t.Run("A4 intermediates", func(t *testing.T) {
		tmm, upnl := CrossTerms(ethOther)
		near(t, "TMM1", tmm, 356_512.508, 0.005)
		near(t, "UPNL1", upnl, -448_192.89, 0.005)
	})
}

// Vectors B (freqtrade test_get_liquidation_price, Binance rows): MMR =
// cum = 0.01, WB = Q·EP/L. freqtrade compares with pytest.approx; its
// (3, 10, 1) short value differs from the exact formula by 3.3e-11.
func TestLiquidationVectorsB(t *testing.T) {
	tests := []struct {
		side       Side
		lev, ep, q float64
		want       float64
	}{
		{Short, 5, 10, 1, 11.89108910891089},
		{Short, 3, 10, 1, 13.211221122079207},
		{Short, 5, 8, 1, 9.514851485148514},
		{Short, 5, 10, 0.6, 11.897689768976898},
		{Long, 5, 10, 1, 8.070707070707071},
		{Long, 5, 8, 1, 6.454545454545454},
		{Long, 3, 10, 1, 6.723905723905723},
		{Long, 5, 10, 0.6, 8.063973063973064},
	}
	bs := fixed(0.01, 0.01)
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s L%g EP%g Q%g", tc.side, tc.lev, tc.ep, tc.q), func(t *testing.T) {
			wb := tc.q * tc.ep / tc.lev
			near(t, "LP", LiquidationPrice(tc.side, tc.q, tc.ep, wb, 0, 0, bs[0]), tc.want, 5e-11)
			lp, _ := bs.IsolatedLiquidationPrice(tc.side, tc.q, tc.ep, wb)
			near(t, "Brackets.IsolatedLiquidationPrice", lp, tc.want, 5e-11)
		})
	}
}

// Vectors C (jesse TestLiquidationInIsolatedMode{Long,Short}Trade): the
// shortcut with MMR 0.004, and the exact price with WB = Q·EP/L.
func TestLiquidationVectorsC(t *testing.T) {
	tests := []struct {
		side            Side
		ep, q, lev      float64
		shortcut, exact float64
	}{
		{Long, 80, 250, 2, 40.32, 40.1606},
		{Short, 10, 2000, 2, 14.96, 14.9402},
	}
	for _, tc := range tests {
		t.Run(tc.side.String(), func(t *testing.T) {
			near(t, "shortcut", ShortcutLiquidationPrice(tc.side, tc.ep, tc.lev, 0.004), tc.shortcut, 1e-9)
			wb := tc.q * tc.ep / tc.lev
			if wb != 10_000 {
				t.Fatalf("WB = %v, want 10 000", wb)
			}
			near(t, "exact", LiquidationPrice(tc.side, tc.q, tc.ep, wb, 0, 0, Bracket{MMR: 0.004}), tc.exact, 5e-5)
			near(t, "simple", SimpleIsolatedLiquidationPrice(tc.side, tc.ep, tc.lev, 0.004), tc.exact, 5e-5)
		})
	}
}

// The EP 60 000, 10x, MMR 0.4% example: shortcut vs exact, and the gap
// formula EP·MMR·(1/L − MMR)/(1 − s·MMR).
func TestShortcutGap(t *testing.T) {
	const ep, lev, mmr = 60_000.0, 10.0, 0.004
	tests := []struct {
		side            Side
		shortcut, exact float64
	}{
		{Long, 54_240, 54_216.87},
		{Short, 65_760, 65_737.05},
	}
	for _, tc := range tests {
		t.Run(tc.side.String(), func(t *testing.T) {
			sc := ShortcutLiquidationPrice(tc.side, ep, lev, mmr)
			ex := SimpleIsolatedLiquidationPrice(tc.side, ep, lev, mmr)
			near(t, "shortcut", sc, tc.shortcut, 1e-6)
			near(t, "exact", ex, tc.exact, 0.005)
			s := tc.side.Sign()
			near(t, "gap", sc-ex, ep*mmr*(1/lev-mmr)/(1-s*mmr), 1e-6)
			if sc-ex <= 0 {
				t.Errorf("shortcut − exact = %v, want > 0", sc-ex)
			}
			// The same position through the BTCUSDT table (notional 6 000
			// stays in tier 1, cum 0).
			q := 0.1
			lp, b := BinanceBTCUSDT2024.IsolatedLiquidationPrice(tc.side, q, ep, q*ep/lev)
			near(t, "tiered", lp, ex, 1e-6)
			if b.MMR != mmr {
				t.Errorf("tier MMR = %v, want %v", b.MMR, mmr)
			}
		})
	}
}

func TestBinanceBTCUSDT2024(t *testing.T) {
	want := []struct{ floor, cap, lev, mmr, cum float64 }{
		{0, 50e3, 125, 0.004, 0},
		{50e3, 600e3, 100, 0.005, 50},
		{600e3, 3e6, 75, 0.0065, 950},
		{3e6, 12e6, 50, 0.01, 11_450},
		{12e6, 70e6, 25, 0.02, 131_450},
		{70e6, 100e6, 20, 0.025, 481_450},
		{100e6, 230e6, 10, 0.05, 2_981_450},
		{230e6, 480e6, 5, 0.10, 14_481_450},
		{480e6, 600e6, 4, 0.125, 26_481_450},
		{600e6, 800e6, 3, 0.15, 41_481_450},
		{800e6, 1.2e9, 2, 0.25, 121_481_450},
		{1.2e9, 1.8e9, 1, 0.50, 421_481_450},
	}
	bs := BinanceBTCUSDT2024
	if len(bs) != len(want) {
		t.Fatalf("%d tiers, want %d", len(bs), len(want))
	}
	for i, w := range want {
		b := bs[i]
		if b.Floor != w.floor || b.Cap != w.cap || b.MaxLeverage != w.lev || b.MMR != w.mmr {
			t.Errorf("tier %d = %+v, want %+v", i+1, b, w)
		}
		near(t, fmt.Sprintf("tier %d cum", i+1), b.Cum, w.cum, 1e-6)
	}
	if err := bs.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLookup(t *testing.T) {
	bs := BinanceBTCUSDT2024
	tests := []struct {
		notional float64
		mmr      float64
	}{
		{0, 0.004}, {1, 0.004}, {50_000, 0.004}, {50_000.01, 0.005}, {-60_000, 0.005},
		{599_999, 0.005}, {600_001, 0.0065}, {264_000, 0.005}, {5e6, 0.01}, {1.8e9, 0.5}, {5e9, 0.5},
	}
	for _, tc := range tests {
		if got := bs.Lookup(tc.notional).MMR; got != tc.mmr {
			t.Errorf("Lookup(%v).MMR = %v, want %v", tc.notional, got, tc.mmr)
		}
	}
	if got := bs.MaxNotional(125); got != 50_000 {
		t.Errorf("MaxNotional(125) = %v, want 50 000", got)
	}
	if got := bs.MaxNotional(20); got != 100e6 {
		t.Errorf("MaxNotional(20) = %v, want 100M", got)
	}
	if got := bs.MaxNotional(200); got != 0 {
		t.Errorf("MaxNotional(200) = %v, want 0", got)
	}
}

// MM must be continuous at every tier boundary: both adjacent tiers give
// the same MM at notional = floor.
func TestMaintenanceMarginContinuous(t *testing.T) {
	tables := map[string]Brackets{"BinanceBTCUSDT2024": BinanceBTCUSDT2024}
	// The 2021-03-18 table (Binance FAQ examples): 264k → 1%, MM at
	// 500k = 5 000 − 1 300 = 3 700.
	old, err := NewBrackets([]Bracket{
		{0, 50e3, 125, 0.004, 0}, {50e3, 250e3, 100, 0.005, 0}, {250e3, 1e6, 50, 0.01, 0},
		{1e6, 10e6, 20, 0.025, 0}, {10e6, 20e6, 10, 0.05, 0}, {20e6, 50e6, 5, 0.10, 0},
		{50e6, 100e6, 4, 0.125, 0}, {100e6, 200e6, 3, 0.15, 0}, {200e6, 300e6, 2, 0.25, 0}, {300e6, 500e6, 1, 0.5, 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	tables["Binance2021"] = old
	near(t, "2021 cum tier 3", old[2].Cum, 1300, 1e-9)
	near(t, "2021 cum tier 4", old[3].Cum, 16_300, 1e-9)
	near(t, "2021 MM at 500k", old.MaintenanceMargin(10, 50_000), 3700, 1e-9)
	if got := old.Lookup(264_000).MMR; got != 0.01 {
		t.Errorf("2021 Lookup(264k).MMR = %v, want 0.01", got)
	}
	for name, bs := range tables {
		for i := 1; i < len(bs); i++ {
			f := bs[i].Floor
			lo := bs[i-1].MaintenanceMargin(1, f)
			hi := bs[i].MaintenanceMargin(1, f)
			near(t, fmt.Sprintf("%s MM at %v", name, f), hi, lo, 1e-6*math.Max(1, lo))
			// And through the table, just either side of the boundary: the
			// change is only the slope times the step, no jump.
			eps := f * 1e-9
			a, b := bs.MaintenanceMargin(1, f-eps), bs.MaintenanceMargin(1, f+eps)
			near(t, fmt.Sprintf("%s MM jump at %v", name, f), b-a, 0, 2*eps*bs[i].MMR+1e-6)
		}
	}
}

func TestValidate(t *testing.T) {
	good := BinanceBTCUSDT2024
	mut := func(f func(bs Brackets)) Brackets {
		bs := append(Brackets(nil), good...)
		f(bs)
		return bs
	}
	bad := map[string]Brackets{
		"empty":     {},
		"cum":       mut(func(bs Brackets) { bs[3].Cum += 1 }),
		"gap":       mut(func(bs Brackets) { bs[2].Floor += 1 }),
		"mmr order": mut(func(bs Brackets) { bs[2].MMR = 0.001 }),
		"floor":     mut(func(bs Brackets) { bs[0].Floor = 1 }),
		"leverage":  mut(func(bs Brackets) { bs[1].MaxLeverage = 200 }),
	}
	for name, bs := range bad {
		if err := bs.Validate(); !errors.Is(err, ErrBadBrackets) {
			t.Errorf("%s: Validate() = %v, want ErrBadBrackets", name, err)
		}
	}
	if _, err := NewBrackets([]Bracket{{Floor: 0, Cap: 10, MaxLeverage: 10, MMR: 1.5}}); !errors.Is(err, ErrBadBrackets) {
		t.Errorf("NewBrackets(MMR 1.5) = %v, want ErrBadBrackets", err)
	}
}

// At the tiered liquidation price, equity equals maintenance margin with the
// tier of the liquidation notional, including when the entry notional is in
// another tier.
func TestTieredLiquidationConsistent(t *testing.T) {
	bs := BinanceBTCUSDT2024
	check := func(t *testing.T, side Side, q, ep, lev float64) {
		t.Helper()
		wb := q * ep / lev
		lp, b := bs.IsolatedLiquidationPrice(side, q, ep, wb)
		if lp <= 0 {
			return
		}
		if got := bs.Lookup(q * lp); got != b {
			t.Errorf("%v Q%v EP%v L%v: tier used MMR %v, LP notional's tier MMR %v", side, q, ep, lev, b.MMR, got.MMR)
		}
		equity := wb + side.Sign()*q*(lp-ep)
		mm := bs.MaintenanceMargin(q, lp)
		near(t, fmt.Sprintf("%v Q%v EP%v L%v equity−MM", side, q, ep, lev), equity-mm, 0, 1e-6*math.Max(1, mm))
	}
	// Entry notional 55 000 (tier 2) liquidating below 50 000 (tier 1).
	t.Run("tier change long", func(t *testing.T) {
		q := 55_000.0 / 60_000
		lp, b := bs.IsolatedLiquidationPrice(Long, q, 60_000, 55_000/10)
		if b.MMR != 0.004 {
			t.Errorf("tier MMR %v, want 0.004 (LP notional %v)", b.MMR, q*lp)
		}
		check(t, Long, q, 60_000, 10)
	})
	t.Run("tier change short", func(t *testing.T) {
		q := 49_000.0 / 60_000
		_, b := bs.IsolatedLiquidationPrice(Short, q, 60_000, 49_000/10)
		if b.MMR != 0.005 {
			t.Errorf("tier MMR %v, want 0.005", b.MMR)
		}
		check(t, Short, q, 60_000, 10)
	})
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		side := Long
		if r.IntN(2) == 0 {
			side = Short
		}
		lev := []float64{1, 2, 3, 5, 10, 20, 25, 50, 75, 100, 125}[r.IntN(11)]
		ep := 1000 + r.Float64()*99_000
		notional := math.Exp(r.Float64() * math.Log(1.5e9))
		check(t, side, notional/ep, ep, lev)
	}
}

func TestFundingRate(t *testing.T) {
	tests := []struct{ p, want float64 }{
		{0.0003, 0.0001}, {-0.0002, 0.0001}, {0.0010, 0.0005}, {-0.0010, -0.0005},
		{0.0001, 0.0001}, {0.0006, 0.0001}, {0.0007, 0.0002}, {-0.0004, 0.0001}, {-0.0005, 0},
	}
	for _, tc := range tests {
		near(t, fmt.Sprintf("FundingRate(%v)", tc.p), FundingRate(tc.p, DefaultInterestRate), tc.want, 1e-15)
	}
}

// freqtrade funding vectors: cash to a short; a long gets the negation.
func TestFundingPayment(t *testing.T) {
	tests := []struct {
		name    string
		q, mark float64
		rates   []float64
		want    float64
	}{
		{"10@2.0", 10, 2.0, []float64{1e-4}, 0.002},
		{"10@2.5", 10, 2.5, []float64{2e-4}, 0.005},
		{"30 both", 30, 2.77, []float64{-8e-6, -3e-6}, -0.0009141},
		{"30 08:00 only", 30, 2.77, []float64{-3e-6}, -0.0002493},
		{"30 00:00 only", 30, 2.77, []float64{-8e-6}, -0.0006648},
		{"50 both", 50, 2.77, []float64{-8e-6, -3e-6}, -0.0015235},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var short, long, paid float64
			for _, f := range tc.rates {
				short += FundingCashflow(Short, tc.q, tc.mark, f)
				long += FundingCashflow(Long, tc.q, tc.mark, f)
				paid += FundingPayment(tc.q, tc.mark, f)
			}
			near(t, "short", short, tc.want, 1e-12)
			near(t, "long", long, -tc.want, 1e-12)
			near(t, "payment", paid, tc.want, 1e-12)
		})
	}
}
