package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// genCmd is replaced by the synthetic generator's command.
func (a *app) genCmd() *cobra.Command {
	return &cobra.Command{Use: "gen", Short: "Generate a synthetic market dataset", RunE: func(*cobra.Command, []string) error {
		return errors.New("gen: not built yet")
	}}
}
