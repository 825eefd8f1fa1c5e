// Command cascade is Cascade's command-line interface: generate synthetic
// markets, import exchange data, replay datasets and, in later layers, run
// scenarios and query their results.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailed   = 1 // the run or command failed
	exitBadUsage = 2 // bad flags, arguments or input
)

// usageError marks an error as the user's (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// app carries what every subcommand shares; no global state.
type app struct {
	stdout, stderr io.Writer
	log            *slog.Logger
	logLevel       string
	logFormat      string
}

func main() {
	// Replay allocates page buffers at a steady rate while its live heap
	// stays small; a higher GC target trades a few MiB for fewer cycles.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "cascade:", err)
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		return exitBadUsage
	}
	return exitFailed
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "cascade",
		Short:         "Backtest crypto perpetual-futures market stories against history",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			var lvl slog.Level
			if err := lvl.UnmarshalText([]byte(a.logLevel)); err != nil {
				return usagef("--log-level %q: want debug, info, warn or error", a.logLevel)
			}
			opts := &slog.HandlerOptions{Level: lvl}
			switch a.logFormat {
			case "text":
				a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
			case "json":
				a.log = slog.New(slog.NewJSONHandler(a.stderr, opts))
			default:
				return usagef("--log-format %q: want text or json", a.logFormat)
			}
			return nil
		},
	}
	root.PersistentFlags().StringVar(&a.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	root.PersistentFlags().StringVar(&a.logFormat, "log-format", "text", "log format: text or json")
	root.AddCommand(a.genCmd(), a.ingestCmd(), a.replayCmd(), a.runCmd(), a.sqlCmd(), a.runsCmd(), a.batchCmd(), a.mergeCmd(), a.liqmapCmd(), a.validateCmd(), a.coverageCmd(), a.reportCmd(), a.pruneCmd())
	return root
}

// isCobraUsage reports errors cobra raises for bad flags or arguments.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown command", "unknown shorthand", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
