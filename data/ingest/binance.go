package ingest

import (
	"fmt"
	"sort"
	"strings"
)

// binanceKinds maps the Binance public-data kinds (as in
// data.binance.vision paths) to the shipped mappings that read them.
var binanceKinds = map[string]string{
	"aggTrades":   "binance-aggtrades",
	"trades":      "binance-trades",
	"klines":      "binance-klines",
	"fundingRate": "binance-fundingrate",
	"metrics":     "binance-metrics",
}

// BinanceKinds lists the Binance public-data kinds BinanceMapping knows.
func BinanceKinds() []string {
	ks := make([]string, 0, len(binanceKinds))
	for k := range binanceKinds {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// BinanceMapping returns the shipped mapping for a Binance public-data
// kind: aggTrades, trades, klines, fundingRate or metrics. Each reads files
// with or without the header row and with ms or µs timestamps.
func BinanceMapping(kind string) (*Mapping, error) {
	name, ok := binanceKinds[kind]
	if !ok {
		return nil, fmt.Errorf("binance kind %q: want one of %s: %w", kind, strings.Join(BinanceKinds(), ", "), ErrBadInput)
	}
	return LoadMapping(name)
}
