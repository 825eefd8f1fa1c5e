// Package synth generates synthetic perpetual-futures markets: Cascade's
// embedded default data for the demo, tests and benchmarks, and the ground
// truth for validating the liquidation simulator and hypothesis
// statistics.
//
// Generate writes, per symbol and UTC day, through dataset.Writer:
//
//   - trades: ms timestamps, prices on the symbol's tick (0.1 for BTCUSDT),
//     heavy-tailed sizes, taker side, increasing trade ids;
//   - bars: 1-minute klines derived from those trades, with
//     taker_buy_volume (there is always at least one trade a minute);
//   - funding: 8-hourly at 00, 08 and 16 UTC, with the mark price;
//   - oi: every 5 minutes, in base units and quote value;
//
// and one ground-truth table per symbol at
// <out>/truth/exchange=<e>/symbol=<s>/truth.parquet (see TruthRow and the
// Truth* kinds).
//
// # Model
//
// The market advances minute by minute.
//
// Price. The 1-minute log return is drift + σ·ε with ε Student-t (4 degrees
// of freedom, unit variance) and σ² following a GARCH(1,1) on the minute
// returns (α 0.05, β 0.94), times an intraday/weekly activity profile and
// a regime multiplier. Regimes form a Markov chain: range (mean-reverting
// to its centre, low volatility, days), trend (drift up or down, up more
// likely below the start price, days) and crash (high volatility and a
// falling drift, about two hours).
//
// Trades. The number of trades in a minute is Poisson with an intensity
// that follows volatility and the size of the minute's move (scale 1 ≈ a
// million a day for BTCUSDT; volume does not depend on the scale, so
// smaller scales print larger trades). The mid follows a Brownian bridge
// through the trades to the minute's close; buys print at the ask tick and
// sells at the bid, and each taker's side leans towards the price step it
// prints on. Sizes are lognormal with a Pareto tail.
//
// Positioning. A book of leveraged, isolated-margin cohorts (side, entry,
// leverage from the buckets 2…125x, one representative account's size and
// margin) grows every 5 minutes: new positions split between the sides by
// a sentiment that follows the regime and recent returns, and between the
// leverage buckets by fixed weights; each cohort closes gradually (higher
// leverage sooner). Liquidation prices come from engine/perp on the
// BinanceBTCUSDT2024 tiers, and funding payments move them. Open interest
// is a slowly varying passive part plus the book, so it builds when
// positions are opened in trends and collapses when they are liquidated.
//
// Cascades. When a minute's low (high) crosses long (short) liquidation
// prices, those cohorts are liquidated: their forced orders print as a
// burst of taker trades at the extreme, open interest drops by exactly
// their size, and the next minute's price is pushed by the square-root
// impact Y·σ_day·sqrt(Q/V_day) of the forced quantity Q (half of it
// reverting over about 20 minutes). That push can cross further
// liquidation prices: the waves continue until the book runs out of
// positions in reach. A run of waves of one side (at most two quiet
// minutes apart) that liquidates at least 1% of open interest in at least
// three minutes and moves the price against that side is labelled
// long_cascade or short_cascade, whatever started it (detail names the
// trigger: organic, crash, or a planted episode). A run that passes the
// rule except for its size, with 0.25–1% of open interest, is labelled
// near_cascade: not a cascade, but a real burst that validation uses to
// score estimates with a size tolerance.
//
// Funding. The premium index follows the book's long/short imbalance
// (crowded longs bid the perpetual up) plus AR(1) noise; every 8 hours the
// rate is perp.FundingRate(mean premium, 0.01%), capped at ±0.3%.
//
// Planted episodes, one at a time, at random times:
//
//   - shock: a 1.5–3.5% push over a few minutes into the side with more
//     liquidations within 4%; any cascade comes from the book;
//   - spring (in a range): a sweep 0.15–0.8% below the 12-hour swing low
//     and a reclaim above it within a few bars (label spring);
//   - funding overheat: 1–3.5 days of long crowding (sentiment, more and
//     higher leverage) until funding reaches 0.05% twice, then a 3–6% long
//     squeeze (label funding_overheat when funding did reach 0.05% and
//     longs were liquidated);
//   - relief rally: the mirror image with crowded shorts, negative
//     funding and a squeeze upwards (label relief_rally).
//
// Null mode (Config.Null) plants nothing and cuts every link from
// positioning to price: no liquidations, no drift or range reversion, and
// sentiment, open interest and funding driven by their own random streams.
// Returns keep heavy tails and GARCH volatility (and vol regimes) but are
// independent of funding and open interest.
//
// # Guarantees
//
// Output depends only on the Config: every symbol draws from its own PCG
// streams (math/rand/v2) seeded by Config.Seed and a hash of the symbol
// name, nothing iterates a map, and the same Config writes byte-identical
// files. A symbol's data does not depend on which other symbols are
// generated, and a shorter End writes the same day files as a longer run
// (only truth rows near End can differ: events still running at End are
// closed or dropped). Generation
// streams day by day (memory is bounded by a few days of one symbol).
// Timestamps are UTC. Nothing here is safe for concurrent use except
// Generate itself, which may be called from several goroutines for
// different output directories.
package synth
