package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/host"
	"github.com/reconhq/recon/engine/internal/digest"
	"github.com/reconhq/recon/engine/ledger"
	"github.com/reconhq/recon/rules"
	"github.com/reconhq/recon/store"
)

// Options configure a run.
type Options struct {
	Config       *config.Config
	Store        *store.DB
	LedgerPath   string
	LedgerFormat string // "" picks by extension
	RunID        string // "" makes one, or resumes the interrupted run of this ledger
	// Full queries every row, even those the should_query hook would skip.
	Full bool
	Log  *slog.Logger
	// ProgressEvery is how often a progress line is logged (0: never).
	ProgressEvery time.Duration
}

// Stats counts what a run did.
type Stats = store.RunStats

// NewRunID makes a run ID: the local time and 4 random hex digits.
func NewRunID(now time.Time) string {
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	return now.Format("20060102-1504") + "-" + hex.EncodeToString(b)
}

// Run performs the nightly job and returns the stored run. Running it again
// on the same ledger and config after it was killed or interrupted resumes
// that run: rows already stored are kept and not queried again.
//
// The error is ErrNoAnswers when no provider answered at all,
// ErrInterrupted when ctx ended first, or what made the run impossible
// (rules, ledger, store). A run is returned whenever one was stored.
func Run(ctx context.Context, opt Options) (*store.Run, Stats, error) {
	var st Stats
	log := opt.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg, db := opt.Config, opt.Store
	rs, err := rules.Load(cfg.Rules)
	if err != nil {
		return nil, st, err
	}
	defer rs.Close()
	sum, err := digest.File(opt.LedgerPath)
	if err != nil {
		return nil, st, fmt.Errorf("ledger: %w", err)
	}
	lr, err := ledger.Open(opt.LedgerPath, opt.LedgerFormat)
	if err != nil {
		return nil, st, err
	}
	defer lr.Close()
	h, err := host.New(cfg.PluginDir, cfg.Plugins, log)
	if err != nil {
		return nil, st, err
	}
	defer h.Close()

	run, done, err := startOrResume(db, opt, rs, sum)
	if err != nil {
		return nil, st, err
	}
	if run.Resumes > 0 {
		log.Info("resuming an interrupted run", "run_id", run.ID, "rows_already_stored", len(done))
	} else {
		log.Info("run started", "run_id", run.ID, "ledger", opt.LedgerPath)
	}

	w := db.NewWriter(run.ID)
	j := newJudge(rs, func(acct string) *time.Location {
		if a, ok := cfg.Accounts[acct]; ok {
			return a.Location
		}
		return time.UTC
	})
	d := &dispatcher{ctx: ctx, cfg: cfg, db: db, rules: rs, host: h, log: log, judge: j, writer: w,
		runID: run.ID, done: done, full: opt.Full, accounts: map[string]*queue{}}
	stopProgress := d.progress(opt.ProgressEvery)
	readErr := d.read(lr)
	d.wait()
	stopProgress()
	st = d.stats()
	for _, q := range d.accounts {
		run.Accounts[q.acct.cfg.Name] = store.Plugin{Provider: q.acct.cfg.Plugin, Version: q.version(), SHA256: q.acct.spec.SHA256}
	}
	if err := w.Close(); err != nil {
		return run, st, fmt.Errorf("writing results: %w", err)
	}
	run.Ledger.SHA256, run.Ledger.Rows = sum, st.Rows
	// Query counts add up over the attempts of a resumed run; the rest
	// describe this attempt.
	prev := run.Stats
	run.Stats = st
	run.Stats.Queries += prev.Queries
	run.Stats.Retries += prev.Retries
	run.Stats.Restarts += prev.Restarts

	status, cause := store.StatusCompleted, error(nil)
	switch {
	case ctx.Err() != nil:
		status, cause = store.StatusInterrupted, ErrInterrupted
	case readErr != nil:
		status, cause = store.StatusFailed, fmt.Errorf("reading the ledger: %w", readErr)
	case lr.SHA256() != sum:
		// The file was rewritten under us: the rows judged are not the
		// ledger the run is recorded (and would be resumed) under.
		status, cause = store.StatusFailed, fmt.Errorf("the ledger %s changed while it was read; run again on a finished file", opt.LedgerPath)
	default:
		if err := applyRefunds(ctx, db, run.ID, j); err != nil {
			status, cause = store.StatusFailed, err
		} else if st.Queried > 0 && st.Answered == 0 {
			status, cause = store.StatusFailed, ErrNoAnswers
		}
	}
	if run.Totals, err = Totals(db, run.ID); err != nil {
		return run, st, err
	}
	run, err = finish(db, run, status, cause)
	log.Info("run finished", "run_id", run.ID, "status", run.Status, "rows", st.Rows, "queried", st.Queried,
		"reused", st.Reused, "resumed", st.Resumed, "queries", st.Queries, "retries", st.Retries,
		"plugin_restarts", st.Restarts)
	return run, st, err
}

