// Package strategies will hold the built-in trading strategies and their
// explicit registry (implementations of the engine's Strategy interface).
// Nothing here yet.
package strategies
