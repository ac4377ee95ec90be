package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine/demo"
	"github.com/reconhq/recon/plugins/builtin"
)

func sandboxCommand() *cli.Command {
	return &cli.Command{
		Name:  "sandbox",
		Usage: "serve the provider simulators (all built-in APIs) for tests and trials",
		Description: "Serves every built-in provider's simulator on one listener, each under /<provider>, prints the\n" +
			"base URL of each and writes a ready config (accounts demo-<provider>, keys in files) plus a\n" +
			"sample ledger to --out. A scenario file's top-level keys are provider names; each section is\n" +
			"that simulator's own format (see the provider's package documentation). Stops on Ctrl-C.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:8790", Usage: "`ADDR` to listen on (loopback only, please)"},
			&cli.StringFlag{Name: "scenario", Usage: "scenario `FILE` (YAML) replacing the default data"},
			&cli.StringFlag{Name: "out", Usage: "write config.yaml, key files and a sample ledger to `DIR` (default: a temporary folder)"},
			&cli.IntFlag{Name: "orders", Value: 40, Usage: "rows of the sample ledger, when no scenario is given"},
		},
		Action: func(c *cli.Context) error {
			sb, err := builtin.StartSandbox(c.String("listen"))
			if err != nil {
				return err
			}
			defer sb.Close()
			dir := c.String("out")
			if dir == "" {
				if dir, err = os.MkdirTemp("", "recon-sandbox-"); err != nil {
					return err
				}
			} else if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			plan, err := demo.Prepare(dir, sb, 1, c.Int("orders"))
			if err != nil {
				return err
			}
			if p := c.String("scenario"); p != "" {
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				if err := sb.LoadScenario(data); err != nil {
					return err
				}
				os.Remove(plan.LedgerPath) // the sample no longer matches the data
			}
			out := c.App.Writer
			names := make([]string, 0, len(sb.Sims))
			for n := range sb.Sims {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				fmt.Fprintf(out, "%-8s %s\n", n, sb.BaseURL(n))
			}
			fmt.Fprintf(out, "config  %s\n", plan.ConfigPath)
			if c.String("scenario") == "" {
				fmt.Fprintf(out, "ledger  %s\n", plan.LedgerPath)
				fmt.Fprintf(out, "try:    recon run --config %s --ledger %s --report %s\n",
					plan.ConfigPath, plan.LedgerPath, filepath.Join(dir, "report.json"))
			}
			fmt.Fprintln(out, "serving; Ctrl-C stops")
			<-c.Context.Done()
			return nil
		},
	}
}
