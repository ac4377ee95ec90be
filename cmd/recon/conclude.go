package main

import (
	"errors"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/report"
	"github.com/reconhq/recon/store"
)

// The end of a run, the same for run and replay: the reports asked for,
// the summary, and the outcome as the command's result.

var (
	reportFlag = &cli.StringFlag{Name: "report", Usage: "write the JSON report to `FILE`"}
	csvFlag    = &cli.StringFlag{Name: "csv", Usage: "write the report as CSV, one row per result, to `FILE`"}
)

// conclude writes the reports of a finished (or stopped) run, prints the
// summary, and turns the outcome into the command's result.
func conclude(c *cli.Context, db *store.DB, cfg *config.Config, run *store.Run, runErr error) error {
	if run == nil {
		return runErr
	}
	if p := c.String("report"); p != "" {
		if err := writeFile(p, func(w io.Writer) error { return report.JSON(w, db, run) }); err != nil {
			return errors.Join(runErr, err)
		}
	}
	if p := c.String("csv"); p != "" {
		if err := writeFile(p, func(w io.Writer) error { return report.CSV(w, db, run) }); err != nil {
			return errors.Join(runErr, err)
		}
	}
	if err := report.Text(c.App.Writer, db, run, cfg.FailOn, 0); err != nil {
		return errors.Join(runErr, err)
	}
	if runErr != nil {
		return runErr
	}
	return findings(db, run, cfg.FailOn)
}

// findings returns errDiscrepancies when a result is at or above failOn.
func findings(db *store.DB, run *store.Run, failOn recon.Severity) error {
	found := false
	err := db.Results(run.ID, func(r recon.Result) error {
		if r.Severity.AtLeast(failOn) {
			found = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	if found {
		return errDiscrepancies
	}
	return nil
}
