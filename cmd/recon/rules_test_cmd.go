package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/rules"
)

func rulesTestCommand() *cli.Command {
	return &cli.Command{
		Name:      "test",
		Usage:     "run rule fixtures: ledger row + provider answer -> expected state and verdict",
		ArgsUsage: "[DIR]",
		Description: "Runs every fixture file (*.yaml, *.yml) under DIR, or without DIR the fixtures shipped with the\n" +
			"built-in rules (every status of every built-in provider), against the built-in rules followed by\n" +
			"the config's rule files (with --config) and the --rules files. Exit 1 when a case fails.",
		UsageText: "recon rules test [--config FILE] [--rules FILE...] [DIR]\n\n" +
			"Examples:\n" +
			"   recon rules test\n" +
			"   recon rules test --config recon.yaml ./rules/fixtures",
		Flags: []cli.Flag{
			configFlag,
			&cli.StringSliceFlag{Name: "rules", Usage: "more rule `FILE`s, after the config's (repeat the flag)"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "list the cases that pass too"},
		},
		Action: func(c *cli.Context) error {
			args, err := positionals(c)
			if err != nil {
				return err
			}
			if len(args) > 1 {
				return usagef("recon rules test [DIR]", "recon rules test takes one fixture folder, not %d", len(args))
			}
			cfg, err := loadConfigIfGiven(c)
			if err != nil {
				return err
			}
			rs, err := rules.Load(rulePaths(cfg, c.StringSlice("rules")))
			if err != nil {
				return err
			}
			defer rs.Close()
			var fixtures map[string][]byte
			if len(args) == 1 {
				if fixtures, err = rules.ReadFixtureDir(args[0]); err != nil {
					return fmt.Errorf("fixtures: %w", err)
				}
				if len(fixtures) == 0 {
					return fmt.Errorf("fixtures: no *.yaml or *.yml file under %s", args[0])
				}
			} else if fixtures, err = rules.BuiltinFixtures(); err != nil {
				return err
			}
			results, err := rs.RunFixtures(c.Context, fixtures)
			if err != nil {
				return err
			}
			out := c.App.Writer
			failed := 0
			for _, r := range results {
				switch {
				case r.Problem != "":
					failed++
					fmt.Fprintf(out, "FAIL %s: %s: %s\n", r.File, r.Name, r.Problem)
				case c.Bool("verbose"):
					fmt.Fprintf(out, "ok   %s: %s: %s %s\n", r.File, r.Name, orDash(string(r.Got.State)), r.Got.Verdict)
				}
			}
			summary := fmt.Sprintf("%d %s in %d %s: %d passed, %d failed (rule set %s)", len(results),
				plural(len(results), "case"), len(fixtures), plural(len(fixtures), "file"), len(results)-failed, failed, rs.ID())
			if failed > 0 {
				return errors.New("rules test: " + summary)
			}
			fmt.Fprintln(out, "ok: "+summary)
			return nil
		},
	}
}
