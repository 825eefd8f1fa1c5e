package duckdbsink

import "context"

// OpenVersion opens path like Open, with the schema migrated only up to
// version v: a file as an older cascade wrote it.
func OpenVersion(ctx context.Context, path string, v int) (*Store, error) {
	return Open(ctx, path, Options{schema: v})
}
