package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

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
func conclude(c *cli.Context, log *slog.Logger, db *store.DB, cfg *config.Config, run *store.Run, runErr error) error {
	if run == nil {
		return runErr
	}
	err := concluded(c, db, cfg, run, runErr)
	logConcluded(log, db, cfg, run, err)
	return err
}

// logConcluded logs the one line a night's log is read for: the run's
// outcome as the exit status says it, how long it took, how many findings.
func logConcluded(log *slog.Logger, db *store.DB, cfg *config.Config, run *store.Run, err error) {
	status := exitStatus(err)
	n, cerr := countFindings(db, run, cfg.FailOn)
	attrs := []any{"run_id", run.ID, "status", run.Status, "exit_status", status, "fail_on", cfg.FailOn,
		"rows", run.Stats.Rows}
	if cerr == nil {
		attrs = append(attrs, "findings", n)
	}
	if !run.FinishedAt.IsZero() {
		attrs = append(attrs, "duration", run.FinishedAt.Sub(run.StartedAt).Round(time.Millisecond).String(),
			"seconds", run.FinishedAt.Sub(run.StartedAt).Seconds())
	}
	level := slog.LevelInfo
	if status == exitFailed {
		level = slog.LevelError
	}
	log.Log(context.Background(), level, "run concluded", attrs...)
}

// concluded is conclude's work: the reports, the summary, the result.
func concluded(c *cli.Context, db *store.DB, cfg *config.Config, run *store.Run, runErr error) error {
	// A report that cannot be written does not hide the summary: the run is
	// stored, and the error says how to write the report again.
	var writeErrs []error
	for _, out := range []struct {
		flag, format string
	}{{"report", "json"}, {"csv", "csv"}} {
		p := c.String(out.flag)
		if p == "" {
			continue
		}
		if err := writeFile(p, func(w io.Writer) error { return report.Write(w, db, run, out.format, cfg.FailOn) }); err != nil {
			writeErrs = append(writeErrs, &reportError{Flag: "--" + out.flag, Path: p, Format: out.format, RunID: run.ID, Err: err})
		}
	}
	if err := report.Text(c.App.Writer, db, run, cfg.FailOn, 0); err != nil {
		return errors.Join(runErr, err)
	}
	if runErr != nil || len(writeErrs) > 0 {
		return errors.Join(append([]error{runErr}, writeErrs...)...)
	}
	return findings(db, run, cfg.FailOn)
}

// reportError is a report of a stored run that could not be written.
type reportError struct {
	Flag, Path, Format, RunID string
	Err                       error
}

func (e *reportError) Error() string {
	return fmt.Sprintf("%s %s: %v\n  the run is stored: recon report --run %s --format %s --out FILE writes it again",
		e.Flag, e.Path, e.Err, e.RunID, e.Format)
}

func (e *reportError) Unwrap() error { return e.Err }

// findings returns errDiscrepancies when a result is at or above failOn.
func findings(db *store.DB, run *store.Run, failOn recon.Severity) error {
	n, err := countFindings(db, run, failOn)
	if err != nil {
		return err
	}
	if n > 0 {
		return errDiscrepancies
	}
	return nil
}
