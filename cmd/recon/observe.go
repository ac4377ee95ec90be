package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/metrics"
	"github.com/reconhq/recon/engine/notify"
	"github.com/reconhq/recon/engine/outfile"
	"github.com/reconhq/recon/engine/summary"
	"github.com/reconhq/recon/store"
)

// What a run tells beyond its summary: its progress while it goes, and
// at its end metrics (a Pushgateway, a node_exporter textfile) and a
// webhook. None of these changes the run's exit status once it started.

// observeFlags are run's flags for it; made anew for each app, since
// urfave/cli writes what it read from the environment into the flag.
func observeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "pushgateway", Usage: "push the run's metrics to the Prometheus Pushgateway at `URL` when it ends " +
			"(default: the config's pushgateway)", EnvVars: []string{"RECON_PUSHGATEWAY"}},
		&cli.StringFlag{Name: "metrics-file", Usage: "write the run's metrics to `FILE` for node_exporter's textfile collector " +
			"(atomically; a failed run keeps the last success)", EnvVars: []string{"RECON_METRICS_FILE"}},
	}
}

// observer is one run's progress display and end-of-run reporting.
type observer struct {
	log         *slog.Logger
	view        progressView
	restore     func() // puts stderr back after a live display
	pushgateway string
	metricsFile string
	notify      *config.Notify
	grouping    map[string]string
	report      string
}

// observe prepares what the run shows and tells, and wires the progress
// into opt (opt.Log is the logger to use from now on: on a terminal its
// lines print above the live bars). Its errors come before the first
// query: a bad --pushgateway, a --metrics-file that cannot be written.
func observe(c *cli.Context, cfg *config.Config, opt *engine.Options) (*observer, error) {
	o, err := newObserver(c, cfg, opt.Log)
	if err != nil {
		return nil, err
	}
	if c.Bool("no-progress") {
		return o, nil
	}
	return o, o.showProgress(c, opt)
}

// newObserver is the end-of-run reporting alone (merge has no progress).
func newObserver(c *cli.Context, cfg *config.Config, log *slog.Logger) (*observer, error) {
	o := &observer{log: log, restore: func() {}, notify: cfg.Notify,
		grouping: metrics.Grouping(cfg.AccountNames()), metricsFile: c.String("metrics-file")}
	o.pushgateway = cfg.Pushgateway
	if gw := c.String("pushgateway"); gw != "" {
		if u, err := url.Parse(gw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, usagef("give the Pushgateway's base URL, e.g. http://pushgateway:9091", "--pushgateway is not an http(s) URL")
		}
		o.pushgateway = gw
	}
	if o.metricsFile != "" {
		if err := outfile.Check(o.metricsFile); err != nil {
			return nil, fmt.Errorf("--metrics-file %s: %w", o.metricsFile, err)
		}
	}
	for _, name := range []string{"report", "csv"} {
		if p := c.String(name); p != "" && o.report == "" {
			o.report, _ = filepath.Abs(p)
		}
	}
	return o, nil
}

// showProgress wires the run's progress display into opt.
func (o *observer) showProgress(c *cli.Context, opt *engine.Options) error {
	stderr := c.App.ErrWriter
	if isTerminal(stderr) && c.String("log-format") == "text" {
		bars := newBarProgress(stderr)
		// Log lines go above the bars while they are drawn, and straight
		// to stderr again once they are done.
		sw := &switchWriter{to: bars.p}
		c.App.ErrWriter = sw
		log, err := logger(c)
		c.App.ErrWriter = stderr
		if err != nil {
			bars.close()
			return err
		}
		o.log, o.view = log, bars
		o.restore = func() { sw.set(stderr) }
		opt.Log, opt.ProgressEvery = log, barsEvery
	} else {
		o.view = &logProgress{log: opt.Log}
		opt.ProgressEvery = logsEvery
	}
	opt.Progress = o.view.update
	return nil
}

// stopProgress ends the display, before the summary is printed.
func (o *observer) stopProgress() {
	if o.view != nil {
		o.view.close()
		o.view = nil
	}
	o.restore()
}

// finish tells the metrics and the webhook how the run ended; err is the
// command's result, returned as it is: a push or a post that fails is a
// warning in the log.
func (o *observer) finish(c *cli.Context, db *store.DB, cfg *config.Config, run *store.Run, err error) error {
	o.stopProgress()
	if o.pushgateway == "" && o.metricsFile == "" && o.notify == nil {
		return err
	}
	s, serr := o.summarise(db, cfg, run, err)
	if serr != nil {
		o.log.Warn("no metrics or notification: the run could not be summarised", "err", serr)
		return err
	}
	// An interrupted run is told too: its context is over, theirs is not.
	ctx := context.WithoutCancel(c.Context)
	if o.pushgateway != "" {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if perr := metrics.Push(pctx, o.pushgateway, s, o.grouping, nil); perr != nil {
			o.log.Warn("metrics not pushed", "err", perr)
		}
		cancel()
	}
	if o.metricsFile != "" {
		if werr := metrics.WriteTextfile(o.metricsFile, s, o.grouping); werr != nil {
			o.log.Warn("metrics file not written", "err", werr)
		}
	}
	if o.notify != nil && notify.Wanted(o.notify.On, s) {
		if nerr := notify.Send(ctx, o.notify, s, nil); nerr != nil {
			o.log.Warn("notification not sent", "err", nerr)
		} else {
			o.log.Info("notification sent", "run_id", s.RunID, "exit_status", s.ExitStatus)
		}
	}
	return err
}

// summarise is the run's summary; a run that never started (its ledger
// or rules could not be read) is a failed one with nothing counted.
func (o *observer) summarise(db *store.DB, cfg *config.Config, run *store.Run, err error) (*summary.Summary, error) {
	status := exitStatus(err)
	if run == nil {
		now := time.Now()
		s := &summary.Summary{Status: store.StatusFailed, ExitStatus: status, FailOn: cfg.FailOn, StartedAt: now, FinishedAt: now}
		if err != nil {
			s.Error = err.Error()
		}
		return s, nil
	}
	return summary.Build(db, run, summary.Options{ExitStatus: status, Report: o.report, FailOn: cfg.FailOn})
}

// switchWriter sends log lines to the live display while it is drawn
// and to stderr after.
type switchWriter struct {
	mu sync.Mutex
	to interface{ Write([]byte) (int, error) }
}

func (w *switchWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.to.Write(b)
}

func (w *switchWriter) set(to interface{ Write([]byte) (int, error) }) {
	w.mu.Lock()
	w.to = to
	w.mu.Unlock()
}
