package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// ingestCmd is replaced by the importers' command.
func (a *app) ingestCmd() *cobra.Command {
	return &cobra.Command{Use: "ingest", Short: "Import exchange or vendor files into a dataset", RunE: func(*cobra.Command, []string) error {
		return errors.New("ingest: not built yet")
	}}
}
