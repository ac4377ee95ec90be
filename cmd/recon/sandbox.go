package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine/demo"
	"github.com/reconhq/recon/plugins/builtin"
	"github.com/reconhq/recon/plugins/simkit"
)

func sandboxCommand() *cli.Command {
	return &cli.Command{
		Name:  "sandbox",
		Usage: "serve the provider simulators (all built-in APIs) for tests and trials",
		Description: "Serves every built-in provider's simulator on one listener, each under /<provider>, prints the\n" +
			"base URL of each and writes a ready config (accounts demo-<provider>, keys in files) plus a\n" +
			"sample ledger to --out. A scenario file's top-level keys are provider names; each section is\n" +
			"that simulator's own format (see the provider's package documentation). Serves until Ctrl-C (or\n" +
			"SIGTERM): unlike the other commands it does not end by itself. The simulators sign with keys\n" +
			"everyone has, so it listens on loopback only unless --allow-remote says otherwise.\n\n" +
			"--statement-dir writes each provider's statement (对账单) of every day it billed something, as\n" +
			"DIR/<provider>-YYYY-MM-DD.csv in the \"recon\" statement format (the providers document none):\n" +
			"the sample ledger's orders are paid yesterday (in each account's zone), and that day's\n" +
			"statements also list what the ledger lacks (MISSING_IN_LEDGER).",
		UsageText: "recon sandbox [--listen ADDR] [--scenario FILE] [--out DIR] [--orders N] [--statement-dir DIR]\n\n" +
			"Examples:\n" +
			"   recon sandbox --out ./trial     # then: recon check --config ./trial/config.yaml --ping\n" +
			"   recon sandbox --listen 127.0.0.1:0 --scenario upay-outage.yaml\n" +
			"   recon sandbox --out ./trial --statement-dir ./trial/statements   # writes e.g. upay-2026-11-30.csv",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:8790", Usage: "`ADDR` to listen on: a loopback address (port 0 picks a free one)"},
			&cli.BoolFlag{Name: "allow-remote", Usage: "let --listen name an address other machines reach"},
			&cli.StringFlag{Name: "scenario", Usage: "scenario `FILE` (YAML) replacing the default data"},
			&cli.StringFlag{Name: "out", Usage: "write config.yaml, key files and a sample ledger to `DIR` (default: a new temporary folder, kept)"},
			&cli.IntFlag{Name: "orders", Value: 40, Usage: "about how many rows to plant in the sample ledger, when no scenario is given: " +
				"each provider plants every verdict it can produce at least once, so a small N gives more rows (it prints how many)"},
			&cli.StringFlag{Name: "statement-dir", Usage: "write each provider's statement of every day it has one to `DIR`/<provider>-YYYY-MM-DD.csv " +
				"(after loading --scenario) and print their paths"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("recon sandbox [--listen ADDR]", "unexpected argument %q", c.Args().First())
			}
			if err := checkOrders(c.Int("orders")); err != nil {
				return err
			}
			if err := loopbackOnly(c.String("listen"), c.Bool("allow-remote")); err != nil {
				return err
			}
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
			if d := c.String("statement-dir"); d != "" {
				paths, err := writeStatements(d, names, sb.Sims)
				if err != nil {
					return err
				}
				for _, p := range paths {
					fmt.Fprintf(out, "statement %s\n", p)
				}
			}
			fmt.Fprintf(out, "config  %s\n", plan.ConfigPath)
			if c.String("scenario") == "" {
				fmt.Fprintf(out, "ledger  %s\n", plan.LedgerPath)
				fmt.Fprintf(out, "rows    %d\n", len(plan.Want))
				fmt.Fprintf(out, "try:    recon run --config %s --ledger %s --report %s\n",
					plan.ConfigPath, plan.LedgerPath, filepath.Join(dir, "report.json"))
			}
			fmt.Fprintln(out, "serving; Ctrl-C stops")
			<-c.Context.Done()
			return nil
		},
	}
}

// writeStatements writes each simulator's statement of every day it has
// one to dir/<name>-YYYY-MM-DD.csv, names in the order given, and returns
// the paths.
func writeStatements(dir string, names []string, sims map[string]simkit.Simulator) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("--statement-dir: %w", err)
	}
	var paths []string
	for _, name := range names {
		sim := sims[name]
		for _, day := range sim.StatementDays() {
			path := filepath.Join(dir, name+"-"+day.Format(time.DateOnly)+".csv")
			if err := writeStatement(path, sim.Statement(day)); err != nil {
				return paths, fmt.Errorf("--statement-dir: %w", err)
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}

func writeStatement(path string, rows []simkit.StatementRow) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := simkit.WriteStatement(f, rows); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// loopbackOnly refuses a listen address other machines can reach (no host
// is every interface), unless allowed: the simulators accept anyone's
// queries and sign with published keys.
func loopbackOnly(addr string, allowed bool) error {
	if allowed {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("give HOST:PORT, e.g. 127.0.0.1:8790", "--listen %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return usagef("listen on 127.0.0.1 (or ::1), or add --allow-remote to serve other machines",
		"--listen %q is not a loopback address", addr)
}
