package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/statement"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/rules"
	"github.com/reconhq/recon/store"
)

// ErrStatement is wrapped by the error of a statement the run was told to
// read (--statement) and could not: a bad config's kind of failure, before
// any query.
var ErrStatement = errors.New("statement")

// statements are the night's provider statements, by account: the other
// side of the two-sided reconciliation. The ledger pass joins each row with
// its account's statement; afterwards every statement row no ledger row
// joined (within the statement's period) is a MISSING_IN_LEDGER result.
type statements map[string]*accountStatement

// accountStatement is one account's statement in a run.
type accountStatement struct {
	name     string
	provider string
	ordinal  int // the account's place in the config's sorted names
	book     *statement.Book
	trust    bool
	zone     *time.Location
	from, to time.Time // the period, to excluded; zero from: unbounded

	mu   sync.Mutex
	info store.StatementInfo
}

// openStatements loads the statement of every account that has one
// tonight: the file --statement names, else the config's pattern for the
// statement day. A file --statement names must be there; a pattern's file
// that is not there yet (the provider publishes a day's statement the next
// morning) is recorded as not published, and its account's rows are
// queried as without one.
func openStatements(opt Options, log *slog.Logger) (statements, error) {
	cfg := opt.Config
	out := statements{}
	for name := range opt.Statements {
		if _, ok := cfg.Accounts[name]; !ok {
			return nil, fmt.Errorf("%w: --statement %s=…: the config has no account %q", ErrStatement, name, name)
		}
	}
	for i, name := range cfg.AccountNames() {
		if opt.Accounts != nil && !opt.Accounts(name) {
			continue
		}
		a := cfg.Accounts[name]
		st := a.Statement
		path, explicit := opt.Statements[name]
		if !explicit && (st == nil || st.Pattern == "") {
			continue
		}
		if st == nil {
			m, _ := statement.Preset(config.DefaultStatementFormat)
			m.DefaultCurrency, m.Location = a.Currency, a.Location
			st = &config.Statement{Format: config.DefaultStatementFormat, Mapping: m}
		}
		zone := a.Location
		if zone == nil {
			zone = time.UTC
		}
		day := StatementDay(opt.StatementDay, zone)
		dated := !opt.StatementDay.IsZero()
		if !explicit {
			path, dated = st.Path(day), dated || st.Dated()
		}
		as := &accountStatement{name: name, provider: a.Plugin, ordinal: i, trust: st.Trust, zone: zone,
			info: store.StatementInfo{Account: name, Path: path, Trusted: st.Trust}}
		book, err := statement.Load(path, st.Mapping, "")
		if err != nil {
			if !explicit && errors.Is(err, fs.ErrNotExist) {
				log.Warn("the account's statement is not published yet: its rows are queried as without one, "+
					"and nothing is reported missing from the ledger", "account", name, "statement", path,
					"day", day.Format(time.DateOnly))
				as.info.Status = store.StatementUnpublished
				out[name] = as
				continue
			}
			out.close()
			return nil, fmt.Errorf("%w of account %s: %w", ErrStatement, name, err)
		}
		as.book = book
		if dated {
			as.from, as.to = day, day.AddDate(0, 0, 1)
		} else if first, last := book.Span(); !first.IsZero() {
			// A file named alone covers the days its rows are on.
			as.from = midnight(first.In(zone))
			as.to = midnight(last.In(zone)).AddDate(0, 0, 1)
		}
		as.info.Status, as.info.SHA256 = store.StatementRead, book.SHA256()
		as.info.Rows, as.info.Invalid = book.Len(), book.Invalid()
		if !as.from.IsZero() {
			as.info.From, as.info.To = as.from.Format(time.RFC3339), as.to.Format(time.RFC3339)
		}
		log.Info("statement read", "account", name, "statement", path, "rows", book.Len(), "invalid", book.Invalid(),
			"trusted", st.Trust, "from", as.info.From, "to", as.info.To)
		out[name] = as
	}
	return out, nil
}

