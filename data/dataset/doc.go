// Package dataset defines Cascade's on-disk market dataset: a Hive-style
// partitioned tree of Parquet files, one directory per exchange, symbol,
// kind and UTC day:
//
//	<root>/exchange=<e>/symbol=<s>/kind=<k>/date=<YYYY-MM-DD>/part-<n>.parquet
//
// It holds the column layout of each kind (Trades, Bars, Funding, OI,
// Liquidations, Series), the writer that splits tables by day and writes
// them atomically (temporary file, then rename), a small reader for cold
// paths (ReadFile, used by importers to merge and de-duplicate), and the
// listing of day partitions in a time range. The hot streaming reader lives
// in data/parquetfeed.
//
// Units: timestamps are UTC, stored as Parquet TIMESTAMP(MICROS,
// isAdjustedToUTC=true) and carried in memory as engine.Nanos; prices are in
// quote currency, quantities in base units, notionals in quote, funding
// rates as a fraction per funding interval. docs/data-format.md is the
// user-facing description.
package dataset
