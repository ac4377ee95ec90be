package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/demo"
	"github.com/reconhq/recon/engine/report"
	"github.com/reconhq/recon/plugins/builtin"
	"github.com/reconhq/recon/store"
)

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "the one-command tour: simulators on loopback, a ledger with planted discrepancies, a run, a check",
		Description: "Starts every built-in provider's simulator on 127.0.0.1, generates a config and a ledger in which\n" +
			"every verdict each provider can produce is planted, runs the nightly job through real plugin\n" +
			"processes into a temporary store, prints the report, and exits 0 only when recon found exactly\n" +
			"what was planted (1 otherwise). Without --dir its files are in a temporary folder removed when it\n" +
			"exits; --dir keeps them, with the JSON report, to look at or run again.",
		UsageText: "recon demo [--orders N] [--seed S] [--dir DIR]\n\n" +
			"Examples:\n" +
			"   recon demo\n" +
			"   recon demo --orders 20000 --dir ./demo   # keeps config, ledger, store and report.json",
		Flags: []cli.Flag{
			noProgressFlag,
			&cli.IntFlag{Name: "orders", Value: 200, Usage: "about how many ledger rows to plant"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of the planted data; the same seed plants the same ledger"},
			&cli.StringFlag{Name: "dir", Usage: "keep the demo's config, ledger, store and report in `DIR` (default: a temporary folder, removed)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("recon demo [--orders N]", "unexpected argument %q", c.Args().First())
			}
			if err := checkOrders(c.Int("orders")); err != nil {
				return err
			}
			log, err := logger(c)
			if err != nil {
				return err
			}
			dir := c.String("dir")
			if dir == "" {
				if dir, err = os.MkdirTemp("", "recon-demo-"); err != nil {
					return err
				}
				defer os.RemoveAll(dir)
			} else if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			sb, err := builtin.StartSandbox("127.0.0.1:0")
			if err != nil {
				return err
			}
			defer sb.Close()
			plan, err := demo.Prepare(dir, sb, c.Uint64("seed"), c.Int("orders"))
			if err != nil {
				return err
			}
			// Each provider's statement of the day, trusted: what only the
			// providers have is found, and what they confirm is not asked.
			if err := demo.WithStatements(dir, sb, plan); err != nil {
				return err
			}
			cfg, err := config.Load(plan.ConfigPath, nil)
			if err != nil {
				return err
			}
			db, err := store.Open(plan.StorePath, storeLockWait)
			if err != nil {
				return err
			}
			defer db.Close()
			out := c.App.Writer
			where := dir + " (removed on exit; --dir DIR keeps them)"
			if c.String("dir") != "" {
				where = dir
			}
			fmt.Fprintf(out, "demo: simulators at %s; config, ledger and store in %s\n", sb.URL, where)
			opt := engine.Options{Config: cfg, Store: db, LedgerPath: plan.LedgerPath, Log: log}
			// The same live progress as a night's: a big demo is not silent.
			obs, err := observe(c, cfg, &opt)
			if err != nil {
				return err
			}
			run, st, err := engine.Run(c.Context, opt)
			obs.stopProgress()
			if err != nil {
				return err
			}
			reportPath := dir + "/report.json"
			if err := writeFile(reportPath, func(w io.Writer) error { return report.JSON(w, db, run) }); err != nil {
				return err
			}
			if err := report.Text(out, db, run, cfg.FailOn, 1000); err != nil {
				return err
			}
			printCoverage(out, plan)
			miss, err := demo.Check(db, run.ID, plan)
			if err != nil {
				return err
			}
			if len(miss) > 0 {
				fmt.Fprintf(out, "\ndemo FAILED: %d of %d rows did not get the planted verdict:\n", len(miss), len(plan.Want)+len(plan.Missing))
				for _, m := range miss {
					where := strconv.Itoa(m.Line)
					if m.Line == 0 || m.Line >= recon.StatementLines {
						where = "(statement)" // no ledger line: a row only a statement has, or should have
					}
					fmt.Fprintf(out, "  line %s: want %s (%s), got %s: %s\n", where, m.Want, m.Why, m.Got, m.Detail)
				}
				return fmt.Errorf("demo: %d rows did not get the planted verdict", len(miss))
			}
			where = "; --dir DIR keeps the config, ledger, store and JSON report"
			if c.String("dir") != "" {
				where = " (JSON report: " + reportPath + ")"
			}
			fmt.Fprintf(out, "\nstatements: %d payments and refunds only the providers have found (MISSING_IN_LEDGER); "+
				"%d rows confirmed by the trusted statements without a query; %d rows queried\n",
				len(plan.Missing), st.Confirmed, st.Queried)
			fmt.Fprintf(out, "\ndemo OK: all %d planted verdicts found%s\n", len(plan.Want)+len(plan.Missing), where)
			return nil
		},
	}
}

func printCoverage(out io.Writer, plan *demo.Plan) {
	cov := plan.Coverage()
	accts := make([]string, 0, len(cov))
	for a := range cov {
		accts = append(accts, a)
	}
	sort.Strings(accts)
	fmt.Fprintln(out, "\nplanted verdicts per account:")
	tw := table(out)
	for _, a := range accts {
		var parts []string
		for v, n := range cov[a] {
			parts = append(parts, fmt.Sprintf("%s %d", v, n))
		}
		sort.Strings(parts)
		fmt.Fprintf(tw, "  %s\t%s\n", a, strings.Join(parts, ", "))
	}
	tw.Flush()
}

// maxDemoOrders bounds --orders of demo and sandbox: the simulators keep
// every planted order in memory (about 2 KB each), and planting does not
// stop for a signal; a big ledger's figures are recon-bench scale's.
const maxDemoOrders = 100_000

func checkOrders(n int) error {
	if n < 1 || n > maxDemoOrders {
		return usagef("recon-bench scale --rows 1000000 measures big ledgers",
			"--orders %d is not between 1 and %d (the simulators keep every planted order in memory)", n, maxDemoOrders)
	}
	return nil
}
