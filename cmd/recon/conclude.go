package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/outfile"
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
	sum, err := concluded(c, db, cfg, run, runErr, false)
	logConcluded(log, cfg, run, sum, err)
	return err
}

// logConcluded logs the one line a night's log is read for: the run's
// outcome as the exit status says it, how long it took, how many findings.
func logConcluded(log *slog.Logger, cfg *config.Config, run *store.Run, sum *report.Summary, err error) {
	status := exitStatus(err)
	attrs := []any{"run_id", run.ID, "status", run.Status, "exit_status", status, "fail_on", cfg.FailOn,
		"rows", run.Stats.Rows}
	if sum != nil {
		attrs = append(attrs, "findings", sum.Findings)
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

// concluded is conclude's work: one pass over the stored results writes
// every report asked for and the summary, and counts the findings. A
// report that cannot be written does not hide the summary nor the others:
// the run is stored (unless merged: merge's store is a temporary one), and
// the error says how to write the report again.
func concluded(c *cli.Context, db *store.DB, cfg *config.Config, run *store.Run, runErr error, merged bool) (*report.Summary, error) {
	var errs []error
	outs := report.Outputs{Text: c.App.Writer}
	var files []*reportFile
	for _, out := range []struct {
		flag, format string
		to           *io.Writer
	}{{"report", "json", &outs.JSON}, {"csv", "csv", &outs.CSV}, {"html", "html", &outs.HTML}} {
		p := c.String(out.flag)
		if p == "" {
			continue
		}
		if outfile.IsStdout(p) {
			// `--report /dev/stdout | jq`: stdout is the report's alone.
			outs.Text = c.App.ErrWriter
		}
		rf := &reportFile{flag: out.flag, format: out.format, path: p, merged: merged}
		f, err := outfile.Create(p, 0o600)
		if err != nil {
			errs = append(errs, rf.failed(run, err))
			continue
		}
		rf.f = f
		files = append(files, rf)
		*out.to = rf
	}
	// Not c.Context: a run stopped by a signal still gets its reports.
	sum, err := report.Render(context.Background(), db, run, cfg.FailOn, outs)
	for _, rf := range files {
		if rf.err == nil && err == nil {
			if rf.err = rf.f.Commit(); rf.err != nil {
				rf.err = fmt.Errorf("%w (%w)", rf.err, rf.f.NotWritten())
			}
		} else {
			// Not made (the render's failure, or this file's own write):
			// say so for each file, and what is there, or a job that
			// reads it takes the previous night's for this one.
			rf.f.Abort()
			if rf.err == nil {
				rf.err = rf.f.NotWritten()
			} else {
				rf.err = fmt.Errorf("%w (%w)", rf.err, rf.f.NotWritten())
			}
		}
		if rf.err != nil {
			errs = append(errs, rf.failed(run, rf.err))
		}
	}
	if err != nil {
		return nil, errors.Join(append([]error{runErr, err}, errs...)...)
	}
	if runErr != nil || len(errs) > 0 {
		return sum, errors.Join(append([]error{runErr}, errs...)...)
	}
	if sum.Findings > 0 {
		return sum, errDiscrepancies
	}
	return sum, nil
}

// reportFile is a report being written, put in place only when the whole
// of it was. A write that fails is kept, not returned, so that the one pass
// goes on for the other outputs.
type reportFile struct {
	flag, format, path string
	merged             bool // a merged night, in the merge's temporary store
	f                  *outfile.File
	err                error
}

func (r *reportFile) Write(p []byte) (int, error) {
	if r.err == nil {
		_, r.err = r.f.Write(p)
	}
	return len(p), nil
}

func (r *reportFile) failed(run *store.Run, err error) error {
	return &reportError{Flag: "--" + r.flag, Path: r.path, Format: r.format, RunID: run.ID, Merged: r.merged, Err: err}
}

// reportError is a report that could not be written, of a run stored or
// of a merged night (Merged), whose store goes with the merge.
type reportError struct {
	Flag, Path, Format, RunID string
	Merged                    bool
	Err                       error
}

func (e *reportError) Error() string {
	if e.Merged {
		return fmt.Sprintf("%s %s: %v\n  the merged night is not stored: run the same recon merge again (merging is idempotent)",
			e.Flag, e.Path, e.Err)
	}
	return fmt.Sprintf("%s %s: %v\n  the run is stored: recon report --run %s --format %s --out FILE writes it again",
		e.Flag, e.Path, e.Err, e.RunID, e.Format)
}

func (e *reportError) Unwrap() error { return e.Err }
