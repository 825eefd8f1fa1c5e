// Package bench holds Cascade's cross-component benchmarks, the ones `make
// bench` reports as ratios against a baseline measured in the same run
// (these machines are shared and noisy, so absolute times mean little):
//
//   - BenchmarkReplayVsDuckDB: single-core replay of the same synthetic
//     trades files (all trade columns decoded, merged with funding and OI)
//     against DuckDB's single-threaded scan of the same columns.
//   - BenchmarkPeakRSS: peak RSS of `cascade replay` over 1 month vs 12
//     months of the same dataset.
//
// `make bench` also runs two benchmarks that live next to their code in
// engine/strategy, over in-memory streams (data/memfeed):
//
//   - BenchmarkNoopStrategy: strategy.Run with one no-op variant against
//     the bare drain of the same stream, in the same loop; reports both
//     per event and their difference, ns/event-overhead (target <= 15).
//   - BenchmarkMACrossover4y1m: a 50/200 moving-average crossover, always
//     in the market, over four years of 1-minute bars replayed as bar
//     paths (about 10.5M events); reports s/run (target < 1).
//
// The synthetic dataset is generated once and cached under
// $CASCADE_BENCH_DATA (default: a directory in the system temp dir).
package bench
