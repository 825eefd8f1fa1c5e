package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/engine/replay"
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
	var scenario, oiMode string
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
			var proxy *replay.OIProxy
			switch oiMode {
			case "full":
			case "daily":
				cfg.InflowInterval = 24 * time.Hour
			case "none":
				proxy = &replay.OIProxy{Turnover: sim.OIProxyTurnover, Window: sim.OIProxyWindow, Every: sim.InflowInterval}
			case "daily-spread":
				proxy = &replay.OIProxy{Turnover: sim.OIProxyTurnover, Window: sim.OIProxyWindow, Every: sim.InflowInterval, Anchor: 24 * time.Hour}
			default:
				return usagef("--oi %q: want full, daily, daily-spread or none", oiMode)
			}
			v, err := pipeline.ValidateSynthetic(cmd.Context(), opt.Root, opt.Exchange, opt.Symbol, opt.From, opt.To, cfg, liquidation.DefaultCascadeRule, proxy)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, v)
			return nil
		},
	}
	d.register(synthCmd, "trades,funding,oi")
	synthCmd.Flags().StringVar(&scenario, "scenario", "", "take the simulator settings from this scenario")
	synthCmd.Flags().StringVar(&oiMode, "oi", "full", "open interest given to the simulator: full, daily (coarsened), daily-spread (daily, spread over the day by volume), none (volume proxy)")

	var step string
	var calibrate bool
	recCmd := &cobra.Command{
		Use:   "recorded SCENARIO.yaml",
		Short: "Correlate the simulator's estimated liquidations with recorded ones",
		Long: `Replay a scenario's data — which must include recorded liquidations (a part
with kinds [liquidations]) — through the simulator with the scenario's settings
(and the volume-based OI proxy when the data has no open interest), and
correlate the estimated with the recorded long and short liquidations per
--step, over the whole span and its two halves. With --calibrate, also choose
leveraged_share and oi_proxy_turnover on the first half and report that setting
on the second half. Recorded feeds undercount (Binance pushes at most one
liquidation per second per symbol), so compare shapes and timing, not totals.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := scenarios.Load(args[0], scenarios.Options{Strategies: strategies.Specs()})
			if err != nil {
				if errors.Is(err, scenarios.ErrBadScenario) {
					return usageError{err}
				}
				return err
			}
			st, err := engine.ParseDuration(step)
			if err != nil {
				return usagef("--step: %v", err)
			}
			j, err := pipeline.Prepare(s, codeVersion(), nil)
			if err != nil {
				return err
			}
			rows, err := pipeline.ValidateRecordedScenario(cmd.Context(), j, st, calibrate)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%-30s %8s %9s %-12s %6s %9s %9s %9s %10s %9s %9s\n", "setting", "lev.share", "turnover", "part", "steps",
				"corr.long", "corr.short", "corr.all", "est/rec", "est.long", "rec.long")
			for _, r := range rows {
				fmt.Fprintf(a.stdout, "%-30s %8.2f %9s %-12s %6d %9.3f %9.3f %9.3f %10.2f %9.2f %9.2f\n", r.Setting, r.LeveragedShare, r.OIProxyTurnover,
					r.Part, r.Steps, r.CorrLong, r.CorrShort, r.CorrTotal, r.EstOverRec, r.EstLongShare, r.RecLongShare)
			}
			return nil
		},
	}
	recCmd.Flags().StringVar(&step, "step", "1h", "correlation step")
	recCmd.Flags().BoolVar(&calibrate, "calibrate", false, "calibrate on the first half, test on the second")
	cmd.AddCommand(synthCmd, recCmd)
	return cmd
}
