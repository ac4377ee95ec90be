package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/internal/printable"
	"github.com/reconhq/recon/store"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "what changed between two runs: verdicts, severities and actions that differ, rows only in one",
		ArgsUsage: "RUN_A RUN_B",
		Description: "Compares the results of two stored runs row by row (account, order, type, refund) and lists each\n" +
			"row whose verdict, severity or action differs, and each row only one run has. A severity raised by a\n" +
			"rule can change the exit status with the verdict unchanged: it is counted and shown. RUN_A and RUN_B\n" +
			"are run IDs (see recon runs), latest (the newest run) or latest~N (N runs before it).",
		UsageText: "recon diff RUN_A RUN_B [--format text|json]\n\n" +
			"Examples:\n" +
			"   recon diff latest~1 latest\n" +
			"   recon diff 20261121-0200-1a2b 20261122-0200-7f3a --format json",
		Flags: []cli.Flag{configFlag, storeFlag, formatFlag},
		Action: func(c *cli.Context) error {
			args, err := positionals(c)
			if err != nil {
				return err
			}
			if len(args) != 2 {
				return usagef("recon diff RUN_A RUN_B (see recon runs)", "recon diff takes two run IDs")
			}
			asJSON, err := jsonFormat(c)
			if err != nil {
				return err
			}
			db, err := openStoredRuns(c)
			if err != nil {
				return err
			}
			defer db.Close()
			for i := range args {
				if args[i], err = resolveRun(db, args[i]); err != nil {
					return err
				}
			}
			cmp, err := compareRuns(db, args[0], args[1])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.App.Writer, cmp)
			}
			tw := table(c.App.Writer)
			fmt.Fprintf(tw, "ACCOUNT\tORDER\tTYPE\tREFUND\t%s\t%s\tSEVERITY\tACTION\tDETAIL (B)\n", args[0], args[1])
			for _, ch := range cmp.Rows {
				va, vb := recon.Verdict("-"), recon.Verdict("-")
				r, detail := ch.B, ""
				if ch.A != nil {
					va = ch.A.Verdict
				}
				if ch.B != nil {
					vb, detail = ch.B.Verdict, ch.B.Detail
				} else {
					r = ch.A
				}
				sev, act := "", ""
				if ch.A != nil && ch.B != nil {
					sev, act = arrow(ch.Severity, ch.A.Severity, ch.B.Severity), arrow(ch.Action, ch.A.Action, ch.B.Action)
				}
				q := printable.Quote // the ledger's and the providers' text, on a terminal
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", q(r.Account), q(r.OrderNo), r.Kind, q(r.RefundNo),
					q(string(va)), q(string(vb)), orDash(sev), orDash(act), q(detail))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "%s; %d rows only in %s, %d only in %s\n",
				cmp.counts(), cmp.OnlyA, args[0], cmp.OnlyB, args[1])
			return nil
		},
	}
}

// resultsByOrder indexes a run's results by order key (the first of repeats).
func resultsByOrder(db *store.DB, runID string) (map[string]recon.Result, error) {
	if _, err := db.Run(runID); err != nil {
		return nil, err
	}
	out := map[string]recon.Result{}
	err := db.Results(runID, func(r recon.Result) error {
		k := r.Key()
		if _, dup := out[k]; !dup {
			out[k] = r
		}
		return nil
	})
	return out, err
}
