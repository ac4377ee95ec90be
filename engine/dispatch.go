package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/host"
	"github.com/reconhq/recon/engine/internal/index"
	"github.com/reconhq/recon/engine/internal/lineset"
	"github.com/reconhq/recon/engine/internal/spool"
	"github.com/reconhq/recon/engine/ledger"
	"github.com/reconhq/recon/rules"
	"github.com/reconhq/recon/store"
)

// spoolRows is how many rows of an account wait in memory for its
// workers; the rest of its backlog waits on disk (package spool).
const spoolRows = 256

// dispatcher reads the ledger and hands each row that needs a query to its
// account's spool, which never makes the ledger pass wait: every account
// goes at its own provider's pace, and one slow, frozen or failing
// provider holds up no other.
type dispatcher struct {
	*pipeline
	ctx     context.Context
	cfg     *config.Config
	rules   *rules.Rules
	host    host.Starter
	log     *slog.Logger
	index   *index.Index
	stmts   statements
	write   func(store.Record) error // the rows pass's put
	stop    context.CancelFunc       // ends ctx: no more queries
	once    sync.Once
	done    *lineset.Set // lines stored by an interrupted attempt of this run
	full    bool
	started time.Time
	mine    func(account string) bool // Options.Accounts
	skipped int                       // rows mine refused: the ledger was not empty

	// accounts is written by read alone, and read elsewhere under mu.
	accounts map[string]*queue
	wg       sync.WaitGroup

	mu      sync.Mutex
	st      store.RunStats
	reading bool
}

// queue is one account's share of the run: its rows waiting, its
// workers' plugin, its figures.
type queue struct {
	acct *account
	rows *spool.Spool
	// The figures below are the dispatcher's mu's.
	st          store.RunStats
	total, done int
	first, last time.Time // first query sent, last result in
}

func (q *queue) version() string {
	q.acct.mu.Lock()
	defer q.acct.mu.Unlock()
	return q.acct.info.Version
}

func (d *dispatcher) read(lr *ledger.Reader) error {
	d.setReading(true)
	defer d.setReading(false)
	for d.ctx.Err() == nil {
		row, bad, err := lr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if d.mine != nil && !d.mine(row.Account) {
			d.skipped++ // another shard's
			continue
		}
		var q *queue
		if _, ok := d.cfg.Accounts[row.Account]; ok {
			q = d.queue(row.Account)
		}
		d.arrive(q)
		resumed := d.done.Has(row.Line)
		if bad != nil {
			// The ledger has a row for this order, if a broken one: its
			// statement row is not one the ledger lacks.
			if _, err := d.join(row, false); err != nil {
				return err
			}
			if resumed {
				d.restored(q, recon.VerdictInvalid, recon.Default(recon.VerdictInvalid, "").Severity)
			} else {
				d.finish(q, nil)
				d.put(d.judge.rejected(row, recon.VerdictInvalid, bad.Reason))
			}
			continue
		}
		if first, dup := d.index.Duplicate(row.Line); dup {
			if resumed {
				d.restored(q, recon.VerdictDuplicate, recon.Default(recon.VerdictDuplicate, "").Severity)
			} else {
				d.finish(q, nil)
				d.put(d.judge.rejected(row, recon.VerdictDuplicate, fmt.Sprintf("repeats line %d", first)))
			}
			continue
		}
		if resumed {
			// Its statement row is joined (not missing), and not judged again.
			if _, err := d.join(row, false); err != nil {
				return err
			}
			if err := d.restore(q, row); err != nil {
				return err
			}
			continue
		}
		// The account's workers join, settle or query it: in parallel, and
		// at the account's own pace.
		if err := q.rows.Push(row); err != nil {
			return err
		}
	}
	return nil
}

// restored counts a row an interrupted attempt stored.
func (d *dispatcher) restored(q *queue, v recon.Verdict, s recon.Severity) {
	d.tally(v, s, 1) // stored before: the rows pass does not count it
	d.finish(q, func(s *store.RunStats) { s.Resumed++ })
}

