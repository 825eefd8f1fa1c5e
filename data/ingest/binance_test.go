package ingest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

const (
	t0ms = "1704067200000"    // 2024-01-01 00:00:00 UTC in ms
	t0us = "1704067200000000" // the same in µs
)

var t0 = utc(2024, 1, 1, 0, 0, 0, 0)

// TestBinance covers each Binance public-data kind with and without a
// header, with ms and µs timestamps, and as .csv, .zip and .gz.
func TestBinance(t *testing.T) {
	aggHeader := "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match\n"
	aggWant := []row{trade(t0, 42000.5, 0.01, -1, 100), trade(t0+500*engine.Millisecond+7*engine.Microsecond, 42001, 0.25, 1, 101),
		trade(utc(2024, 1, 2, 0, 0, 1, 0), 42002, 1, 1, 102)}
	tradeWant := []row{trade(t0, 42000.5, 0.01, -1, 7), trade(t0+engine.Second, 41999, 2, 1, 8)}
	klHeader := "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n"
	klRows := func(unit string) string {
		open2, close1, close2 := "1704067260000", "1704067259999", "1704067319999"
		if unit == "us" {
			open2, close1, close2 = "1704067260000000", "1704067259999999", "1704067319999999"
		}
		t0 := t0ms
		if unit == "us" {
			t0 = t0us
		}
		return t0 + ",42000,42100,41900,42050,12.5," + close1 + ",525000,100,6.25,262500,0\n" +
			open2 + ",42050,42060,42000,42010,3," + close2 + ",126000,30,1,42010,0\n"
	}
	klWant := []row{bar(t0, 42000, 42100, 41900, 42050, 12.5, 6.25), bar(t0+engine.Minute, 42050, 42060, 42000, 42010, 3, 1)}

	tests := []struct {
		name     string
		mapping  string
		file     string
		content  string
		interval time.Duration
		kind     engine.Kind
		want     []row
		wantIv   time.Duration
	}{
		{"aggTrades header ms", "binance-aggtrades", "BTCUSDT-aggTrades-2024-01-01.csv",
			aggHeader + "100,42000.5,0.01,1,1," + t0ms + ",true,true\n101,42001,0.25,2,3,1704067200500.007,false,true\n102,42002,1,4,4,1704153601000,False,True\n",
			0, engine.KindTrade, aggWant, 0},
		{"aggTrades no header us", "binance-aggtrades", "BTCUSDT-aggTrades-2024-01-01.csv",
			"100,42000.5,0.01,1,1," + t0us + ",True,True\n101,42001,0.25,2,3,1704067200500007,False,True\n102,42002,1,4,4,1704153601000000,False,True\n",
			0, engine.KindTrade, aggWant, 0},
		{"aggTrades zip mixed units", "binance-aggtrades", "BTCUSDT-aggTrades-2024-01.zip",
			"100,42000.5,0.01,1,1," + t0ms + ",true\n101,42001,0.25,2,3,1704067200500007,false\n102,42002,1,4,4,1704153601000,false\n",
			0, engine.KindTrade, aggWant, 0},
		{"trades header", "binance-trades", "BTCUSDT-trades-2024-01-01.csv",
			"id,price,qty,quote_qty,time,is_buyer_maker,is_best_match\n7,42000.5,0.01,420.005," + t0ms + ",true,true\n8,41999,2,83998,1704067201000,false,true\n",
			0, engine.KindTrade, tradeWant, 0},
		{"trades no header us gz", "binance-trades", "BTCUSDT-trades-2024-01-01.csv.gz",
			"7,42000.5,0.01,420.005," + t0us + ",True\n8,41999,2,83998,1704067201000000,False\n",
			0, engine.KindTrade, tradeWant, 0},
		{"klines header ms name interval", "binance-klines", "BTCUSDT-1m-2024-01-01.csv", klHeader + klRows("ms"), 0, engine.KindBar, klWant, time.Minute},
		{"klines no header us zip", "binance-klines", "BTCUSDT-1m-2024-01-01.zip", klRows("us"), 0, engine.KindBar, klWant, time.Minute},
		{"klines interval from close_time", "binance-klines", "klines.csv", klRows("ms"), 0, engine.KindBar, klWant, time.Minute},
		{"klines interval flag", "binance-klines", "klines.csv", klHeader + klRows("us"), time.Minute, engine.KindBar, klWant, time.Minute},
		{"fundingRate header", "binance-fundingrate", "BTCUSDT-fundingRate-2024-01.csv",
			"calc_time,funding_interval_hours,last_funding_rate\n" + t0ms + ",8,0.00010000\n1704096000000,8,-0.00002500\n",
			0, engine.KindFunding, []row{funding(t0, 0.0001, 8), funding(t0+8*engine.Hour, -0.000025, 8)}, 0},
		{"fundingRate no header us", "binance-fundingrate", "BTCUSDT-fundingRate-2024-01.csv",
			t0us + ",8,0.00010000\n1704096000000000,4,-0.00002500\n",
			0, engine.KindFunding, []row{funding(t0, 0.0001, 8), funding(t0+8*engine.Hour, -0.000025, 4)}, 0},
		{"metrics header", "binance-metrics", "BTCUSDT-metrics-2024-01-01.csv",
			"create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio\n" +
				"2024-01-01 00:05:00,BTCUSDT,80000.5,3400000000.25,1.2,1.3,1.4,1.5\n2024-01-01 00:10:00,BTCUSDT,80100,3410000000,1.2,1.3,1.4,1.5\n",
			0, engine.KindOI, []row{mk(t0+5*engine.Minute, 80000.5, 3400000000.25), mk(t0+10*engine.Minute, 80100, 3410000000)}, 0},
		{"metrics no header zip", "binance-metrics", "BTCUSDT-metrics-2024-01-01.zip",
			"2024-01-01 00:05:00,BTCUSDT,80000.5,3400000000.25,,,,\n",
			0, engine.KindOI, []row{mk(t0+5*engine.Minute, 80000.5, 3400000000.25)}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			root := dir + "/ds"
			path := writeInput(t, dir, tc.file, tc.content)
			o := opts(root)
			o.Interval = tc.interval
			st := run(t, mustMapping(t, tc.mapping), o, path)
			if st.Rows != len(tc.want) || st.Added != len(tc.want) || st.Kind != tc.kind {
				t.Errorf("stats %+v: want %d rows added of kind %s", st, len(tc.want), tc.kind)
			}
			got, last := readAll(t, root, tc.kind)
			checkRows(t, got, tc.want)
			if tc.wantIv != 0 {
				if b := last.(*dataset.Bars); b.Interval != tc.wantIv {
					t.Errorf("interval %s, want %s", b.Interval, tc.wantIv)
				}
			}
		})
	}
}

