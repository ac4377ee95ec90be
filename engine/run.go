package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/host"
	"github.com/reconhq/recon/engine/internal/index"
	"github.com/reconhq/recon/engine/internal/lineset"
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
	// Statements name provider statement files by account (--statement),
	// over the config's statement patterns.
	Statements map[string]string
	// StatementDay is the day the statements cover (only its date counts,
	// taken in each account's zone); zero: yesterday in the account's zone.
	StatementDay time.Time
	// Accounts, when set, limits the run to the rows whose account cell it
	// accepts (a shard's, package shard); the others are skipped unjudged,
	// uncounted and unstored. nil: every row.
	Accounts func(account string) bool
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
	// The rows' index first: duplicates and the orders with refunds are
	// known before the first query, without keeping every row in memory.
	// Its pass also gives the ledger's digest, which the run is recorded
	// (and would be resumed) under.
	ix, sum, err := indexLedger(opt, accountsOf(cfg))
	if err != nil {
		return nil, st, err
	}
	lr, err := ledger.Open(opt.LedgerPath, opt.LedgerFormat, accountsOf(cfg))
	if err != nil {
		return nil, st, err
	}
	defer lr.Close()
	for _, t := range lr.Typos() {
		log.Warn("the ledger's column is not one recon reads; it is ignored", "ledger", opt.LedgerPath,
			"column", t.Column, "did_you_mean", t.Meant)
	}
	starter := opt.Host
	if starter == nil {
		h, err := host.New(cfg.PluginDir, cfg.Plugins, log)
		if err != nil {
			return nil, st, err
		}
		defer h.Close()
		starter = h
	}

	stmts, err := openStatements(opt, log)
	if err != nil {
		return nil, st, err
	}
	defer stmts.close()

	run, done, err := startOrResume(db, opt, rs, sum)
	if err != nil {
		return nil, st, err
	}
	// Who holds the store, for a reader or a second run that finds it locked.
	if err := db.SetOwner(store.CommandRun, run.ID); err != nil {
		log.Warn("the store's owner file could not be written; a blocked reader will not be told which run holds the store", "err", err)
	}
	if run.Resumes > 0 {
		log.Info("resuming an interrupted run", "run_id", run.ID, "rows_already_stored", len(done))
	} else {
		log.Info("run started", "run_id", run.ID, "ledger", opt.LedgerPath)
	}

	judge := newJudge(rs, cfg)
	judge.refundsOf = ix.RefundsDigest
	p := &pipeline{db: db, run: run, judge: judge, latest: true}
	// Querying stops at once when a result cannot be stored: every answer
	// after that would be asked for and thrown away.
	qctx, stopQuerying := context.WithCancel(ctx)
	defer stopQuerying()
	d := &dispatcher{pipeline: p, ctx: qctx, cfg: cfg, rules: rs, host: starter, log: log, index: ix, stmts: stmts,
		done: lineset.Of(done), full: opt.Full, accounts: map[string]*queue{}, stop: stopQuerying, started: time.Now(),
		mine: opt.Accounts}
	done = nil // the set holds it in a bit per line
	stopProgress := d.watch(opt.ProgressEvery, opt.Progress)
	rowsErr := p.pass(func(put func(store.Record) error) error {
		d.write = put
		err := d.read(lr)
		d.wait()
		if err != nil {
			return fmt.Errorf("reading the ledger: %w", err)
		}
		// Every ledger row is joined: what is left of the statements is
		// not in the ledger.
		return d.statementResults()
	})
	stopProgress()
	st, per := d.stats()
	if rowsErr == nil && ctx.Err() == nil && lr.SHA256() != sum {
		// The file was rewritten under us: the rows judged are not the
		// ledger the run is recorded (and would be resumed) under.
		rowsErr = &ledger.Error{Path: opt.LedgerPath, Err: ledger.ErrChanged}
	}
	for name, q := range d.accounts {
		if q.acct.started() {
			run.Accounts[name] = store.Plugin{Provider: q.acct.cfg.Plugin, Version: q.version(), SHA256: q.acct.spec.SHA256}
		}
	}
	run.AccountStats = per
	run.Statements = stmts.infos(cfg.AccountNames())
	run.Ledger.SHA256, run.Ledger.Rows = sum, st.Rows
	if opt.Accounts != nil {
		run.Ledger.Total = st.Rows + d.skipped
	}
	// Query counts add up over the attempts of a resumed run; the rest
	// describe this attempt.
	prev := run.Stats
	run.Stats = st
	run.Stats.Queries += prev.Queries
	run.Stats.Retries += prev.Retries
	run.Stats.Restarts += prev.Restarts

	// A shard with no rows of its own, of a ledger that has rows, is not an
	// empty night.
	if rowsErr == nil && ctx.Err() == nil && st.Rows == 0 && d.skipped == 0 && !opt.AllowEmpty {
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

// indexLedger reads the ledger once for its index (package index), and
// returns the digest of what it read: the rows pass must read the same.
func indexLedger(opt Options, accts ledger.Accounts) (*index.Index, string, error) {
	lr, err := ledger.Open(opt.LedgerPath, opt.LedgerFormat, accts)
	if err != nil {
		return nil, "", err
	}
	defer lr.Close()
	b := index.NewBuilder("")
	for {
		row, bad, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", fmt.Errorf("reading the ledger: %w", err)
		}
		if bad == nil && (opt.Accounts == nil || opt.Accounts(row.Account)) {
			if err := b.Add(&row, contentOf(&row)); err != nil {
				return nil, "", err
			}
		}
	}
	ix, err := b.Finish()
	return ix, lr.SHA256(), err
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