// StatementDay is the day the night's statements cover, as midnight in
// zone (nil: UTC): the one given, else yesterday there (a night reconciles
// the day before). A config's `statement:` pattern names the file of that
// day (config.Statement.Path).
func StatementDay(given time.Time, zone *time.Location) time.Time {
	if zone == nil {
		zone = time.UTC
	}
	if !given.IsZero() {
		y, m, d := given.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, zone)
	}
	return midnight(time.Now().In(zone)).AddDate(0, 0, -1)
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func (s statements) close() {
	for _, as := range s {
		if as.book != nil {
			as.book.Close()
		}
	}
}

// infos is what the run records of its statements, in account order.
func (s statements) infos(names []string) []store.StatementInfo {
	var out []store.StatementInfo
	for _, n := range names {
		if as, ok := s[n]; ok {
			as.mu.Lock()
			out = append(out, as.info)
			as.mu.Unlock()
		}
	}
	return out
}

// inPeriod reports whether t falls in the statement's period (a zero t, or
// an unbounded period, does).
func (as *accountStatement) inPeriod(t time.Time) bool {
	return t.IsZero() || as.from.IsZero() || (!t.Before(as.from) && t.Before(as.to))
}

func (as *accountStatement) count(f func(*store.StatementInfo)) {
	as.mu.Lock()
	f(&as.info)
	as.mu.Unlock()
}

// joined is what the statement says of one ledger row.
type joined struct {
	acct  *accountStatement
	view  rules.Statement
	entry statement.Entry
	// rec is the row judged on the statement's row (when present): the
	// record stored if should_query lets the statement decide.
	rec store.Record
	jd  recon.Judgement
}

func (j *joined) ref() *recon.StatementRef {
	if j == nil || !j.view.Present {
		return nil
	}
	return &recon.StatementRef{File: j.acct.book.Path(), Line: j.entry.Line}
}

// join finds row's statement row and judges row on it; nil when the
// row's account has no statement tonight. judge false only marks the
// statement row joined (a row an interrupted attempt stored, or any row
// under --full, which settle never decides).
func (d *dispatcher) join(row recon.Row, judge bool) (*joined, error) {
	as := d.stmts[row.Account]
	if as == nil || as.book == nil {
		return nil, nil
	}
	// A statement row is the provider's answer about the row it joins, so
	// it must pass a query answer's identity check: one naming another
	// trade is not this row's (the ledger row is asked, and the statement
	// row is the ledger's to explain).
	q := recon.QueryOf(&row)
	_, e, ok, err := as.book.Find(row.Kind, row.OrderNo, row.RefundNo, func(e *statement.Entry) bool {
		r := statementReply(as.book.Path(), *e)
		return q.Check(&r) == nil
	})
	if err != nil {
		return nil, err
	}
	j := &joined{acct: as, view: rules.Statement{Trusted: as.trust, InPeriod: as.inPeriod(row.CreatedAt)}}
	if !ok {
		return j, nil
	}
	j.entry = e
	j.view.Present = true
	j.view.Status, j.view.Amount, j.view.Currency, j.view.Time = e.Status, e.Amount, e.Currency, e.Time
	j.view.File, j.view.Line = as.book.Path(), e.Line
	as.count(func(i *store.StatementInfo) { i.Matched++ })
	if !judge {
		return j, nil
	}
	// A judgement is never cut short (see work).
	j.rec, j.jd = d.judge.assess(context.WithoutCancel(d.ctx), row, statementReply(as.book.Path(), e), 0)
	j.rec.Result.Statement = j.ref()
	j.view.State = j.jd.State
	j.view.Confirms = j.jd.Verdict == recon.VerdictMatched
	return j, nil
}

// statementReply is a statement row as the provider's answer about it.
// Its cells are the answer's fields; there is no body to keep as Raw (the
// statement's file and line, in Request, are where it is).
func statementReply(path string, e statement.Entry) recon.Reply {
	a := recon.Answer{Status: e.Status, Currency: e.Currency, OrderNo: e.OrderNo, TradeNo: e.ProviderTradeNo,
		RefundNo: e.RefundNo, Fields: e.Raw}
	if e.Kind == recon.Refund {
		a.RefundAmount, a.RefundedAt = recon.Int64(e.Amount), e.Time
	} else {
		a.Amount, a.PaidAt = recon.Int64(e.Amount), e.Time
	}
	return recon.Reply{Outcome: recon.OutcomeFound, Source: recon.SourceStatement,
		Request: "statement " + path + ":" + strconv.Itoa(e.Line), Answer: a}
}

