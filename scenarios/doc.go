// Package scenarios loads, validates and hashes Cascade scenario files. The
// YAML files themselves live beside this package (scenarios/*.yaml).
//
// Loading is strict and happens only here, at the edge: viper reads the
// file, CASCADE_* environment variables and --set key=value overrides are
// applied (and recorded), every key is checked against the known schema
// (an unknown key, a wrong type, a bad date or duration, an out-of-range
// value or an unknown hypothesis or strategy is an error naming the file,
// the key path and what was expected), defaults are filled in, the result
// is validated, and an immutable Scenario is returned. Library code never
// sees viper.
//
// Scenario.Hash is a SHA-256 of the normalised scenario (canonical JSON of
// the struct with defaults applied, excluding the description and the
// results path), so the same experiment hashes the same whatever the key
// order, comments or spelling of defaults.
package scenarios
