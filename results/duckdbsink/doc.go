// Package duckdbsink is Cascade's results store: a DuckDB database file
// researchers query with SQL (docs/results-schema.md documents the schema).
//
// Guarantees:
//   - Schema versioning: migrations under migrations/ are applied in order
//     on open and recorded in schema_migrations; a database newer than the
//     binary is refused.
//   - Atomic runs: a run's rows are appended with the DuckDB Appender inside
//     one transaction together with the update that marks the run
//     completed, so a failed, cancelled or killed run leaves no partial
//     rows and earlier runs intact.
//   - Short holds: DuckDB lets one process hold a file for writing and no
//     other process open it at all, so callers open the store only to
//     record a run's start and to commit its finished rows (seconds), and
//     compute everything before. Open retries on a lock conflict until its
//     timeout and then names the process holding the file.
//
// A Store is not safe for concurrent use; one goroutine owns it.
package duckdbsink
