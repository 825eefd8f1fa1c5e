// Package pipeline wires one scenario through Cascade: dataset →
// parquetfeed → engine → result tables → DuckDB. It is the application
// layer the cascade command drives for `run` (one scenario) and `batch`
// (a scenario set, incremental, parallel, resumable, sharded).
//
// A run has three stages with different resource needs, kept apart so the
// results file is held only briefly:
//
//  1. Prepare: resolve the scenario's data range and fingerprint its files.
//     The run key (scenario hash, data fingerprint, code version) decides
//     whether a completed run already exists.
//  2. Compute: replay and evaluate, entirely in memory, with no database
//     open. Pure: the same scenario, data and code give the same tables
//     and digest.
//  3. Record: open the results file, append the rows and mark the run
//     completed in one transaction, close it.
package pipeline
