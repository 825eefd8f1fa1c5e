// Package stats holds the statistics Cascade's hypothesis tests use: pure,
// deterministic functions table-tested against known values.
//
//   - Stationary (Politis–Romano) bootstrap for autocorrelated series:
//     confidence intervals and p-values of a difference of means between
//     the outcomes at signal times and at all eligible times.
//   - Wilson score intervals for hit rates.
//   - Cohen's d effect size.
//   - Multiple-testing corrections across a run's family of tests:
//     Benjamini–Hochberg q-values and Bonferroni.
//
// Randomness comes only from the *rand.Rand the caller passes, seeded from
// the scenario, so results are reproducible bit for bit. Distributions come
// from gonum.
package stats
