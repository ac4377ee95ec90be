package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/plugins/builtin"
	"github.com/reconhq/recon/rules"
)

func rulesCommand() *cli.Command {
	return &cli.Command{
		Name:        "rules",
		Usage:       "check and test rule files",
		Description: "See docs/rules.md for the rule API, the fixture format and examples.",
		Subcommands: []*cli.Command{rulesCheckCommand(), rulesTestCommand()},
	}
}

func rulesCheckCommand() *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "compile and lint rule files, layered after the built-in rules",
		ArgsUsage: "[FILE...]",
		Description: "Checks the built-in rules, then the config's rule files (with --config), then each FILE, as one\n" +
			"rule set in that order: files that do not compile or load, unknown hook names, verdicts neither the\n" +
			"contract's nor declared with recon.verdict, states a map hook returns that are not the contract's,\n" +
			"selector keys other than provider and account, and comparisons with names that cannot occur.\n" +
			"A selector naming a provider or account that does not exist is a warning.\n" +
			"Prints FILE:LINE: message for each; exit 1 when anything but warnings was found.",
		Flags: []cli.Flag{configFlag},
		Action: func(c *cli.Context) error {
			paths, err := positionals(c)
			if err != nil {
				return err
			}
			var cfg *config.Config
			if c.String("config") != "" {
				if cfg, err = loadConfigWithoutSecrets(c.String("config")); err != nil {
					return err
				}
			}
			files, err := ruleSet(cfg, paths)
			if err != nil {
				return err
			}
			opt := rules.LintOptions{Providers: providerNames(cfg)}
			if cfg != nil {
				opt.Accounts = cfg.AccountNames()
			}
			problems := rules.Lint(files, opt)
			out := c.App.Writer
			errs, warns := 0, 0
			for _, p := range problems {
				fmt.Fprintln(out, p)
				if p.Warning {
					warns++
				} else {
					errs++
				}
			}
			var names []string
			for _, f := range files {
				if !strings.HasPrefix(f.Name, rules.BuiltinPrefix) {
					names = append(names, f.Name)
				}
			}
			what := "the built-in rules"
			if len(names) > 0 {
				what += " and " + strings.Join(names, ", ")
			}
			if errs > 0 {
				return fmt.Errorf("rules check: %d %s, %d %s in %s", errs, plural(errs, "problem"), warns,
					plural(warns, "warning"), what)
			}
			fmt.Fprintf(out, "ok: %s compile and lint clean (%d %s)\n", what, warns, plural(warns, "warning"))
			return nil
		},
	}
}

func rulesTestCommand() *cli.Command {
	return &cli.Command{
		Name:      "test",
		Usage:     "run rule fixtures: ledger row + provider answer -> expected state and verdict",
		ArgsUsage: "[DIR]",
		Description: "Runs every fixture file (*.yaml, *.yml) under DIR, or without DIR the fixtures shipped with the\n" +
			"built-in rules (every status of every built-in provider), against the built-in rules followed by\n" +
			"the config's rule files (with --config) and the --rules files. Exit 1 when a case fails.",
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
			var cfg *config.Config
			if c.String("config") != "" {
				if cfg, err = loadConfigWithoutSecrets(c.String("config")); err != nil {
					return err
				}
			}
			files, err := ruleSet(cfg, c.StringSlice("rules"))
			if err != nil {
				return err
			}
			rs, err := rules.New(files, rules.Options{})
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

// ruleSet reads the rule files a rules command works on: the built-in
// ones, the config's, then paths.
func ruleSet(cfg *config.Config, paths []string) ([]rules.File, error) {
	var all []string
	if cfg != nil {
		all = append(all, cfg.Rules...)
	}
	return rules.Sources(append(all, paths...))
}

// providerNames are the providers a selector may name: the built-in ones
// and those the config's accounts use (plugin_dir binaries).
func providerNames(cfg *config.Config) []string {
	set := map[string]bool{}
	for _, p := range builtin.All() {
		set[p.Name] = true
	}
	if cfg != nil {
		for _, a := range cfg.Accounts {
			set[a.Plugin] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
