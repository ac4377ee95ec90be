package main

import "github.com/urfave/cli/v2"

func replayCommand() *cli.Command {
	return &cli.Command{Name: "replay", Usage: "re-apply rules to a stored run's answers, with no network (not yet built)",
		Action: func(*cli.Context) error { return usagef("", "recon replay is not built yet") }}
}
func rulesCommand() *cli.Command {
	return &cli.Command{Name: "rules", Usage: "check and test rule files (not yet built)",
		Action: func(*cli.Context) error { return usagef("", "recon rules is not built yet") }}
}