// startOrResume stores a new run, or takes up the interrupted run of the
// same ledger and config (or the one --run-id names) and returns the lines
// it already stored.
func startOrResume(db *store.DB, opt Options, rs *rules.Rules, ledgerSHA string) (*store.Run, map[int]bool, error) {
	prev, err := resumable(db, opt, ledgerSHA)
	if err != nil {
		return nil, nil, err
	}
	host, _ := os.Hostname()
	if prev == nil {
		id := opt.RunID
		if id == "" {
			id = NewRunID(time.Now())
		}
		run := &store.Run{ID: id, Command: "run", Status: store.StatusRunning, StartedAt: time.Now().UTC(),
			Ledger: store.LedgerInfo{Path: opt.LedgerPath, SHA256: ledgerSHA}, Config: opt.Config.Path,
			RuleSet: rs.ID(), FailOn: opt.Config.FailOn, Full: opt.Full,
			Accounts: map[string]store.Plugin{}, Totals: map[recon.Verdict]int{}, PID: os.Getpid(), Host: host}
		for _, f := range rs.Files() {
			run.Rules = append(run.Rules, recon.RuleFile{File: f.File, SHA256: f.SHA256})
		}
		return run, map[int]bool{}, db.PutRun(run)
	}
	if prev.RuleSet != rs.ID() {
		return nil, nil, fmt.Errorf("run %s was interrupted under other rule files (rule set %s, now %s): "+
			"restore them to resume it, or pass another --run-id to start afresh", prev.ID, prev.RuleSet, rs.ID())
	}
	done, err := db.DoneLines(prev.ID)
	if err != nil {
		return nil, nil, err
	}
	prev.Status, prev.Error, prev.PID, prev.Host = store.StatusRunning, "", os.Getpid(), host
	prev.Resumes++
	if prev.Accounts == nil {
		prev.Accounts = map[string]store.Plugin{}
	}
	return prev, done, db.PutRun(prev)
}

// resumable finds the run to resume: the one --run-id names, else the
// newest unfinished run of the same ledger file, content and config. The
// store's lock means no other process is running it.
func resumable(db *store.DB, opt Options, ledgerSHA string) (*store.Run, error) {
	if opt.RunID != "" {
		r, err := db.Run(opt.RunID)
		if errors.Is(err, store.ErrRunNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		switch {
		case r.Status == store.StatusCompleted:
			return nil, fmt.Errorf("run %s is already complete: choose another --run-id, or omit it", r.ID)
		case r.Command != "run":
			return nil, fmt.Errorf("run %s is a %s, not a run: choose another --run-id", r.ID, r.Command)
		case r.Ledger.SHA256 != ledgerSHA:
			return nil, fmt.Errorf("run %s read another ledger (sha256 %s, this one %s): choose another --run-id",
				r.ID, r.Ledger.SHA256, ledgerSHA)
		}
		return r, nil
	}
	runs, err := db.Runs()
	if err != nil {
		return nil, err
	}
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if r.Command != "run" || r.Ledger.Path != opt.LedgerPath || r.Config != opt.Config.Path || r.Full != opt.Full {
			continue
		}
		if r.Ledger.SHA256 != ledgerSHA || r.Status == store.StatusCompleted || r.Status == store.StatusFailed {
			return nil, nil // the newest run of this ledger is not one to take up
		}
		return r, nil
	}
	return nil, nil
}

