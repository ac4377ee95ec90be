package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/plugins/builtin"
	"github.com/reconhq/recon/rules"
)

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
		UsageText: "recon rules check [--config FILE] [FILE...]\n\n" +
			"Examples:\n" +
			"   recon rules check --config recon.yaml\n" +
			"   recon rules check ./rules/merchant.lua ./rules/candidate.lua",
		Flags: []cli.Flag{configFlag},
		Action: func(c *cli.Context) error {
			paths, err := positionals(c)
			if err != nil {
				return err
			}
			cfg, err := loadConfigIfGiven(c)
			if err != nil {
				return err
			}
			files, err := rules.Sources(rulePaths(cfg, paths))
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
