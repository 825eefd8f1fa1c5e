// Package stats holds the statistics Cascade's hypothesis tests use: pure,
// deterministic functions table-tested against known values.
//
//   - Stationary (Politis–Romano) bootstrap for autocorrelated series:
//     confidence intervals and p-values of a difference of means between
//     the outcomes at signal times and at all eligible times.
//     DiffOfMeans resamples point by point; BlockPlan draws each replicate
//     once as a list of blocks (start, length) and serves every test on
//     series of the same length and mean block length: from prefix sums
//     over the blocks (O(#blocks) per replicate, SumsPrefix), or, for
//     sparse events, from per-replicate coverage counts of the event
//     positions (Coverage). BootstrapTest turns replicate statistics into
//     the percentile interval and the recentred two-sided p-value.
//   - Wilson score intervals for hit rates.
//   - Equal-count quantile bins (QuantileEdges, Bin), which cut the
//     market state of the matched baseline into cells.
//   - Cohen's d effect size.
//   - Multiple-testing corrections across a run's family of tests:
//     Benjamini–Hochberg q-values and Bonferroni.
//   - Strategy performance of an equity curve (Perf: returns, CAGR,
//     volatility, Sharpe, Sortino, drawdown, Calmar; annualised on a
//     365.25-day year) with the probabilistic and deflated Sharpe ratios
//     that discount non-normal returns and the number of variants tried,
//     and per-trade win rate and profit factor (TradeStats).
//
// Randomness comes only from the *rand.Rand the caller passes, seeded from
// the scenario, so results are reproducible bit for bit. Distributions come
// from gonum. A BlockPlan is immutable after construction and safe for
// concurrent reads.
package stats