// TestBinanceKlinesIntervalMismatch: a close_time that disagrees with the
// interval given (flag or file name) is an error naming line and column.
func TestBinanceKlinesIntervalMismatch(t *testing.T) {
	dir := t.TempDir()
	path := writeInput(t, dir, "BTCUSDT-5m-2024-01-01.csv", t0ms+",1,1,1,1,1,1704067259999,1,1,1,1,0\n")
	_, err := Import(context.Background(), mustMapping(t, "binance-klines"), []string{path}, opts(dir+"/ds"))
	want := path + `:1: column "close_time": close time is 59.999s after the open, want the bar interval 5m0s (from the file name)`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err %v\nwant prefix %s", err, want)
	}
	if !errors.Is(err, ErrBadInput) {
		t.Errorf("not ErrBadInput: %v", err)
	}
}

func TestIntervalFromName(t *testing.T) {
	for name, want := range map[string]time.Duration{
		"BTCUSDT-1m-2024-01-01.zip":                           time.Minute,
		"BTCUSDT-4h-2024-01.csv":                              4 * time.Hour,
		"/x/y/BTC_USDT_USDT-5m-futures_2024-12-31.csv.gz":     5 * time.Minute,
		"BTCUSDT-1w-2024.csv":                                 7 * 24 * time.Hour,
		"BTCUSDT_1d_2017-08-17_2026-01-06.csv":                24 * time.Hour,
		"BTCUSDT-1mo-2024.csv":                                0,
		"BTCUSDT-aggTrades-2024-01-01.zip":                    0,
		"Binance_BTCUSDT_d_cryptodatadownload_2017-08-17.csv": 0,
	} {
		if got := IntervalFromName(name); got != want {
			t.Errorf("IntervalFromName(%q) = %s, want %s", name, got, want)
		}
	}
}
