// Package parquetfeed streams a Cascade dataset (see package data/dataset)
// as engine.Source iterators: one per kind, merged into one time-ordered
// stream by Open.
//
// It is the replay hot path. It reads Parquet with Arrow's low-level
// column-chunk readers (no Arrow record batches), decodes a batch of rows
// per column into reusable slices and yields events from them, so there is
// no heap allocation and no channel per event. Day partitions outside the
// requested range are never opened, row groups outside it are skipped by
// their ts statistics, and only one row group per kind is held in memory at
// a time, so memory does not grow with the length of the range.
//
// Every row is checked as it streams: timestamps in order within and
// across files, finite positive prices and quantities, sides of ±1,
// strictly increasing trade ids. A bad row stops the replay with an error
// naming the file, the row (0-based within the file) and the column.
//
// Bars replay as an intra-bar path when they are the price source (see
// docs/data-format.md): for a bar opening at t with interval d, four trade
// events flagged engine.FlagBarPath at t (open), t+d/3 (the extreme nearer
// to the open), t+2d/3 (the other extreme) and t+d-1ns (close, also flagged
// engine.FlagBarClose), each carrying a quarter of the bar's volume with the
// side of its move, then the engine.KindBar event itself at t+d.
//
// A Feed is not safe for concurrent use.
package parquetfeed
