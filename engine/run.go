package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
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
	// AllowEmpty lets a ledger without data rows complete; otherwise such a
	// run fails with ErrEmptyLedger.
	AllowEmpty bool
	// Host starts the accounts' plugins; nil starts each as its own process
	// (host.New over the config's plugin_dir and pins). The run does not
	// close a Host it is given.
	Host host.Starter
	Log  *slog.Logger
	// ProgressEvery is how often a progress line is logged, and Progress
	// called (0: never).
	ProgressEvery time.Duration
	// Progress, when set, is given the run's progress every ProgressEvery
	// and once at the end of the rows, from one goroutine.
	Progress func(Progress)
}

// Run performs the nightly job and returns the stored run. Running it again
// on the same ledger and config after it was killed or interrupted resumes
// that run: rows already stored are kept and not queried again.
//
// The error is ErrNoAnswers when no provider answered at all,
// ErrInterrupted when ctx ended first, a *ledger.Error for a ledger that
// cannot be read, a *RunIDError when the run cannot be started or resumed
// under its ID, or what else made the run impossible (rules, store). A run
// is returned whenever one was stored.
func Run(ctx context.Context, opt Options) (*store.Run, store.RunStats, error) {
	var st store.RunStats
	log := orDiscard(opt.Log)
	cfg, db := opt.Config, opt.Store
	rs, err := rules.Load(cfg.Rules)
	if err != nil {
		return nil, st, err
	}
	defer rs.Close()
	sum, err := digest.File(opt.LedgerPath)
	if err != nil {
		return nil, st, &ledger.Error{Path: opt.LedgerPath, Err: err}
	}
	lr, err := ledger.Open(opt.LedgerPath, opt.LedgerFormat, accountsOf(cfg))
	if err != nil {
		return nil, st, err
	}
	defer lr.Close()
	starter := opt.Host
	if starter == nil {
		h, err := host.New(cfg.PluginDir, cfg.Plugins, log)
		if err != nil {
			return nil, st, err
		}
		defer h.Close()
		starter = h
	}

	run, done, err := startOrResume(db, opt, rs, sum)
	if err != nil {
		return nil, st, err
	}
	if run.Resumes > 0 {
		log.Info("resuming an interrupted run", "run_id", run.ID, "rows_already_stored", len(done))
	} else {
		log.Info("run started", "run_id", run.ID, "ledger", opt.LedgerPath)
	}

	p := &pipeline{db: db, run: run, judge: newJudge(rs, zoneOf(cfg)), latest: true}
	// Querying stops at once when a result cannot be stored: every answer
	// after that would be asked for and thrown away.
	qctx, stopQuerying := context.WithCancel(ctx)
	defer stopQuerying()
	d := &dispatcher{pipeline: p, ctx: qctx, cfg: cfg, rules: rs, host: starter, log: log, done: done,
		full: opt.Full, accounts: map[string]*queue{}, stop: stopQuerying}
	stopProgress := d.progress(opt.ProgressEvery)
	rowsErr := p.pass(func(put func(store.Record) error) error {
		d.write = put
		defer d.wait()
		if err := d.read(lr); err != nil {
			return fmt.Errorf("reading the ledger: %w", err)
		}
		return nil
	})
	stopProgress()
	st = d.stats()
	if rowsErr == nil && ctx.Err() == nil && lr.SHA256() != sum {
		// The file was rewritten under us: the rows judged are not the
		// ledger the run is recorded (and would be resumed) under.
		rowsErr = &ledger.Error{Path: opt.LedgerPath, Err: ledger.ErrChanged}
	}
	for _, q := range d.accounts {
		run.Accounts[q.acct.cfg.Name] = store.Plugin{Provider: q.acct.cfg.Plugin, Version: q.version(), SHA256: q.acct.spec.SHA256}
	}
	run.Ledger.SHA256, run.Ledger.Rows = sum, st.Rows
	// Query counts add up over the attempts of a resumed run; the rest
	// describe this attempt.
	prev := run.Stats
	run.Stats = st
	run.Stats.Queries += prev.Queries
	run.Stats.Retries += prev.Retries
	run.Stats.Restarts += prev.Restarts

	if rowsErr == nil && ctx.Err() == nil && st.Rows == 0 && !opt.AllowEmpty {
		rowsErr = fmt.Errorf("%w: %s (an upstream export that failed looks like this; pass --allow-empty "+
			"if a night without orders is expected)", ErrEmptyLedger, opt.LedgerPath)
	}
	err = p.end(ctx, rowsErr, p.refunds, func(context.Context) error {
		if st.Queried > 0 && st.Answered == 0 {
			return ErrNoAnswers
		}
		return nil
	})
	log.Info("run finished", "run_id", run.ID, "status", run.Status, "rows", st.Rows, "queried", st.Queried,
		"reused", st.Reused, "resumed", st.Resumed, "queries", st.Queries, "retries", st.Retries,
		"plugin_restarts", st.Restarts)
	return run, st, err
}

