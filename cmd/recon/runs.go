package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

func runsCommand() *cli.Command {
	return &cli.Command{
		Name:  "runs",
		Usage: "list the runs in the store",
		Description: "Status is completed, failed, interrupted, or running; a run shown as running whose process\n" +
			"is gone was killed: running the same command again resumes it.",
		Flags: []cli.Flag{configFlag, storeFlag},
		Action: func(c *cli.Context) error {
			db, err := openStoredRuns(c)
			if err != nil {
				return err
			}
			defer db.Close()
			// A damaged run record is reported after the runs that still read,
			// so the listing is what an operator salvages from.
			runs, err := db.Runs()
			if err != nil && !errors.Is(err, store.ErrCorrupt) {
				return err
			}
			damaged := err
			tw := table(c.App.Writer)
			fmt.Fprintln(tw, "RUN\tCOMMAND\tSTATUS\tSTARTED\tROWS\tLEDGER\tFINDINGS")
			for _, r := range runs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.Command, runStatus(r),
					r.StartedAt.Local().Format(time.DateTime), r.Ledger.Rows, r.Ledger.Path, findingsOf(r))
			}
			return errors.Join(tw.Flush(), damaged)
		},
	}
}

// runStatus shows a run still marked running whose process is gone as interrupted.
func runStatus(r *store.Run) string {
	if r.Status == store.StatusRunning && !processAlive(r.PID) {
		return "interrupted (killed)"
	}
	return string(r.Status)
}

func findingsOf(r *store.Run) string {
	n := 0
	for v, c := range r.Totals {
		if v != recon.VerdictMatched {
			n += c
		}
	}
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}