func finish(db *store.DB, run *store.Run, status store.Status, cause error) (*store.Run, error) {
	run.Status = status
	run.FinishedAt = time.Now().UTC()
	if cause != nil {
		run.Error = cause.Error()
	}
	if err := db.PutRun(run); err != nil {
		return run, errors.Join(cause, err)
	}
	return run, cause
}

// applyRefunds runs the order-level refunds check and rewrites the payment
// rows it changes.
func applyRefunds(ctx context.Context, db *store.DB, runID string, j *judge) error {
	changed, err := j.refunds(ctx, db, runID)
	if err != nil || len(changed) == 0 {
		return err
	}
	w := db.NewWriter(runID)
	for _, r := range changed {
		if err := w.Put(r); err != nil {
			break
		}
	}
	return w.Close()
}

// Totals counts a run's results by verdict.
func Totals(db *store.DB, runID string) (map[recon.Verdict]int, error) {
	t := map[recon.Verdict]int{}
	err := db.Results(runID, func(r recon.Result) error {
		t[r.Verdict]++
		return nil
	})
	return t, err
}

// dispatcher reads the ledger and hands each row that needs a query to its
// account's queue.
type dispatcher struct {
	ctx    context.Context
	cfg    *config.Config
	db     *store.DB
	rules  *rules.Rules
	host   *host.Host
	log    *slog.Logger
	judge  *judge
	writer *store.Writer
	runID  string
	done   map[int]bool // lines stored by an interrupted attempt of this run
	full   bool

	accounts map[string]*queue
	wg       sync.WaitGroup

	mu sync.Mutex
	st Stats
}

type queue struct {
	acct *account
	jobs chan recon.Row
}

func (q *queue) version() string {
	q.acct.mu.Lock()
	defer q.acct.mu.Unlock()
	return q.acct.info.Version
}

func (d *dispatcher) read(lr *ledger.Reader) error {
	seen := map[string]int{}
	for d.ctx.Err() == nil {
		raw, err := lr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		d.count(func(s *Stats) { s.Rows++ })
		row, problem := validate(raw, d.cfg)
		resumed := d.done[row.Line]
		if problem != "" {
			if !resumed {
				d.put(d.judge.rejected(row, raw.Amount, "INVALID", problem))
			}
			continue
		}
		key := row.Key()
		if first, dup := seen[key]; dup {
			if !resumed {
				d.put(d.judge.rejected(row, raw.Amount, "DUPLICATE", fmt.Sprintf("repeats line %d", first)))
			}
			continue
		}
		seen[key] = row.Line
		switch {
		case resumed:
			if err := d.restore(row); err != nil {
				return err
			}
			d.count(func(s *Stats) { s.Resumed++ })
		case d.reuse(row):
			d.count(func(s *Stats) { s.Reused++ })
		default:
			d.queue(row.Account).jobs <- row
		}
	}
	return nil
}

// restore feeds the refunds check with a row an interrupted attempt stored.
func (d *dispatcher) restore(row recon.Row) error {
	r, err := d.db.Result(d.runID, row.Line)
	if err != nil {
		return err
	}
	ex, err := d.db.Exchange(d.runID, row.Line)
	switch {
	case errors.Is(err, store.ErrNoReply):
		return nil // never queried: nothing for the refunds check
	case err != nil:
		return err
	}
	d.judge.restore(row, *r, ex.Reply)
	return nil
}

