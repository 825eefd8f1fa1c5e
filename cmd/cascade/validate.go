package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/pipeline"
	"github.com/cascade-research/cascade/scenarios"
	"github.com/cascade-research/cascade/strategies"
)

// simFromScenario returns the simulator settings of a scenario file, or
// the defaults.
func simFromScenario(path string) (scenarios.Simulator, error) {
	if path == "" {
		return scenarios.DefaultSimulator(), nil
	}
	s, err := scenarios.Load(path, scenarios.Options{Strategies: strategies.Specs()})
	if err != nil {
		if errors.Is(err, scenarios.ErrBadScenario) {
			return scenarios.Simulator{}, usageError{err}
		}
		return scenarios.Simulator{}, err
	}
	return s.Simulator, nil
}

func (a *app) validateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Validate the liquidation simulator against known truth",
	}
	var d dataFlags
	var scenario string
	synthCmd := &cobra.Command{
		Use:   "synth",
		Short: "Score estimated cascades against a synthetic dataset's planted truth",
		Long: `Replay a dataset written by cascade gen through the liquidation simulator and
compare its cascade episodes with the truth table written beside the data:
recall and precision of cascade episodes (an estimated episode counts as a
cascade under the generator's own labelling rule: >= 1% of OI notional, >= 3
waves, price moved against the side) and the correlation of daily liquidated
notional.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sim, err := simFromScenario(scenario)
			if err != nil {
				return err
			}
			cfg, err := pipeline.SimulatorConfig(sim)
			if err != nil {
				return err
			}
			opt, err := d.options()
			if err != nil {
				return err
			}
			v, err := pipeline.ValidateSynthetic(cmd.Context(), opt.Root, opt.Exchange, opt.Symbol, opt.From, opt.To, cfg, liquidation.DefaultCascadeRule)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, v)
			return nil
		},
	}
	d.register(synthCmd, "trades,funding,oi")
	synthCmd.Flags().StringVar(&scenario, "scenario", "", "take the simulator settings from this scenario")

	var r dataFlags
	var rscenario, price, step string
	recCmd := &cobra.Command{
		Use:   "recorded",
		Short: "Correlate estimated with recorded liquidations per step",
		Long: `Replay price (bars or trades) and open interest of one market through the
simulator and correlate its estimated long and short liquidations with the
liquidations recorded in the same dataset (kind liquidations), per --step.
Recorded feeds undercount, so compare shapes and timing, not totals.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sim, err := simFromScenario(rscenario)
			if err != nil {
				return err
			}
			cfg, err := pipeline.SimulatorConfig(sim)
			if err != nil {
				return err
			}
			r.kinds = price + ",oi,liquidations"
			opt, err := r.options()
			if err != nil {
				return err
			}
			st, err := engine.ParseDuration(step)
			if err != nil {
				return usagef("--step: %v", err)
			}
			pk, err := engine.ParseKind(price)
			if err != nil {
				return usagef("--price: %v", err)
			}
			v, err := pipeline.ValidateRecorded(cmd.Context(), opt.Root, opt.Exchange, opt.Symbol, pk, opt.From, opt.To, engine.Nanos(st), cfg)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, v)
			return nil
		},
	}
	r.register(recCmd, "bars,oi,liquidations")
	recCmd.Flags().StringVar(&rscenario, "scenario", "", "take the simulator settings from this scenario")
	recCmd.Flags().StringVar(&price, "price", "bars", "price source kind: bars or trades")
	recCmd.Flags().StringVar(&step, "step", "1h", "correlation step")
	cmd.AddCommand(synthCmd, recCmd)
	return cmd
}
