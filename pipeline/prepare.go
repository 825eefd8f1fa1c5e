package pipeline

import (
	"fmt"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/scenarios"
)

// Key identifies a run's inputs: a completed run with the same key has the
// same results.
type Key struct {
	ScenarioHash    string
	DataFingerprint string
	CodeVersion     string
}

// Job is a prepared scenario.
type Job struct {
	Scenario *scenarios.Scenario
	Kinds    []engine.Kind
	From, To engine.Nanos // half-open replay range
	Files    int          // data files in range
	Key      Key
}

// Prepare resolves the scenario's kinds and range and fingerprints the
// data files in it.
func Prepare(s *scenarios.Scenario, codeVersion string) (*Job, error) {
	j := &Job{Scenario: s, From: engine.FromTime(s.Data.Start), To: engine.FromTime(s.Data.End) + engine.Day}
	for _, k := range s.Data.Kinds {
		kind, err := engine.ParseKind(k)
		if err != nil {
			return nil, fmt.Errorf("%s: data.kinds: %w", s.Source, err)
		}
		j.Kinds = append(j.Kinds, kind)
	}
	fp, n, err := dataset.Fingerprint(s.Data.Root, s.Data.Exchange, s.Data.Symbol, j.Kinds, j.From, j.To)
	if err != nil {
		return nil, err
	}
	j.Files = n
	j.Key = Key{ScenarioHash: s.Hash, DataFingerprint: fp, CodeVersion: codeVersion}
	return j, nil
}
