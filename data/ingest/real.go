package ingest

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cascade-research/cascade/data/dataset"
)

//go:embed real.yaml
var realManifestYAML []byte

// ManifestEntry says how to import the files of the shared real-data folder
// that match Glob (relative to the folder, path.Match syntax).
type ManifestEntry struct {
	Glob     string `yaml:"glob"`
	Mapping  string `yaml:"mapping"` // a shipped mapping name
	Exchange string `yaml:"exchange"`
	Symbol   string `yaml:"symbol"`
	Interval string `yaml:"interval"` // bars: overrides the mapping's interval
}

// RealManifest returns the built-in manifest of the shared real-data folder.
func RealManifest() ([]ManifestEntry, error) {
	return ParseManifest(realManifestYAML)
}

// ParseManifest reads and checks a manifest (a YAML list of entries).
func ParseManifest(data []byte) ([]ManifestEntry, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var es []ManifestEntry
	if err := dec.Decode(&es); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	for i, e := range es {
		if _, err := path.Match(e.Glob, ""); err != nil || e.Glob == "" {
			return nil, fmt.Errorf("manifest entry %d: glob %q: want a path.Match pattern", i+1, e.Glob)
		}
		if _, err := ShippedMapping(e.Mapping); err != nil {
			return nil, fmt.Errorf("manifest entry %d (%s): %w", i+1, e.Glob, err)
		}
		if err := errUnlessNil(CheckName("exchange", e.Exchange), CheckName("symbol", e.Symbol)); err != nil {
			return nil, fmt.Errorf("manifest entry %d (%s): %w", i+1, e.Glob, err)
		}
		if e.Interval != "" {
			if _, err := dataset.ParseInterval(e.Interval); err != nil {
				return nil, fmt.Errorf("manifest entry %d (%s): %w", i+1, e.Glob, err)
			}
		}
	}
	return es, nil
}

func errUnlessNil(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// RealResult is the outcome of one group of manifest entries: those that
// write the same exchange, symbol and kind, imported together.
type RealResult struct {
	Exchange, Symbol string
	Entries          []ManifestEntry
	Files            []string // paths relative to the folder, in import order
	Stats            Stats
	Elapsed          time.Duration
}

// Mappings lists the mapping names of the group's entries.
func (r *RealResult) Mappings() []string {
	var out []string
	for _, e := range r.Entries {
		if !slices.Contains(out, e.Mapping) {
			out = append(out, e.Mapping)
		}
	}
	return out
}

// RealReport is the outcome of ImportReal.
type RealReport struct {
	Results  []RealResult
	Missing  []string // globs that matched no file
	Unmapped []string // files of the folder that no entry matched (*.md excluded)
}

// ImportReal imports every file of the shared real-data folder named by
// the built-in manifest into the dataset at opts.Root (the exchange,
// symbol and interval come from the manifest; opts.Interval is ignored).
// Entries that write the same exchange, symbol and kind form a group that
// is imported as one ImportSources call, files in manifest order; groups
// run on up to workers goroutines (workers <= 0 means 1). Like Import it
// is idempotent: a second run rewrites nothing.
func ImportReal(ctx context.Context, shared string, workers int, opts Options) (*RealReport, error) {
	es, err := RealManifest()
	if err != nil {
		return nil, err
	}
	return ImportManifest(ctx, shared, es, workers, opts)
}

// ImportManifest is ImportReal with a given manifest.
func ImportManifest(ctx context.Context, shared string, es []ManifestEntry, workers int, opts Options) (*RealReport, error) {
	if st, err := os.Stat(shared); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("shared data folder %s: not a directory: %w", shared, ErrBadInput)
	}
	rep := &RealReport{}
	matched := map[string]bool{}
	var srcs [][]Source
	byKey := map[string]int{}
	for _, e := range es {
		files, err := filepath.Glob(filepath.Join(shared, filepath.FromSlash(e.Glob)))
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			rep.Missing = append(rep.Missing, e.Glob)
			continue
		}
		sort.Strings(files)
		m, err := LoadMapping(e.Mapping)
		if err != nil {
			return nil, err
		}
		var iv time.Duration
		if e.Interval != "" {
			iv, _ = dataset.ParseInterval(e.Interval)
		}
		key := e.Exchange + "\x00" + e.Symbol + "\x00" + m.Kind
		g, ok := byKey[key]
		if !ok {
			g = len(rep.Results)
			byKey[key] = g
			rep.Results = append(rep.Results, RealResult{Exchange: e.Exchange, Symbol: e.Symbol})
			srcs = append(srcs, nil)
		}
		res := &rep.Results[g]
		res.Entries = append(res.Entries, e)
		for _, f := range files {
			rel, _ := filepath.Rel(shared, f)
			res.Files = append(res.Files, filepath.ToSlash(rel))
			matched[f] = true
			srcs[g] = append(srcs[g], Source{Path: f, Mapping: m, Interval: iv})
		}
	}
	err := filepath.WalkDir(shared, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !matched[p] && !strings.HasSuffix(p, ".md") && !strings.HasPrefix(d.Name(), ".") {
			rel, _ := filepath.Rel(shared, p)
			rep.Unmapped = append(rep.Unmapped, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", shared, err)
	}

	if workers <= 0 {
		workers = 1
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan int)
	errs := make([]error, len(rep.Results))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range work {
				if ctx.Err() != nil {
					continue
				}
				res := &rep.Results[g]
				o := opts
				o.Exchange, o.Symbol = res.Exchange, res.Symbol
				start := time.Now()
				res.Stats, errs[g] = ImportSources(ctx, srcs[g], o)
				res.Elapsed = time.Since(start)
				if errs[g] != nil {
					errs[g] = fmt.Errorf("%s/%s (mappings %s): %w", res.Exchange, res.Symbol, strings.Join(res.Mappings(), ", "), errs[g])
					cancel()
				}
			}
		}()
	}
	for g := range rep.Results {
		work <- g
	}
	close(work)
	wg.Wait()
	// Report the error that stopped the run, not the cancellations it
	// caused in other groups.
	var cancelled error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled) && parent.Err() == nil:
			cancelled = err
		default:
			return rep, err
		}
	}
	if err := parent.Err(); err != nil {
		return rep, err
	}
	return rep, cancelled
}