// statementResults stores a result for every statement row that is not
// about a ledger row: the ones no ledger row joined within the period
// (MISSING_IN_LEDGER), and the ones that do not hold up (INVALID,
// DUPLICATE). Results an interrupted attempt stored are counted, not
// made again.
func (d *dispatcher) statementResults() error {
	ctx := context.WithoutCancel(d.ctx)
	for _, name := range d.cfg.AccountNames() {
		as := d.stmts[name]
		if as == nil || as.book == nil {
			continue
		}
		for ord := 0; ord < as.book.Len() && d.ctx.Err() == nil; ord++ {
			e, err := as.book.Entry(ord)
			if err != nil {
				return err
			}
			if e.Bad == nil && e.DupOf == 0 && e.Joined {
				continue
			}
			if e.Bad == nil && e.DupOf == 0 && !as.inPeriod(e.Time) {
				as.count(func(i *store.StatementInfo) { i.Outside++ })
				continue
			}
			line := recon.StatementLine(as.ordinal, e.Line)
			rec, err := d.statementRecord(ctx, as, e, line)
			if err != nil {
				return err
			}
			if rec.Result.Verdict == recon.VerdictMissingInLedger {
				as.count(func(i *store.StatementInfo) { i.Missing++ })
			}
			if d.done.Has(line) {
				d.tally(rec.Result.Verdict, rec.Result.Severity, 1) // stored by the interrupted attempt
				continue
			}
			d.put(rec)
		}
	}
	return nil
}

// statementRecord is the result about statement row e, stored under line.
func (d *dispatcher) statementRecord(ctx context.Context, as *accountStatement, e statement.Entry, line int) (store.Record, error) {
	ref := &recon.StatementRef{File: as.book.Path(), Line: e.Line}
	r := recon.Result{Account: as.name, OrderNo: e.OrderNo, Kind: e.Kind, RefundNo: e.RefundNo, Line: line,
		Source: recon.SourceStatement, Statement: ref}
	switch {
	case e.Bad != nil:
		r.Judge(recon.Default(recon.VerdictInvalid, fmt.Sprintf("statement %s: %s", ref, e.Bad.Reason)))
		return store.Record{Result: r}, nil
	case e.DupOf != 0:
		r.Judge(recon.Default(recon.VerdictDuplicate, fmt.Sprintf("statement %s repeats its line %d", ref, e.DupOf)))
		return store.Record{Result: r}, nil
	}
	row := recon.Row{Line: line, Account: as.name, Provider: as.provider, Kind: e.Kind, OrderNo: e.OrderNo,
		ProviderTradeNo: e.ProviderTradeNo, RefundNo: e.RefundNo, Currency: e.Currency, Amount: e.Amount}
	reply := statementReply(as.book.Path(), e)
	state, detail, err := d.rules.MapStatement(ctx, row, reply)
	if err != nil {
		state, detail = recon.StateUnknown, err.Error()
	}
	r.Provider = d.judge.view(row, state, reply)
	amount := e.AmountText
	if dg, err := money.Digits(e.Currency); err == nil {
		amount = money.Format(e.Amount, dg)
	}
	what := fmt.Sprintf("the provider's statement (%s) has this %s: %s %s %s", ref, e.Kind, e.Status, amount, e.Currency)
	if !e.Time.IsZero() {
		what += " at " + e.Time.In(as.zone).Format(time.RFC3339)
	}
	if detail != "" && state == recon.StateUnknown {
		what += " (" + detail + ")"
	}
	r.Judge(recon.Default(recon.VerdictMissingInLedger, what+"; the ledger has no row for it"))
	return store.Record{Result: r}, nil
}

// StatementFiles lists --statement's ACCOUNT=FILE values as a map, for
// Options.Statements; a value without "=", or an account named twice, is
// an error naming it.
func StatementFiles(values []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range values {
		acct, file, ok := strings.Cut(v, "=")
		if !ok || acct == "" || file == "" {
			return nil, fmt.Errorf("--statement %q: want ACCOUNT=FILE", v)
		}
		if _, dup := out[acct]; dup {
			return nil, fmt.Errorf("--statement names account %q twice", acct)
		}
		out[acct] = file
	}
	return out, nil
}
