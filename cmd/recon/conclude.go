package main

import (
	"context"
	"errors"
	"io"

	"github.com/urfave/cli/v2"

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
// summary, and turns the outcome into the command's result. One pass over
// the stored results writes them all and counts the findings.
func conclude(c *cli.Context, db *store.DB, cfg *config.Config, run *store.Run, runErr error) error {
	if run == nil {
		return runErr
	}
	var sum *report.Summary
	err := withFile(c.String("report"), func(jw io.Writer) error {
		return withFile(c.String("csv"), func(cw io.Writer) error {
			var err error
			// Not c.Context: a run stopped by a signal still gets its reports.
			sum, err = report.Render(context.Background(), db, run, cfg.FailOn,
				report.Outputs{JSON: jw, CSV: cw, Text: c.App.Writer})
			return err
		})
	})
	if err != nil {
		return errors.Join(runErr, err)
	}
	if runErr != nil {
		return runErr
	}
	if sum.Findings > 0 {
		return errDiscrepancies
	}
	return nil
}

// withFile is writeFile, or fn(nil) when no path was asked for.
func withFile(path string, fn func(io.Writer) error) error {
	if path == "" {
		return fn(nil)
	}
	return writeFile(path, fn)
}
