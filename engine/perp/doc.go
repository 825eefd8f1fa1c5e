// Package perp holds the maths of USDⓈ-margined perpetual futures as
// Binance defines it: leverage/maintenance-margin brackets (tiers),
// maintenance margin, liquidation prices for isolated and cross margin, and
// funding rates and payments.
//
// Every formula is pinned to the test vectors in
// /work/shared/notes/perp-maths.md (freqtrade, jesse and Binance's worked
// examples), reproduced by this package's tests.
//
// Conventions:
//   - One-way mode. Side is +1 for a long and -1 for a short; quantities
//     (Q) are positive base units, prices are quote per base unit,
//     notionals and margins are in quote.
//   - Tiers are selected by notional |Q|·price, never by margin.
//   - Funding rates are fractions per funding interval (0.0001 = 0.01%);
//     a positive rate means longs pay shorts.
//
// The package is pure: it imports only the standard library, allocates
// nothing on its hot paths, reads no clock and holds no mutable global
// state, so every function is safe for concurrent use. Brackets values are
// read-only after construction.
package perp
