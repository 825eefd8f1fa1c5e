package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
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

// Part is one exchange/symbol partition a job reads, with its kinds.
type Part struct {
	Exchange, Symbol string
	Kinds            []engine.Kind
}

// Job is a prepared scenario.
type Job struct {
	Scenario *scenarios.Scenario
	Kinds    []engine.Kind  // kinds of the main partition
	Extra    []Part         // further partitions merged into the stream
	Fallback []FallbackPart // partitions standing in for the main one on days it lacks a kind
	From, To engine.Nanos   // half-open replay range
	Files    int            // data files in range
	Key      Key
}

// Prepare resolves the scenario's kinds and range and fingerprints the
// data files in it, reading only the files whose hashes hashes (nil: none)
// does not know (dataset.Fingerprint).
func Prepare(s *scenarios.Scenario, codeVersion string, hashes dataset.Hashes) (*Job, error) {
	j := &Job{Scenario: s, From: engine.FromTime(s.Data.Start), To: engine.FromTime(s.Data.End) + engine.Day}
	for _, k := range s.Data.Kinds {
		kind, err := engine.ParseKind(k)
		if err != nil {
			return nil, fmt.Errorf("%s: data.kinds: %w", s.Source, err)
		}
		j.Kinds = append(j.Kinds, kind)
	}
	fp, n, err := dataset.Fingerprint(s.Data.Root, s.Data.Exchange, s.Data.Symbol, j.Kinds, j.From, j.To, hashes)
	if err != nil {
		return nil, err
	}
	j.Files = n
	for _, src := range s.Data.Extra {
		p := Part{Exchange: src.Exchange, Symbol: src.Symbol}
		for _, k := range src.Kinds {
			kind, err := engine.ParseKind(k)
			if err != nil {
				return nil, fmt.Errorf("%s: data.extra: %w", s.Source, err)
			}
			p.Kinds = append(p.Kinds, kind)
		}
		efp, en, err := dataset.Fingerprint(s.Data.Root, p.Exchange, p.Symbol, p.Kinds, j.From, j.To, hashes)
		if err != nil {
			return nil, err
		}
		fp, j.Files = fp+"+"+efp, j.Files+en
		j.Extra = append(j.Extra, p)
	}
	ffp, fn, err := prepareFallbacks(s, j, hashes)
	if err != nil {
		return nil, err
	}
	fp, j.Files = fp+ffp, j.Files+fn
	if len(j.Extra) > 0 || len(j.Fallback) > 0 {
		sum := sha256.Sum256([]byte(fp))
		fp = hex.EncodeToString(sum[:])
	}
	j.Key = Key{ScenarioHash: s.Hash, DataFingerprint: fp, CodeVersion: codeVersion}
	return j, nil
}
