package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"sync"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/rules"
	"github.com/reconhq/recon/store"
)

// pipeline is what every pass over a run's rows shares, whichever command
// runs it: the run being written, the store, and the judge. A run and a
// replay differ only in where a row's answer comes from (a query, or the
// store) and in latest.
type pipeline struct {
	db    *store.DB
	run   *store.Run
	judge *judge
	// latest makes the results the orders' latest, which the next night's
	// should_query reads. A replay is a what-if: it never does.
	latest bool

	// totals and severities count the run's results as they are written,
	// so that neither the end of the run nor `recon runs` reads them back.
	mu         sync.Mutex
	totals     map[recon.Verdict]int
	severities map[recon.Severity]int
}

// tally adds n results of verdict v and severity s to the run's counts.
func (p *pipeline) tally(v recon.Verdict, s recon.Severity, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.totals == nil {
		p.totals, p.severities = map[recon.Verdict]int{}, map[recon.Severity]int{}
	}
	p.totals[v] += n
	if p.totals[v] == 0 {
		delete(p.totals, v)
	}
	p.severities[s] += n
	if p.severities[s] == 0 {
		delete(p.severities, s)
	}
}

// NewRunID makes a run ID: the local time and 4 random hex digits.
func NewRunID(now time.Time) string {
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	return now.Format("20060102-1504") + "-" + hex.EncodeToString(b)
}

// newRun describes a run about to start under id ("" makes one), judged by
// rs: the rule files it records are the ones that judge it.
func newRun(id, command string, cfg *config.Config, rs *rules.Rules) *store.Run {
	if id == "" {
		id = NewRunID(time.Now())
	}
	run := &store.Run{ID: id, Command: command, StartedAt: time.Now().UTC(), Config: cfg.Path,
		RuleSet: rs.ID(), FailOn: cfg.FailOn, Accounts: map[string]store.Plugin{}, Totals: map[recon.Verdict]int{}}
	for _, f := range rs.Files() {
		run.Rules = append(run.Rules, recon.RuleFile{File: f.File, SHA256: f.SHA256})
	}
	claim(run)
	return run
}

// claim marks run as running in this process, so that `recon runs` can
// tell it from a run whose process was killed.
func claim(run *store.Run) {
	run.Status, run.Error, run.PID = store.StatusRunning, "", os.Getpid()
	run.Host, _ = os.Hostname()
	if run.Accounts == nil {
		run.Accounts = map[string]store.Plugin{}
	}
}

// pass writes one pass over the run's rows: feed puts records, one writer
// commits them in batches, and every record is committed (or the write
// failed) when pass returns, so the next pass reads them.
func (p *pipeline) pass(feed func(put func(store.Record) error) error) error {
	w := p.db.NewWriter(p.run.ID)
	err := feed(func(r store.Record) error {
		r.Final = r.Final && p.latest
		p.tally(r.Result.Verdict, r.Result.Severity, 1)
		return w.Put(r)
	})
	if cerr := w.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("writing results: %w", cerr))
	}
	return err
}

// refunds is the pass after the rows: the refunds hook of every order with
// refund rows, rewriting the payment rows whose judgement it changes.
func (p *pipeline) refunds(ctx context.Context) error {
	changed, err := p.judge.refunds(ctx, p.db, p.run.ID)
	if err != nil || len(changed) == 0 {
		return err
	}
	return p.pass(func(put func(store.Record) error) error {
		for _, c := range changed {
			p.tally(c.was, c.wasSeverity, -1) // the row's result is replaced
			if put(c.Record) != nil {
				break // the writer keeps its first error and pass returns it
			}
		}
		return nil
	})
}

// end decides how the run ended, counts its verdicts and stores it.
// rowsErr is what stopped the rows pass; then come the passes that need
// every row (the refunds pass first), each only if all before it went
// through. The run is interrupted when ctx ended, failed with the first
// error, else completed; the error returned is that cause, or what made
// storing the run fail.
func (p *pipeline) end(ctx context.Context, rowsErr error, after ...func(context.Context) error) error {
	status, cause := store.StatusCompleted, error(nil)
	switch {
	case ctx.Err() != nil:
		status, cause = store.StatusInterrupted, ErrInterrupted
	case rowsErr != nil:
		status, cause = store.StatusFailed, rowsErr
	default:
		for _, next := range after {
			if err := next(ctx); err != nil {
				status, cause = store.StatusFailed, err
				break
			}
		}
	}
	p.mu.Lock()
	p.run.Totals, p.run.Severities = maps.Clone(p.totals), maps.Clone(p.severities)
	p.mu.Unlock()
	if p.run.Totals == nil {
		p.run.Totals = map[recon.Verdict]int{}
	}
	p.run.Status, p.run.FinishedAt = status, time.Now().UTC()
	if cause != nil {
		p.run.Error = cause.Error()
	}
	if err := p.db.PutRun(p.run); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return log
}
