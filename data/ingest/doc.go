// Package ingest imports exchange dumps and vendor files (CSV, JSON lines,
// JSON) into a Cascade dataset (package data/dataset), driven by small YAML
// mappings. The mappings for Binance public data (data.binance.vision) and
// for every file of the shared real-data folder ship inside the package
// (mappings/*.yaml, see ShippedMappings); real.yaml is the manifest that
// says which shipped mapping reads which real file and where it goes
// (ImportReal). docs/ingest.md is the user guide.
//
// # Guarantees
//
// Idempotent merge. For each UTC day touched, Import reads the existing day
// file (dataset.ReadFile), merges the new rows, de-duplicates by key and
// sorts stably by time, then rewrites the day atomically
// (dataset.WriteFile). Keys: trades by trade id when the source has ids,
// else by the whole row (identical id-less trades collapse); bars, funding
// and oi by ts; liquidations by (ts, side); series by (ts, name). When rows
// with one key disagree, the newer one wins: incoming over the dataset, a
// later file over an earlier one, a later line over an earlier one; every
// losing row is counted in Stats.Conflicts and the first few are logged.
// A day whose merged content equals the file on disk is not rewritten, so
// importing the same files again changes nothing (not even mtimes). Rows
// within one timestamp are ordered by trade id, liquidated side (long
// first) or series name, so the bytes written do not depend on the order
// of imports (except for id-less trades with equal timestamps).
//
// Errors. A bad value is an *InputError naming the source file, the
// 1-based line (counting every line of the decompressed file, header and
// skipped lines included; for JSON the line where the record starts), the
// source column as the file names it (#n for a 0-based position) and what
// was expected; errors.Is(err, ErrBadInput) holds. Rows are checked with
// the dataset's own Validate rules (finite positive prices, |funding| <=
// 0.5, sides ±1, ...), bars additionally against their interval (a close
// time that disagrees, or an open time that is not a multiple of the
// interval in UTC — the usual symptom of a timezone mistake). Bad rows fail
// the import unless Options.SkipBad, which skips and counts them. Days
// merged before an error stay written; re-running after a fix is safe.
//
// Units and time. Timestamps are UTC and truncated to microseconds (the
// dataset's resolution). Epoch values must fall in [2000-01-01,
// 2100-01-01), which catches numbers read in the wrong unit. Values are
// stored as the mapping scales them: prices in quote, quantities in base
// units, funding as a fraction per interval. Bars are stamped at their open
// time; aggregated buckets (liquidations, OI, series) should be stamped
// when they become known — the shipped mappings shift bucket starts to
// bucket ends with timestamp.shift so a replay never sees them early.
//
// Memory and concurrency. Rows are buffered per day and merged when
// Options.MaxBufferedRows are held, so an import holds at most that many
// rows plus one day file; the result does not depend on the buffer size.
// An Import is single-goroutine; ImportReal runs independent (exchange,
// symbol, kind) groups on a few goroutines. Two imports must not write the
// same exchange/symbol/kind at the same time.
//
// # Mapping format
//
// A mapping is a YAML document; unknown keys are errors.
//
//	description: free text (shown by `cascade ingest mappings`)
//	kind: trades | bars | funding | oi | liquidations | series
//	format: csv (default) | jsonl | json
//	json_path: data.dataList     # json only: dotted path to the array of records ("" = top level)
//	header: true | false | auto  # csv; auto = the first line is a header if its timestamp does not parse
//	column_names: [a, b, c]      # csv: names for the positions; the header line, if any, is ignored
//	skip_lines: 1                # csv/jsonl: lines dropped first (banners)
//	delimiter: ","               # csv
//	timestamp:
//	  column: Date               # a header name / JSON key, or a 0-based position (an integer)
//	  format: "2006-01-02 15:04:05"  # unix_s | unix_ms | unix_us | unix_ns | auto | a Go layout
//	  tz: "+03:00"               # offset of naive text times (default UTC)
//	  shift: 1h                  # added to every time, e.g. to stamp a bucket at its end
//	columns:                     # target column: source column, or {column: ..., scale: ...}
//	  rate: {column: Funding Rate, scale: 1}
//	constants:                   # numeric targets the file lacks
//	  interval_hours: 8
//	series:                      # kind series: one row per entry per record
//	  - {name: fear_greed, column: fng_value, scale: 1}
//	interval: 1h                 # bars: fixed interval (default: file name, close_time, row spacing)
//	allow_unaligned: false       # bars: accept open times that are not multiples of the interval
//	skip_empty: false            # skip (and count) empty/null required values instead of failing
//
// Target columns by kind (optional ones in brackets):
//
//	trades:       price, qty, side | buyer_maker, [trade_id]
//	bars:         open, high, low, close, volume, [taker_buy_volume], [close_time]
//	funding:      rate, interval_hours, [mark_price]
//	oi:           oi and/or oi_value
//	liquidations: side + notional, or long_notional + short_notional (one record, two rows); [price]
//	series:       the series list
//
// side accepts buy/sell (trades: the taker's side), long/short (liquidated
// side; sell means a long was liquidated), 1/-1. buyer_maker is a boolean:
// true means the taker sold (side -1). Empty, null, NaN or NA values are
// "unknown" (NaN) for the optional float targets (mark_price,
// taker_buy_volume, oi, oi_value, price) and an error elsewhere unless
// skip_empty. "auto" timestamps take an epoch number's unit from its
// magnitude per value (< 1e11 s, < 1e14 ms, < 1e17 µs, else ns; so Binance
// files mixing ms and µs work) and otherwise try RFC 3339 and
// YYYY-MM-DD[ HH:MM[:SS]]. Input files may be gzip (detected by magic
// bytes, whatever the name) or a .zip holding one file; a UTF-8 byte-order
// mark is dropped. Rows may come in any order (some files are newest
// first): they are sorted when merged.
package ingest
