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
	"runtime"
	"sync"
	"time"

	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/host"
	"github.com/reconhq/recon/engine/ledger"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/rules"
	"github.com/reconhq/recon/store"
)

// Options configure a run.
type Options struct {
	Config       *config.Config
	Store        *store.DB
	LedgerPath   string
	LedgerFormat string // "" picks by extension
	RunID        string // "" makes one
	Log          *slog.Logger
	// ProgressEvery is how often a progress line is logged (0: never).
	ProgressEvery time.Duration
}

// Stats counts what a run did, for logs and tests.
type Stats struct {
	Rows, Queried, Answered, Queries, Retries, Restarts int
}

// NewRunID makes a run ID: the local time and 4 random hex digits.
func NewRunID(now time.Time) string {
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	return now.Format("20060102-1504") + "-" + hex.EncodeToString(b)
}

// LoadRules compiles the built-in rules and the config's rule files. A file
// that does not compile stops the run before any query.
func LoadRules(cfg *config.Config, extra []string) (*rules.Rules, error) {
	paths := cfg.Rules
	if extra != nil {
		paths = extra
	}
	files, err := rules.ReadFiles(paths)
	if err != nil {
		return nil, err
	}
	return rules.New(append(rules.Builtin(), files...), rules.Options{PoolSize: 2 * runtime.GOMAXPROCS(0)})
}

// Run performs the nightly job and returns the stored run. The error is
// ErrNoAnswers when no provider answered at all, ErrInterrupted when ctx
// ended first, or what made the run impossible (rules, ledger, store).
func Run(ctx context.Context, opt Options) (*store.Run, Stats, error) {
	var st Stats
	log := opt.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg, db := opt.Config, opt.Store
	rs, err := LoadRules(cfg, nil)
	if err != nil {
		return nil, st, err
	}
	defer rs.Close()
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

	run := newRun(opt, cfg, rs)
	if err := db.PutRun(run); err != nil {
		return nil, st, err
	}
	log.Info("run started", "run_id", run.ID, "ledger", opt.LedgerPath)

	w := db.NewWriter(run.ID)
	j := newJudge(rs, func(acct string) *time.Location {
		if a, ok := cfg.Accounts[acct]; ok {
			return a.Location
		}
		return time.UTC
	})
	d := &dispatcher{ctx: ctx, cfg: cfg, host: h, log: log, judge: j, writer: w, accounts: map[string]*queue{}}
	readErr := d.read(lr, &st)
	d.wait()
	st.Queried, st.Answered = d.queried, d.answered
	for _, q := range d.accounts {
		st.Queries += q.acct.stats.Queries
		st.Retries += q.acct.stats.Retries
		st.Restarts += q.acct.stats.Restarts
		run.Accounts[q.acct.cfg.Name] = store.Plugin{Provider: q.acct.cfg.Plugin, Version: q.version(), SHA256: q.acct.spec.SHA256}
	}
	if err := w.Close(); err != nil {
		return run, st, fmt.Errorf("writing results: %w", err)
	}
	run.Ledger.SHA256 = lr.SHA256()
	run.Ledger.Rows = st.Rows

	status, cause := store.StatusCompleted, error(nil)
	switch {
	case ctx.Err() != nil:
		status, cause = store.StatusInterrupted, ErrInterrupted
	case readErr != nil:
		status, cause = store.StatusFailed, fmt.Errorf("reading the ledger: %w", readErr)
	default:
		if err := applyRefunds(ctx, db, run.ID, j); err != nil {
			status, cause = store.StatusFailed, err
		} else if d.queried > 0 && d.answered == 0 {
			status, cause = store.StatusFailed, ErrNoAnswers
		}
	}
	if run.Totals, err = Totals(db, run.ID); err != nil {
		return run, st, err
	}
	run, err = finish(db, run, status, cause)
	log.Info("run finished", "run_id", run.ID, "status", run.Status, "rows", st.Rows, "queries", st.Queries, "retries", st.Retries)
	return run, st, err
}

func newRun(opt Options, cfg *config.Config, rs *rules.Rules) *store.Run {
	id := opt.RunID
	if id == "" {
		id = NewRunID(time.Now())
	}
	host, _ := os.Hostname()
	run := &store.Run{ID: id, Command: "run", Status: store.StatusRunning, StartedAt: time.Now().UTC(),
		Ledger: store.LedgerInfo{Path: opt.LedgerPath}, Config: cfg.Path, RuleSet: rs.ID(), FailOn: cfg.FailOn,
		Accounts: map[string]store.Plugin{}, Totals: map[string]int{}, PID: os.Getpid(), Host: host}
	for _, f := range rs.Files() {
		run.Rules = append(run.Rules, store.RuleFile{File: f.File, SHA256: f.SHA256})
	}
	return run
}

func finish(db *store.DB, run *store.Run, status string, cause error) (*store.Run, error) {
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
func Totals(db *store.DB, runID string) (map[string]int, error) {
	t := map[string]int{}
	err := db.Results(runID, func(r store.Result) error {
		t[r.Verdict]++
		return nil
	})
	return t, err
}

// dispatcher reads the ledger and hands each valid row to its account's queue.
type dispatcher struct {
	ctx    context.Context
	cfg    *config.Config
	host   *host.Host
	log    *slog.Logger
	judge  *judge
	writer *store.Writer

	accounts map[string]*queue
	wg       sync.WaitGroup

	mu                sync.Mutex
	queried, answered int
}

type queue struct {
	acct *account
	jobs chan store.LedgerRow
}

func (q *queue) version() string {
	q.acct.mu.Lock()
	defer q.acct.mu.Unlock()
	if q.acct.plugin != nil {
		return q.acct.plugin.Info.Version
	}
	return ""
}

func (d *dispatcher) read(lr *ledger.Reader, st *Stats) error {
	seen := map[string]int{}
	for d.ctx.Err() == nil {
		raw, err := lr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		st.Rows++
		row, problem := validate(raw, d.cfg)
		if problem != "" {
			d.put(d.judge.rejected(row, raw.Amount, "INVALID", problem))
			continue
		}
		key := store.OrderKey(row.Account, row.Type, row.OrderNo, row.RefundNo)
		if first, dup := seen[key]; dup {
			d.put(d.judge.rejected(row, raw.Amount, "DUPLICATE", fmt.Sprintf("repeats line %d", first)))
			continue
		}
		seen[key] = row.Line
		d.queue(row.Account).jobs <- row
	}
	return nil
}

func (d *dispatcher) queue(name string) *queue {
	if q, ok := d.accounts[name]; ok {
		return q
	}
	cfg := d.cfg.Accounts[name]
	q := &queue{acct: newAccount(cfg, d.host, d.log), jobs: make(chan store.LedgerRow, cfg.Concurrency)}
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
		res, attempts, err := q.acct.query(d.ctx, plugins.Query{Kind: kindOf(row.Type), OrderNo: row.OrderNo,
			ProviderTradeNo: row.ProviderTradeNo, RefundNo: row.RefundNo})
		if err != nil {
			continue
		}
		d.mu.Lock()
		if attempts > 0 {
			d.queried++
			if !res.Outcome.Failed() {
				d.answered++
			}
		}
		d.mu.Unlock()
		d.put(d.judge.answered(d.ctx, row, res, attempts))
	}
}

func (d *dispatcher) put(r store.Record) {
	if err := d.writer.Put(r); err != nil {
		d.log.Error("writing a result failed", "line", r.Result.Line, "err", err)
	}
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

func kindOf(t string) plugins.Kind {
	if t == "refund" {
		return plugins.Refund
	}
	return plugins.Payment
}
