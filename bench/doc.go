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
// The synthetic dataset is generated once and cached under
// $CASCADE_BENCH_DATA (default: a directory in the system temp dir).
package bench