// restore feeds the refunds check with a row an interrupted attempt stored.
func (d *dispatcher) restore(q *queue, row recon.Row) error {
	r, err := d.db.Result(d.run.ID, row.Line)
	if err != nil {
		return err
	}
	d.restored(q, r.Verdict, r.Severity)
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

// settle judges row without a query when the should_query hook says it
// need not be asked tonight: on the statement's row, when the account's
// statement is trusted and has one (the row confirmed), else on its stored
// answer (incremental nights). It reports whether it did; a row it does
// not settle is queried.
func (d *dispatcher) settle(q *queue, row recon.Row, js *joined) bool {
	if d.full {
		return false
	}
	var last *rules.Last
	latest, ok, err := d.db.Latest(row.Key())
	if err == nil && ok && latest.RunID != d.run.ID {
		last = &rules.Last{RunID: latest.RunID, Verdict: latest.Verdict, Severity: latest.Severity, At: latest.At,
			Unchanged: latest.Fingerprint == d.judge.fingerprint(row)}
	}
	if last == nil && js == nil {
		return false // nothing but a query can tell
	}
	var stmt *rules.Statement
	if js != nil {
		stmt = &js.view
	}
	ctx := context.WithoutCancel(d.ctx) // see work: a judgement is never cut short
	query, _, err := d.rules.ShouldQuery(ctx, row, last, stmt, time.Now())
	if err != nil {
		d.log.Warn("should_query failed; querying", "line", row.Line, "err", err)
		return false
	}
	if query {
		return false
	}
	if js != nil && js.view.Present && js.acct.trust {
		d.judge.note(row, js.jd, js.rec.Exchange.Reply)
		js.acct.count(func(i *store.StatementInfo) { i.Confirmed++ })
		d.finish(q, func(s *store.RunStats) { s.Confirmed++ })
		d.put(js.rec)
		return true
	}
	if last == nil {
		return false
	}
	ex, err := d.db.Exchange(latest.RunID, latest.Line)
	if err != nil {
		return false // pruned, or never queried: ask again
	}
	if recon.QueryOf(&row).Check(&ex.Reply) != nil {
		// A hook may skip a changed row: an answer about another trade
		// than the row's is not its answer (as a query's is not).
		return false
	}
	rec := d.judge.answered(ctx, row, ex.Reply, 0)
	rec.Result.Reused = latest.RunID
	if ref := js.ref(); ref != nil {
		rec.Result.Source, rec.Result.Statement = recon.SourceBoth, ref
	}
	d.finish(q, func(s *store.RunStats) { s.Reused++ })
	d.put(rec)
	return true
}

// queue returns the account's queue, starting its workers the first time;
// its plugin starts with its first query.
func (d *dispatcher) queue(name string) *queue {
	if q, ok := d.accounts[name]; ok {
		return q
	}
	cfg := d.cfg.Accounts[name]
	// The backlog goes to the system's temporary directory.
	q := &queue{acct: newAccount(cfg, d.host, d.log), rows: spool.New(max(spoolRows, 2*cfg.Concurrency), "")}
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
	for {
		row, ok := q.rows.Pop()
		if !ok || d.ctx.Err() != nil {
			// Interrupted: the rows left are not stored, so the resume
			// asks them.
			return
		}
		// Under --full every row is queried: a judgement on its statement
		// row would be thrown away (settle decides nothing then).
		js, err := d.join(row, !d.full)
		if err != nil {
			// The statement's temporary copy could not be read: ask the
			// provider (the statement's results will fail the run).
			d.log.Warn("the row's statement row could not be read; querying", "line", row.Line, "err", err)
			js = nil
		}
		if d.settle(q, row, js) {
			continue
		}
		d.mu.Lock()
		if q.first.IsZero() {
			q.first = time.Now()
		}
		d.mu.Unlock()
		res, attempts, err := q.acct.query(d.ctx, recon.QueryOf(&row))
		if err != nil {
			return // interrupted mid-query: not stored, so the resume asks again
		}
		// A row counts as queried even when no attempt could be sent (its
		// plugin would not start): it still needed the provider. A row the
		// provider's API cannot be asked about (UNSUPPORTED) was not queried.
		d.finish(q, func(s *store.RunStats) {
			switch {
			case res.Outcome == recon.OutcomeUnsupported:
			case res.Outcome.Failed():
				s.Queried++
				s.Failed++
			default:
				s.Queried++
				s.Answered++
			}
		})
		// Judge even if the run is being interrupted right now: the answer is
		// in, and a verdict cut short would be stored as final. Rules have
		// their own time limit.
		rec := d.judge.answered(context.WithoutCancel(d.ctx), row, res, attempts)
		if ref := js.ref(); ref != nil {
			rec.Result.Source, rec.Result.Statement = recon.SourceBoth, ref
		}
		d.put(rec)
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

// arrive counts a row read; q is its account's, nil for a row of no
// account the config has (INVALID).
func (d *dispatcher) arrive(q *queue) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.Rows++
	if q != nil {
		q.st.Rows++
		q.total++
	}
}

// finish counts a row with a result, and what f adds to the figures.
func (d *dispatcher) finish(q *queue, f func(*store.RunStats)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f != nil {
		f(&d.st)
	}
	if q == nil {
		return
	}
	if f != nil {
		f(&q.st)
	}
	q.done++
	q.last = time.Now()
}

func (d *dispatcher) setReading(b bool) {
	d.mu.Lock()
	d.reading = b
	d.mu.Unlock()
}

// stats is the run's figures so far, and each account's.
func (d *dispatcher) stats() (store.RunStats, map[string]store.RunStats) {
	d.mu.Lock()
	st := d.st
	per := make(map[string]store.RunStats, len(d.accounts))
	queues := make(map[string]*queue, len(d.accounts))
	for name, q := range d.accounts {
		s := q.st
		if !q.first.IsZero() {
			s.Seconds = q.last.Sub(q.first).Seconds()
		}
		per[name], queues[name] = s, q
	}
	d.mu.Unlock()
	for name, q := range queues {
		a := q.acct.figures()
		s := per[name]
		s.Queries, s.Retries, s.Restarts = a.Queries, a.Retries, a.Restarts
		per[name] = s
		st.Queries += a.Queries
		st.Retries += a.Retries
		st.Restarts += a.Restarts
	}
	st.Seconds = time.Since(d.started).Seconds()
	return st, per
}

// progress is the run at this moment, for Options.Progress.
func (d *dispatcher) progress() Progress {
	st, per := d.stats()
	d.mu.Lock()
	defer d.mu.Unlock()
	p := Progress{RunID: d.run.ID, Reading: d.reading, RowsRead: st.Rows, Elapsed: time.Since(d.started)}
	for name, q := range d.accounts {
		s := per[name]
		ap := AccountProgress{Name: name, Total: q.total, Done: q.done, Failed: s.Failed, Queries: s.Queries, Retries: s.Retries}
		if !q.first.IsZero() {
			if secs := time.Since(q.first).Seconds(); secs > 0 {
				ap.Rate = float64(s.Queried) / secs
			}
		}
		p.Accounts = append(p.Accounts, ap)
	}
	slices.SortFunc(p.Accounts, func(a, b AccountProgress) int { return cmp.Compare(a.Name, b.Name) })
	return p
}

// watch reports progress every interval until the returned func is
// called, which reports once more.
func (d *dispatcher) watch(every time.Duration, report func(Progress)) (stop func()) {
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
				d.report(d.progress(), report)
			case <-quit:
				d.report(d.progress(), report)
				return
			}
		}
	}()
	return func() { close(quit); wg.Wait() }
}