// accountsOf is what the ledger needs of the config to check a row.
func accountsOf(cfg *config.Config) ledger.Accounts {
	return func(name string) (ledger.Account, bool) {
		a, ok := cfg.Accounts[name]
		if !ok {
			return ledger.Account{}, false
		}
		return ledger.Account{Provider: a.Plugin, Currency: a.Currency, Location: a.Location}, true
	}
}

// startOrResume stores a new run, or takes up the interrupted run of the
// same ledger and config (or the one --run-id names) and returns the lines
// it already stored.
func startOrResume(db *store.DB, opt Options, rs *rules.Rules, ledgerSHA string) (*store.Run, map[int]bool, error) {
	prev, found, err := resumable(db, opt, ledgerSHA)
	if err != nil {
		return nil, nil, err
	}
	if !found {
		run := newRun(opt.RunID, store.CommandRun, opt.Config, rs)
		run.Ledger = store.LedgerInfo{Path: opt.LedgerPath, SHA256: ledgerSHA}
		run.Full, run.ConfigSHA256 = opt.Full, configDigest(opt.Config)
		return run, map[int]bool{}, db.PutRun(run)
	}
	if prev.RuleSet != rs.ID() {
		return nil, nil, &RunIDError{RunID: prev.ID, Err: ErrRulesChanged, msg: fmt.Sprintf(
			"run %s was interrupted under other rule files (rule set %s, now %s): "+
				"restore them to resume it, or pass another --run-id to start afresh", prev.ID, prev.RuleSet, rs.ID())}
	}
	done, err := db.DoneLines(prev.ID)
	if err != nil {
		return nil, nil, err
	}
	claim(prev)
	prev.Resumes++
	return prev, done, db.PutRun(prev)
}

// resumable finds the run to resume: the one --run-id names, else the
// newest unfinished run of the same ledger file, content and config. The
// store's lock means no other process is running it.
func resumable(db *store.DB, opt Options, ledgerSHA string) (*store.Run, bool, error) {
	if opt.RunID != "" {
		r, err := db.Run(opt.RunID)
		if errors.Is(err, store.ErrRunNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		taken := func(format string, args ...any) (*store.Run, bool, error) {
			return nil, false, &RunIDError{RunID: r.ID, Err: ErrRunIDTaken, msg: fmt.Sprintf(format, args...)}
		}
		switch {
		case r.Status == store.StatusCompleted:
			return taken("run %s is already complete: choose another --run-id, or omit it", r.ID)
		case r.Command != store.CommandRun:
			return taken("run %s is a %s, not a run: choose another --run-id", r.ID, r.Command)
		case r.Ledger.SHA256 != ledgerSHA:
			return taken("run %s read another ledger (sha256 %s, this one %s): choose another --run-id",
				r.ID, r.Ledger.SHA256, ledgerSHA)
		case r.ConfigSHA256 != configDigest(opt.Config):
			return nil, false, &RunIDError{RunID: r.ID, Err: ErrConfigChanged, msg: fmt.Sprintf(
				"run %s was interrupted under another config (%s had other content, or fail_on differs): "+
					"restore it to resume the run, or choose another --run-id to start afresh", r.ID, opt.Config.Path)}
		}
		return r, true, nil
	}
	runs, err := db.Runs()
	if err != nil {
		return nil, false, err
	}
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if r.Command != store.CommandRun || r.Ledger.Path != opt.LedgerPath || r.Config != opt.Config.Path || r.Full != opt.Full {
			continue
		}
		// Only the newest run of this ledger is one to take up, and only
		// while it is unfinished and made under the same config content.
		ok := r.Ledger.SHA256 == ledgerSHA && r.Status != store.StatusCompleted && r.Status != store.StatusFailed
		if ok && r.ConfigSHA256 != configDigest(opt.Config) {
			orDiscard(opt.Log).Warn("the config changed since this ledger's run was interrupted: starting a new run; "+
				"the interrupted one stays as it was", "interrupted_run", r.ID, "config", opt.Config.Path)
			ok = false
		}
		return r, ok, nil
	}
	return nil, false, nil
}

