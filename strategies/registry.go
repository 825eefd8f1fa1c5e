package strategies

import "github.com/cascade-research/cascade/engine"

// Specs returns the catalogue of built-in strategies, sorted by name.
// Scenarios may only name strategies listed here.
func Specs() []engine.Spec { return nil }
