package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine"
)

func replayCommand() *cli.Command {
	return &cli.Command{
		Name:      "replay",
		Usage:     "judge the provider answers a run stored again, with other rules and no network: a new run",
		ArgsUsage: " ",
		Description: "Takes every answer run --run ID stored, judges it again with the built-in rules and the config's\n" +
			"rule files (or the --rules files instead), and stores the results as a new run, reported like\n" +
			"`recon run`. No plugin is started and nothing is sent to a provider, so credentials are not needed.\n" +
			"INVALID and DUPLICATE rows are taken over as they were. Prints how many verdicts changed, and which.\n" +
			"Exit 3 when a result is at or above fail_on, as for run.",
		Flags: []cli.Flag{
			configFlag, storeFlag,
			&cli.StringFlag{Name: "run", Usage: "the stored run `ID` whose answers are judged again (see recon runs)"},
			&cli.StringSliceFlag{Name: "rules", Usage: "merchant rule `FILE`s to use instead of the config's, in order " +
				"(repeat the flag, or list the files after it); the built-in rules always come first"},
			reportFlag, csvFlag,
			&cli.StringFlag{Name: "run-id", Usage: "the replay's own run `ID` (default: date, time and 4 random hex digits)"},
			&cli.IntFlag{Name: "changes", Value: 100, Usage: "list at most `N` changed verdicts (0: all)"},
		},
		Action: func(c *cli.Context) error {
			args, err := positionals(c)
			if err != nil {
				return err
			}
			ruleFiles := c.StringSlice("rules")
			if len(args) > 0 {
				if !c.IsSet("rules") {
					return usagef("recon replay --config FILE --run ID [--rules FILE...]", "unexpected argument %q", args[0])
				}
				ruleFiles = append(ruleFiles, args...)
			}
			if c.String("run") == "" {
				return usagef("recon runs lists the stored runs", "recon replay needs --run ID")
			}
			if c.Int("changes") < 0 {
				return usagef("", "--changes must be 0 or more")
			}
			log, err := logger(c)
			if err != nil {
				return err
			}
			path, err := configPath(c)
			if err != nil {
				return err
			}
			cfg, err := loadConfigWithoutSecrets(path)
			if err != nil {
				return err
			}
			db, err := openStore(c, cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			opt := engine.ReplayOptions{Config: cfg, Store: db, Of: c.String("run"), RunID: c.String("run-id"), Log: log}
			if c.IsSet("rules") {
				opt.Rules = ruleFiles
			}
			res, err := engine.Replay(c.Context, opt)
			if res == nil {
				return err
			}
			err = conclude(c, db, cfg, res.Run, err)
			printChanges(c, res, c.Int("changes"))
			return err
		},
	}
}

// printChanges lists the rows whose verdict the replay changed.
func printChanges(c *cli.Context, res *engine.ReplayResult, limit int) {
	w := c.App.Writer
	noun := "verdicts"
	if len(res.Changes) == 1 {
		noun = "verdict"
	}
	fmt.Fprintf(w, "\nreplay %s of run %s: %d %s changed (%d rows judged again on stored answers, %d taken over)\n",
		res.Run.ID, res.Run.ReplayOf, len(res.Changes), noun, res.Judged, res.Copied)
	if len(res.Changes) == 0 {
		return
	}
	tw := table(w)
	fmt.Fprintln(tw, "  LINE\tACCOUNT\tORDER\tOLD -> NEW\tDETAIL")
	for i, ch := range res.Changes {
		if limit > 0 && i == limit {
			fmt.Fprintf(tw, "  ...\tand %d more\t(recon diff %s %s)\t\t\n", len(res.Changes)-limit, res.Run.ReplayOf, res.Run.ID)
			break
		}
		ref := ch.OrderNo
		if ch.RefundNo != "" {
			ref += " refund " + ch.RefundNo
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s -> %s\t%s\n", ch.Line, ch.Account, ref, ch.Old, ch.New, ch.Detail)
	}
	tw.Flush()
}
