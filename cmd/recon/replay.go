package main

import (
	"errors"
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine"
	"github.com/reconhq/recon/store"
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
		UsageText: "recon replay --config FILE --run ID|latest [--rules FILE...] [--report FILE.json] [--csv FILE]\n\n" +
			"Examples:\n" +
			"   recon replay --config recon.yaml --run latest --rules ./rules/candidate.lua\n" +
			"   recon replay --config recon.yaml --run 20261122-0200-7f3a --report replay.json",
		Flags: []cli.Flag{
			configFlag, storeFlag,
			&cli.StringFlag{Name: "run", Usage: "the stored run `ID` whose answers are judged again (see recon runs), latest or latest~N"},
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
			if err := checkRunID(c); err != nil {
				return err
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
			if err := refuseClashes(c, cfg, storePath(c, cfg)); err != nil {
				return err
			}
			db, err := openStore(c, cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			of, err := resolveRun(db, c.String("run"))
			if err != nil {
				return err
			}
			opt := engine.ReplayOptions{Config: cfg, Store: db, Of: of, RunID: c.String("run-id"), Log: log}
			if c.IsSet("rules") {
				opt.Rules = ruleFiles
			}
			res, err := engine.Replay(c.Context, opt)
			if res == nil {
				return err
			}
			err = conclude(c, log, db, cfg, res.Run, err)
			return errors.Join(err, printChanges(c, db, res, c.Int("changes")))
		},
	}
}

// printChanges lists the rows whose verdict, severity or action the
// replay changed: a rule that raises a severity changes the exit status
// with every verdict the same.
func printChanges(c *cli.Context, db *store.DB, res *engine.ReplayResult, limit int) error {
	cmp, err := compareRuns(db, res.Run.ReplayOf, res.Run.ID)
	if err != nil {
		return err
	}
	rows := slices.DeleteFunc(slices.Clone(cmp.Rows), func(ch rowChange) bool { return ch.A == nil || ch.B == nil })
	slices.SortFunc(rows, func(a, b rowChange) int { return a.B.Line - b.B.Line })
	w := c.App.Writer
	fmt.Fprintf(w, "\nreplay %s of run %s: %s (%d rows judged again on stored answers, %d taken over)\n",
		res.Run.ID, res.Run.ReplayOf, cmp.counts(), res.Judged, res.Copied)
	if len(rows) == 0 {
		return nil
	}
	tw := table(w)
	fmt.Fprintln(tw, "  LINE\tACCOUNT\tORDER\tVERDICT\tSEVERITY\tACTION\tDETAIL")
	for i, ch := range rows {
		if limit > 0 && i == limit {
			fmt.Fprintf(tw, "  ...\tand %d more\t(recon diff %s %s)\t\t\t\t\n", len(rows)-limit, res.Run.ReplayOf, res.Run.ID)
			break
		}
		ref := ch.B.OrderNo
		if ch.B.RefundNo != "" {
			ref += " refund " + ch.B.RefundNo
		}
		verdict := string(ch.B.Verdict)
		if ch.Verdict {
			verdict = arrow(true, ch.A.Verdict, ch.B.Verdict)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", ch.B.Where(), ch.B.Account, ref, verdict,
			orDash(arrow(ch.Severity, ch.A.Severity, ch.B.Severity)), orDash(arrow(ch.Action, ch.A.Action, ch.B.Action)), ch.B.Detail)
	}
	return tw.Flush()
}
