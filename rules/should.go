package rules

import (
	"context"
	"time"

	"github.com/reconhq/recon"
	lua "github.com/yuin/gopher-lua"
)

// Last is an order's most recent stored result, as the should_query hook sees it.
type Last struct {
	RunID     string
	Verdict   recon.Verdict
	Severity  recon.Severity
	At        time.Time
	Unchanged bool // the ledger row is the same as when it was judged
}

// Statement is what the provider's statement says of a ledger row, as the
// should_query hook sees it in row.statement (nil when the row's account
// has no statement tonight).
type Statement struct {
	// Present: the statement has a row for this one (joined on account,
	// order, type and refund number, or the provider's trade number).
	Present bool
	// Trusted is the account's statement_trust: a row the statement
	// confirms may be judged on it, without a query.
	Trusted bool
	// InPeriod: the ledger row's time falls in the statement's period (or
	// the row has none), so a statement lacking it is telling.
	InPeriod bool
	// Of a present row: its state as map_statement maps it, its status
	// word, amount (minor units), currency, time; Confirms says the judge,
	// given the statement row as the provider's answer, finds the ledger
	// row MATCHED (the same final state, amount and currency).
	State    recon.State
	Status   string
	Amount   int64
	Currency string
	Time     time.Time
	Confirms bool
	File     string
	Line     int
}

var statementKeys = []string{"present", "trusted", "in_period", "state", "status", "amount", "currency", "time",
	"confirms", "file", "line"}

func (s *state) statementTable(st *Statement) (lua.LValue, error) {
	if st == nil {
		return lua.LNil, nil
	}
	if err := exactMinor("statement amount", &st.Amount); err != nil {
		return nil, err
	}
	t := s.L.CreateTable(0, len(statementKeys))
	t.RawSetString("present", lua.LBool(st.Present))
	t.RawSetString("trusted", lua.LBool(st.Trusted))
	t.RawSetString("in_period", lua.LBool(st.InPeriod))
	if st.Present {
		t.RawSetString("state", s.in.opt(string(st.State)))
		t.RawSetString("status", s.in.opt(st.Status))
		t.RawSetString("amount", lua.LNumber(st.Amount))
		t.RawSetString("currency", s.in.opt(st.Currency))
		t.RawSetString("time", unixOrNil(st.Time))
		t.RawSetString("confirms", lua.LBool(st.Confirms))
		t.RawSetString("file", lua.LString(st.File))
		t.RawSetString("line", lua.LNumber(st.Line))
	}
	return t, nil
}

// ShouldQuery asks the should_query hook whether row needs a query tonight
// given its last stored result (nil: never judged) and what the provider's
// statement says of it (nil: no statement). Without any hook it answers
// true. reason says why not, for the report.
func (r *Rules) ShouldQuery(ctx context.Context, row recon.Row, last *Last, stmt *Statement, now time.Time) (query bool, reason string, err error) {
	query = true
	err = r.call(ctx, func(s *state) error {
		st, err := s.statementTable(stmt)
		if err != nil {
			return err
		}
		rowT, err := s.rowTableWith(row, st)
		if err != nil {
			return err
		}
		var lastV lua.LValue = lua.LNil
		if last != nil {
			lastV = s.last.fill(s.L, []lua.LValue{
				s.in.str(last.RunID),
				s.in.str(string(last.Verdict)),
				s.in.str(string(last.Severity)),
				unixOrNil(last.At),
				lua.LNumber(int64(now.Sub(last.At).Seconds())),
				lua.LBool(last.Unchanged),
			})
		}
		rets, _, err := s.dispatch(HookShouldQuery, row.Provider, row.Account, 2, rowT, lastV)
		if err != nil {
			return &RuleError{Hook: HookShouldQuery, Err: err}
		}
		if rets[0] == lua.LNil {
			return nil // no hook: query
		}
		query = lua.LVAsBool(rets[0])
		reason = lua.LVAsString(rets[1])
		return nil
	})
	if err != nil {
		return true, "", err
	}
	return query, reason, nil
}
