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

// ShouldQuery asks the should_query hook whether row needs a query tonight
// given its last stored result (nil: never judged). Without any hook it
// answers true. reason says why not, for the report.
func (r *Rules) ShouldQuery(ctx context.Context, row recon.Row, last *Last, now time.Time) (query bool, reason string, err error) {
	query = true
	err = r.call(ctx, func(s *state) error {
		rowT, err := s.rowTable(row)
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
		rets, err := s.dispatch(HookShouldQuery, row.Provider, row.Account, 2, rowT, lastV)
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
