// Package parquetfeed streams a Cascade dataset (see package data/dataset)
// as engine.Source iterators: one per kind, merged into one time-ordered
// stream by Open.
//
// It is the replay hot path. Arrow parses each file's footer, but the
// column chunks Cascade writes (INT64, INT32 and DOUBLE columns, REQUIRED
// or OPTIONAL DOUBLE, PLAIN or dictionary-encoded, uncompressed or zstd,
// data pages v1 or v2) are decoded by the package itself: a chunk's bytes
// are read with one ReadAt into a buffer the column reuses, its page
// headers are parsed here (pages.go), zstd pages are decompressed by a
// decoder the source owns into another reused buffer, PLAIN values are
// copied as bytes and dictionary indices are unpacked by a fast
// RLE/bit-packed decoder (rle.go) straight into the column's batch
// buffers (fastcol.go). Every other chunk — another codec or encoding,
// byte arrays, nesting, encryption, unusual page layouts — goes through
// Arrow's low-level column-chunk reader, chosen per chunk from its
// metadata and page headers before any of its rows is decoded; both paths
// yield bit-identical values (fast_test.go, rle_test.go). No Arrow record
// batches are built: a batch of rows per column is decoded into reusable
// slices and events are yielded from them, so there is no heap allocation
// and no channel per event. Day partitions outside the requested range
// are never opened, row groups outside it are skipped by their ts
// statistics, and only one row group per kind is held in memory at a time
// (its compressed chunks and one decompressed page per column), so memory
// does not grow with the length of the range.
//
// Every row is checked as it streams: timestamps in order within and
// across files, finite positive prices and quantities, sides of ±1,
// strictly increasing trade ids. (A dictionary-encoded price, qty or side
// column whose dictionary holds only valid values needs no per-row check.)
// A bad row stops the replay with an error naming the file, the row
// (0-based within the file) and the column.
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
