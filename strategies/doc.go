// Package strategies holds the built-in trading strategies and their
// explicit registry (Specs), built by cmd/ and passed to the scenario
// loader. The registry is empty until the strategy layer lands.
package strategies