// dispatcher reads the ledger and hands each row that needs a query to its
// account's queue.
type dispatcher struct {
	*pipeline
	ctx   context.Context
	cfg   *config.Config
	rules *rules.Rules
	host  host.Starter
	log   *slog.Logger
	write func(store.Record) error // the rows pass's put
	stop  context.CancelFunc       // ends ctx: no more queries
	once  sync.Once
	done  map[int]bool // lines stored by an interrupted attempt of this run
	full  bool

	// accounts is written by read alone, and read elsewhere under mu.
	accounts map[string]*queue
	wg       sync.WaitGroup

	mu sync.Mutex
	st store.RunStats
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
		row, bad, err := lr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		d.count(func(s *store.RunStats) { s.Rows++ })
		resumed := d.done[row.Line]
		if bad != nil {
			if !resumed {
				d.put(d.judge.rejected(row, recon.VerdictInvalid, bad.Reason))
			}
			continue
		}
		key := row.Key()
		if first, dup := seen[key]; dup {
			if !resumed {
				d.put(d.judge.rejected(row, recon.VerdictDuplicate, fmt.Sprintf("repeats line %d", first)))
			}
			continue
		}
		seen[key] = row.Line
		switch {
		case resumed:
			if err := d.restore(row); err != nil {
				return err
			}
			d.count(func(s *store.RunStats) { s.Resumed++ })
		case d.reuse(row):
			d.count(func(s *store.RunStats) { s.Reused++ })
		default:
			d.queue(row.Account).jobs <- row
		}
	}
	return nil
}

// restore feeds the refunds check with a row an interrupted attempt stored.
func (d *dispatcher) restore(row recon.Row) error {
	r, err := d.db.Result(d.run.ID, row.Line)
	if err != nil {
		return err
	}
	ex, err := d.db.Exchange(d.run.ID, row.Line)
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
	if err != nil || !ok || latest.RunID == d.run.ID {
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
	if err != nil {
		return false // pruned, or never queried: ask again
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
	d.mu.Lock() // the progress line reads the accounts
	d.accounts[name] = q
	d.mu.Unlock()
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
		d.count(func(s *store.RunStats) {
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
	if err := d.write(r); err != nil {
		d.once.Do(func() {
			d.log.Error("writing results failed; no more queries are sent", "line", r.Result.Line, "err", err)
			d.stop()
		})
	}
}

func (d *dispatcher) count(f func(*store.RunStats)) {
	d.mu.Lock()
	f(&d.st)
	d.mu.Unlock()
}

func (d *dispatcher) stats() store.RunStats {
	d.mu.Lock()
	st := d.st
	queues := slices.Collect(maps.Values(d.accounts))
	d.mu.Unlock()
	for _, q := range queues {
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
				d.log.Info("progress", "run_id", d.run.ID, "rows_read", st.Rows, "queried", st.Queried,
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

// configDigest identifies what a run was made under: the config file's
// content and the settings resolved from it that decide its outcome
// (fail_on may come from the environment). A config not read from a file
// (tests) is its settings alone.
func configDigest(cfg *config.Config) string {
	h := sha256.New()
	if b, err := os.ReadFile(cfg.Path); err == nil {
		h.Write(b)
	}
	fmt.Fprintf(h, "\x00fail_on=%s", cfg.FailOn)
	return hex.EncodeToString(h.Sum(nil))
}
