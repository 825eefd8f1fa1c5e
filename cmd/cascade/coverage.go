package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cascade-research/cascade/data/dataset"
)

func (a *app) coverageCmd() *cobra.Command {
	var root, exchange, symbol string
	var asJSON, months bool
	cmd := &cobra.Command{
		Use:   "coverage --data DIR",
		Short: "Show what a dataset covers: per exchange, symbol and kind, the days per month and the gaps",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			parts, err := dataset.Partitions(root)
			if err != nil {
				return err
			}
			var out []dataset.Coverage
			for _, p := range parts {
				if (exchange != "" && p.Exchange != exchange) || (symbol != "" && p.Symbol != symbol) {
					continue
				}
				c, err := dataset.CoverageOf(root, p)
				if err != nil {
					return err
				}
				out = append(out, c)
			}
			if len(out) == 0 {
				return fmt.Errorf("no partitions under %s (want <root>/exchange=<e>/symbol=<s>/kind=<k>/date=<YYYY-MM-DD>/)", root)
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			w := a.stdout
			fmt.Fprintf(w, "%-28s %-13s %-10s %-10s %6s  %s\n", "exchange/symbol", "kind", "first", "last", "days", "gaps")
			for _, c := range out {
				var gaps []string
				for _, g := range c.Gaps {
					if g[0].Equal(g[1]) {
						gaps = append(gaps, g[0].Format("2006-01-02"))
					} else {
						gaps = append(gaps, g[0].Format("2006-01-02")+".."+g[1].Format("2006-01-02"))
					}
				}
				gs := "none"
				if len(gaps) > 0 {
					gs = fmt.Sprintf("%d: %s", len(gaps), strings.Join(gaps, ", "))
					if len(gs) > 120 {
						gs = gs[:117] + "..."
					}
				}
				fmt.Fprintf(w, "%-28s %-13s %-10s %-10s %6d  %s\n", c.Exchange+"/"+c.Symbol, c.Kind, c.First.Format("2006-01-02"), c.Last.Format("2006-01-02"), c.Days, gs)
				if months {
					var line []string
					for _, m := range c.Months {
						line = append(line, fmt.Sprintf("%s %d/%d", m.Month.Format("2006-01"), m.Days, m.InMonth))
					}
					for i := 0; i < len(line); i += 6 {
						j := min(i+6, len(line))
						fmt.Fprintf(w, "    %s\n", strings.Join(line[i:j], "  "))
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&root, "data", "datasets/real", "dataset root directory")
	cmd.Flags().StringVar(&exchange, "exchange", "", "only this exchange")
	cmd.Flags().StringVar(&symbol, "symbol", "", "only this symbol")
	cmd.Flags().BoolVar(&months, "months", false, "also print days present per month")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