// report hands p to the display, or logs it: a line for the run and one
// per account.
func (d *dispatcher) report(p Progress, display func(Progress)) {
	if display != nil {
		display(p)
		return
	}
	d.log.Info("progress", "run_id", p.RunID, "rows_read", p.RowsRead, "reading", p.Reading,
		"elapsed", p.Elapsed.Round(time.Second).String())
	for _, a := range p.Accounts {
		args := []any{"account", a.Name, "done", a.Done, "total", a.Total, "errors", a.Failed,
			"rate", fmt.Sprintf("%.1f/s", a.Rate)}
		if a.Total > 0 {
			args = append(args, "percent", fmt.Sprintf("%.1f", 100*float64(a.Done)/float64(a.Total)))
		}
		if left := a.Total - a.Done; left > 0 && a.Rate > 0 && !p.Reading {
			args = append(args, "eta", (time.Duration(float64(left)/a.Rate) * time.Second).Round(time.Second).String())
		}
		d.log.Info("progress", args...)
	}
}

// wait ends the rows pass: no more rows come, the workers finish what they
// hold (or, interrupted, drop it for the resume), the plugins stop.
func (d *dispatcher) wait() {
	for _, q := range d.accounts {
		q.rows.Close()
	}
	d.wg.Wait()
	var stopping sync.WaitGroup
	for _, q := range d.accounts {
		q.rows.Release()
		stopping.Add(1)
		go func() { defer stopping.Done(); q.acct.close() }() // each plugin's stop is bounded; in parallel, not in sum
	}
	stopping.Wait()
}
