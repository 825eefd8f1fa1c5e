// Package strategies holds the registry of built-in trading strategies:
// an explicit table (no init side effects) from the names scenarios use to
// each strategy's parameter spec and constructor. The strategies
// themselves live in sub-packages: macross (the moving-average crossover
// baseline) and storytrade (strategies that trade the mission's stories:
// a hypothesis signal with a stop, a target and a holding limit).
//
// cmd/ passes Specs to the scenario loader, and the pipeline calls New for
// every variant of a scenario's parameter grid.
package strategies
