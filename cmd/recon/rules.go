package main

import (
	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine/config"
)

func rulesCommand() *cli.Command {
	return &cli.Command{
		Name:        "rules",
		Usage:       "check and test rule files",
		Description: "See docs/rules.md for the rule API, the fixture format and examples.",
		UsageText: "recon rules check|test [arguments...]\n\n" +
			"Examples:\n" +
			"   recon rules check --config recon.yaml\n" +
			"   recon rules test ./rules/fixtures",
		Flags:       []cli.Flag{configFlag},
		Subcommands: []*cli.Command{rulesCheckCommand(), rulesTestCommand()},
		Action:      helpOrUnknown(cli.ShowSubcommandHelp),
		// As for recon itself: help is --help, not a command taking one.
		HideHelpCommand: true,
	}
}

// rulePaths are the merchant's rule files a rules command works on: the
// config's, then paths. rules.Sources and rules.Load put the built-in
// ones first, as for a run.
func rulePaths(cfg *config.Config, paths []string) []string {
	var all []string
	if cfg != nil {
		all = append(all, cfg.Rules...)
	}
	return append(all, paths...)
}
