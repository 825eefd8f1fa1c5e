// Package results holds what a run produces, independent of where it is
// stored: run metadata (Run, Status), columnar result tables (Table) built
// from the engine's report, and the digest that proves two runs produced
// the same rows. The DuckDB store lives in results/duckdbsink; this package
// imports no storage driver.
//
// Tables are staged in memory while a run computes and handed to the store
// only when the run has finished, so a store holds its database file just
// long enough to commit one run's rows atomically.
package results
