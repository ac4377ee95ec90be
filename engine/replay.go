package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"sync"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/rules"
	"github.com/reconhq/recon/store"
)

// ReplayOptions configure a replay.
type ReplayOptions struct {
	Config *config.Config
	Store  *store.DB
	// Of is the stored run whose provider answers are judged again.
	Of string
	// RunID is the replay's own ID; "" makes one.
	RunID string
	// Rules are the merchant rule files applied after the built-in ones, in
	// place of the config's; nil keeps the config's.
	Rules []string
	Log   *slog.Logger
}

// Change is a ledger row whose verdict differs from the replayed run's.
type Change struct {
	Line             int
	Account, OrderNo string
	Kind             recon.Kind
	RefundNo         string
	Old, New         recon.Verdict
	Detail           string // the new result's detail
}

// ReplayResult is what a replay did.
type ReplayResult struct {
	// Run is the replay's stored run (Command "replay", ReplayOf the source).
	Run *store.Run
	// Judged counts rows judged again from their stored answers; Copied the
	// rows taken over as they were, having no answer to judge (INVALID,
	// DUPLICATE).
	Judged, Copied int
	// Changes lists, in line order, the rows whose verdict changed.
	Changes []Change
}

// Replay judges the provider answers stored by run opt.Of again, with the
// built-in rules and opt.Rules (or the config's rule files), and stores the
// results as a new run, reported like any other. It starts no plugin and
// sends no query: everything it judges comes from the store, through the
// same judge a run uses, so unchanged rules reproduce every verdict.
//
// A rule file that does not compile is an error before the new run is
// created (a *rules.CompileError); a rule failing on one row makes that row
// ERROR, as in a run. The error wraps store.ErrRunNotFound when opt.Of
// names no run, is a *RunIDError (ErrRunIDTaken) when opt.RunID names one,
// ErrInterrupted when ctx ended first, or what else made the replay
// impossible; ReplayResult.Run is set whenever the new run was created.
func Replay(ctx context.Context, opt ReplayOptions) (*ReplayResult, error) {
	log := orDiscard(opt.Log)
	cfg, db := opt.Config, opt.Store
	src, err := db.Run(opt.Of)
	if err != nil {
		return nil, err
	}
	if opt.RunID != "" {
		if _, err := db.Run(opt.RunID); err == nil {
			return nil, &RunIDError{RunID: opt.RunID, Err: ErrRunIDTaken,
				msg: fmt.Sprintf("run %q already exists: a replay is a new run; pick another --run-id", opt.RunID)}
		} else if !errors.Is(err, store.ErrRunNotFound) {
			return nil, err
		}
	}
	paths := cfg.Rules
	if opt.Rules != nil {
		paths = opt.Rules // --rules replaces the config's files: the point is to try other rules
	}
	rs, err := rules.Load(paths)
	if err != nil {
		return nil, err
	}
	defer rs.Close()

	// What the source run concluded, line by line: the rows to replay and
	// the verdicts to compare with. Read in full first: a bbolt read
	// transaction held open while the writer commits can deadlock on a
	// growing file.
	old, err := sourceRows(db, src.ID)
	if err != nil {
		return nil, err
	}
	if err := complete(src, len(old)); err != nil {
		return nil, err
	}

	// The answers came from the source's ledger and plugins; the rules are
	// this replay's.
	run := newRun(opt.RunID, store.CommandReplay, cfg, rs)
	run.ReplayOf, run.Ledger = src.ID, src.Ledger
	maps.Copy(run.Accounts, src.Accounts)
	if err := db.PutRun(run); err != nil {
		return nil, err
	}
	res := &ReplayResult{Run: run}
	log.Info("replay started", "run_id", run.ID, "replay_of", src.ID, "rows", len(old), "rule_set", rs.ID())

	p := &pipeline{db: db, run: run, judge: newJudge(rs, cfg)}
	rowsErr := p.pass(func(put func(store.Record) error) error {
		return replayRows(ctx, db, src.ID, old, p.judge, put, res)
	})
	run.Stats = store.RunStats{Rows: src.Stats.Rows, Reused: res.Judged} // ledger rows: old also holds the statement rows' results
	err = p.end(ctx, rowsErr, p.refunds)
	if changes, cerr := changes(db, run.ID, old); cerr != nil {
		err = errors.Join(err, cerr)
	} else {
		res.Changes = changes
	}
	log.Info("replay finished", "run_id", run.ID, "status", run.Status, "judged", res.Judged, "copied", res.Copied,
		"changed", len(res.Changes))
	return res, err
}

