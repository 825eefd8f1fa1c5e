// Package engine holds Cascade's core: market event types, the simulated
// clock (Nanos), the deterministic k-way merge of event sources and, in later
// layers, the event loop, the liquidation simulator and the statistics.
//
// The engine imports only the standard library. Storage lives in adapters
// (package data/... for inputs, results/... for outputs) that implement the
// small interfaces defined here, chiefly Source.
//
// Guarantees:
//   - Time is UTC nanoseconds taken from the data (Nanos); nothing in this
//     package reads the wall clock.
//   - Merge yields events in non-decreasing time. Events with equal
//     timestamps come out ordered by Kind (see Kind.Priority), then by the
//     index of their source in the slice given to Merge, then in source
//     order. The order is therefore fully deterministic.
//   - Nothing here is safe for concurrent use unless stated otherwise; one
//     goroutine owns one replay.
package engine