// reuse judges row on its stored answer instead of querying, when the
// should_query hook says the order need not be asked again tonight.
func (d *dispatcher) reuse(row recon.Row) bool {
	if d.full {
		return false
	}
	latest, ok, err := d.db.Latest(row.Key())
	if err != nil || !ok || latest.RunID == d.runID {
		return false
	}
	last := &rules.Last{RunID: latest.RunID, Verdict: latest.Verdict, Severity: latest.Severity, At: latest.At,
		Unchanged: latest.Fingerprint == fingerprint(row)}
	ctx := context.WithoutCancel(d.ctx) // see work: a judgement is never cut short
	query, _, err := d.rules.ShouldQuery(ctx, row, last, time.Now())
	if err != nil {
		d.log.Warn("should_query failed; querying", "line", row.Line, "err", err)
		return false
	}
	if query {
		return false
	}
	ex, err := d.db.Exchange(latest.RunID, latest.Line)
	if err != nil || ex == nil {
		return false
	}
	rec := d.judge.answered(ctx, row, ex.Reply, 0)
	rec.Result.Reused = latest.RunID
	d.put(rec)
	return true
}

func (d *dispatcher) queue(name string) *queue {
	if q, ok := d.accounts[name]; ok {
		return q
	}
	cfg := d.cfg.Accounts[name]
	q := &queue{acct: newAccount(cfg, d.host, d.log), jobs: make(chan recon.Row, cfg.Concurrency)}
	d.accounts[name] = q
	for i := 0; i < cfg.Concurrency; i++ {
		d.wg.Add(1)
		go d.work(q)
	}
	return q
}

func (d *dispatcher) work(q *queue) {
	defer d.wg.Done()
	for row := range q.jobs {
		if d.ctx.Err() != nil {
			continue // drain: an interrupted run leaves these rows for the resume
		}
		res, attempts, err := q.acct.query(d.ctx, recon.QueryOf(&row))
		if err != nil {
			continue // interrupted mid-query: not stored, so the resume asks again
		}
		// A row counts as queried even when no attempt could be sent (its
		// plugin would not start): it still needed the provider.
		d.count(func(s *Stats) {
			s.Queried++
			if !res.Outcome.Failed() {
				s.Answered++
			}
		})
		// Judge even if the run is being interrupted right now: the answer is
		// in, and a verdict cut short would be stored as final. Rules have
		// their own time limit.
		d.put(d.judge.answered(context.WithoutCancel(d.ctx), row, res, attempts))
	}
}

func (d *dispatcher) put(r store.Record) {
	if err := d.writer.Put(r); err != nil {
		d.log.Error("writing a result failed", "line", r.Result.Line, "err", err)
	}
}

func (d *dispatcher) count(f func(*Stats)) {
	d.mu.Lock()
	f(&d.st)
	d.mu.Unlock()
}

func (d *dispatcher) stats() Stats {
	d.mu.Lock()
	st := d.st
	d.mu.Unlock()
	for _, q := range d.accounts {
		q.acct.mu.Lock()
		st.Queries += q.acct.stats.Queries
		st.Retries += q.acct.stats.Retries
		st.Restarts += q.acct.stats.Restarts
		q.acct.mu.Unlock()
	}
	return st
}

// progress logs a line every interval until the returned func is called.
func (d *dispatcher) progress(every time.Duration) (stop func()) {
	if every <= 0 {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				st := d.stats()
				d.log.Info("progress", "run_id", d.runID, "rows_read", st.Rows, "queried", st.Queried,
					"reused", st.Reused, "resumed", st.Resumed, "retries", st.Retries)
			case <-quit:
				return
			}
		}
	}()
	return func() { close(quit); wg.Wait() }
}

func (d *dispatcher) wait() {
	for _, q := range d.accounts {
		close(q.jobs)
	}
	d.wg.Wait()
	for _, q := range d.accounts {
		q.acct.close()
	}
}