// sourceRow is what the replay keeps of one result of the source run.
type sourceRow struct {
	line             int
	account, orderNo string
	kind             recon.Kind
	refundNo         string
	verdict          recon.Verdict
	reused           string // the run the source's answer came from, when not its own
	// What a judgement does not decide, kept as the source had it: the
	// row's fingerprint (a payment's takes in the ledger's refund rows,
	// which a replay does not read), where the provider's view came from,
	// and the statement row joined.
	fingerprint string
	source      string
	statement   *recon.StatementRef
}

func sourceRows(db *store.DB, runID string) ([]sourceRow, error) {
	var out []sourceRow
	err := db.Results(runID, func(r recon.Result) error {
		out = append(out, sourceRow{line: r.Line, account: r.Account, orderNo: r.OrderNo, kind: r.Kind,
			refundNo: r.RefundNo, verdict: r.Verdict, reused: r.Reused,
			fingerprint: r.Fingerprint, source: r.Source, statement: r.Statement})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the results of run %s: %w", runID, err)
	}
	return out, nil
}

// replayRows judges each stored answer again on a pool of workers, and
// copies the rows that have none.
func replayRows(ctx context.Context, db *store.DB, srcID string, rows []sourceRow, j *judge, put func(store.Record) error, res *ReplayResult) error {
	type job struct {
		ex     *store.Exchange
		reused string
		src    *sourceRow
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := 0; i < runtime.GOMAXPROCS(0); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for jb := range jobs {
				if ctx.Err() != nil {
					continue // drain; an interrupted replay stores no judgement made under a dead context
				}
				rec := j.answered(ctx, jb.ex.Row, jb.ex.Reply, jb.ex.Attempts)
				if ctx.Err() != nil {
					continue
				}
				rec.Result.Reused = jb.reused
				rec.Result.Fingerprint, rec.Result.Source, rec.Result.Statement = jb.src.fingerprint, jb.src.source, jb.src.statement
				if err := put(rec); err != nil {
					continue // the writer keeps its first error; Close returns it
				}
				mu.Lock()
				res.Judged++
				mu.Unlock()
			}
		}()
	}
	var err error
	for i := range rows {
		r := &rows[i]
		if ctx.Err() != nil {
			break
		}
		ex, exErr := db.Exchange(srcID, r.line)
		if errors.Is(exErr, store.ErrNoReply) {
			// Never queried (INVALID, DUPLICATE): nothing to judge again.
			var prev *recon.Result
			if prev, err = db.Result(srcID, r.line); err != nil {
				break
			}
			if err = put(store.Record{Result: *prev}); err != nil {
				break
			}
			mu.Lock()
			res.Copied++
			mu.Unlock()
			continue
		}
		if exErr != nil {
			err = fmt.Errorf("reading the answer of line %d of run %s: %w", r.line, srcID, exErr)
			break
		}
		reused := r.reused
		if reused == "" {
			reused = srcID
		}
		jobs <- job{ex: ex, reused: reused, src: r}
	}
	close(jobs)
	wg.Wait()
	return err
}

// changes compares the replay's verdicts with the source's, line by line.
func changes(db *store.DB, runID string, old []sourceRow) ([]Change, error) {
	byLine := make(map[int]sourceRow, len(old))
	for _, r := range old {
		byLine[r.line] = r
	}
	var out []Change
	err := db.Results(runID, func(r recon.Result) error {
		o, ok := byLine[r.Line]
		if !ok || o.verdict == r.Verdict {
			return nil
		}
		out = append(out, Change{Line: r.Line, Account: r.Account, OrderNo: r.OrderNo, Kind: r.Kind,
			RefundNo: r.RefundNo, Old: o.verdict, New: r.Verdict, Detail: r.Detail})
		return nil
	})
	return out, err
}

// complete refuses a source run that did not store every row of its ledger:
// a replay of it would be reported as a whole night's verdicts. A failed run
// that stored every row (one whose providers were all down, say) is whole.
func complete(src *store.Run, stored int) error {
	switch {
	case src.Status == store.StatusCompleted:
		return nil
	case src.Status == store.StatusFailed && src.Ledger.Rows > 0 && stored >= src.Ledger.Rows:
		return nil
	}
	return fmt.Errorf("%w: run %s did not finish (%s, %d rows stored): run `recon run` with the same config and ledger to "+
		"resume it first, then replay it", ErrIncompleteRun, src.ID, src.Status, stored)
}
