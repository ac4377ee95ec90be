package main

import (
	"encoding/json"
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
		Description: "Status is completed, failed, interrupted, running, or \"interrupted (killed)\" for a run still\n" +
			"marked running whose process is gone: running the same command again resumes it.\n" +
			"FINDINGS counts the results at or above the run's fail_on: the rows that made (or would make) exit 3.",
		UsageText: "recon runs [--config FILE | --store FILE] [--format text|json]\n\n" +
			"Examples:\n" +
			"   recon runs --config recon.yaml\n" +
			"   recon runs --store /var/lib/recon/recon.db --format json",
		Flags: []cli.Flag{configFlag, storeFlag, formatFlag},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("recon runs [--format json]", "unexpected argument %q", c.Args().First())
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
			// A damaged run record is reported after the runs that still read,
			// so the listing is what an operator salvages from.
			runs, err := db.Runs()
			if err != nil && !errors.Is(err, store.ErrCorrupt) {
				return err
			}
			damaged := err
			listed := make([]listedRun, 0, len(runs))
			for _, r := range runs {
				n, err := countFindings(db, r, "")
				if err != nil && !errors.Is(err, store.ErrCorrupt) {
					return err
				}
				damaged = errors.Join(damaged, err)
				listed = append(listed, listedRun{Run: r, Shown: runStatus(r), Findings: n})
			}
			if asJSON {
				return errors.Join(writeJSON(c.App.Writer, listed), damaged)
			}
			tw := table(c.App.Writer)
			fmt.Fprintln(tw, "RUN\tCOMMAND\tSTATUS\tSTARTED\tROWS\tLEDGER\tFINDINGS")
			for _, r := range listed {
				findings := "-"
				if r.Findings > 0 {
					findings = fmt.Sprint(r.Findings)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.Command, r.Shown,
					r.StartedAt.Local().Format(time.DateTime), r.Ledger.Rows, r.Ledger.Path, findings)
			}
			return errors.Join(tw.Flush(), damaged)
		},
	}
}

// listedRun is one run as `runs` lists it.
type listedRun struct {
	*store.Run
	Shown    string `json:"-"`
	Findings int    `json:"-"`
}

// MarshalJSON is the run as `runs --format json` prints it: what a script
// needs to pick a run and judge it, not the whole record.
func (r listedRun) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID         string                `json:"run_id"`
		Command    string                `json:"command"`
		ReplayOf   string                `json:"replay_of,omitempty"`
		Status     string                `json:"status"`
		Killed     bool                  `json:"killed,omitempty"`
		StartedAt  time.Time             `json:"started_at"`
		FinishedAt time.Time             `json:"finished_at,omitzero"`
		Rows       int                   `json:"rows"`
		Ledger     string                `json:"ledger"`
		FailOn     recon.Severity        `json:"fail_on"`
		Findings   int                   `json:"findings"`
		Totals     map[recon.Verdict]int `json:"totals"`
		Error      string                `json:"error,omitempty"`
	}{r.ID, r.Command, r.ReplayOf, string(r.Status), r.Shown != string(r.Status), r.StartedAt, r.FinishedAt,
		r.Ledger.Rows, r.Ledger.Path, r.FailOn, r.Findings, r.Totals, r.Error})
}

// runStatus shows a run still marked running whose process is gone as interrupted.
func runStatus(r *store.Run) string {
	if r.Status == store.StatusRunning && !processAlive(r.PID) {
		return "interrupted (killed)"
	}
	return string(r.Status)
}
