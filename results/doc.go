// Package results will hold Cascade's result records and the DuckDB results
// store researchers query with SQL (the next layer to be built; see
// docs/results-schema.md once it exists). Nothing here yet.
package results
