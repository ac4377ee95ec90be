package rules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
)

// DefaultCallTimeout bounds one hook call. A rule judges one order; anything
// near this is a loop that will not end.
const DefaultCallTimeout = time.Second

// Options tunes a rule set.
type Options struct {
	// PoolSize bounds the Lua states (and so concurrent calls); size it to
	// the workers that judge. Default 4.
	PoolSize int
	// CallTimeout bounds each hook call. Default DefaultCallTimeout.
	CallTimeout time.Duration
}

// Rules is a compiled rule set, safe for concurrent use.
type Rules struct {
	files    []compiled
	timeout  time.Duration
	tokens   chan struct{}
	mu       sync.Mutex
	free     []*state
	verdicts map[recon.Verdict]recon.VerdictDef
	id       string
}

// New compiles files (built-ins first, then the merchant's, as given) and
// loads them once to catch load-time errors. The error names file and line.
func New(files []File, opt Options) (*Rules, error) {
	if opt.PoolSize <= 0 {
		opt.PoolSize = 4
	}
	if opt.CallTimeout <= 0 {
		opt.CallTimeout = DefaultCallTimeout
	}
	r := &Rules{timeout: opt.CallTimeout, tokens: make(chan struct{}, opt.PoolSize)}
	h := sha256.New()
	for _, f := range files {
		c, err := compile(f)
		if err != nil {
			return nil, err
		}
		r.files = append(r.files, c)
		fmt.Fprintf(h, "%s\x00%s\x00", f.Name, f.SHA256())
	}
	r.id = hex.EncodeToString(h.Sum(nil))[:16]
	s, err := r.loadState()
	if err != nil {
		return nil, err
	}
	r.verdicts = map[recon.Verdict]recon.VerdictDef{}
	for _, v := range recon.ContractVerdicts() {
		r.verdicts[v], _ = recon.ContractVerdict(v)
	}
	for k, v := range s.verdicts {
		r.verdicts[k] = v
	}
	r.free = append(r.free, s)
	return r, nil
}

// loadState makes a state with every file loaded. Loading runs each file's
// top-level code, so it is bounded like a call (ten calls' worth).
func (r *Rules) loadState() (*state, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*r.timeout)
	defer cancel()
	return newState(ctx, r.files)
}

// ID identifies the rule set: a digest of every file's name and content.
// Each result records the ID of the set that judged it.
func (r *Rules) ID() string { return r.id }

// Files lists the rule files in the order they apply.
func (r *Rules) Files() []recon.RuleFile {
	out := make([]recon.RuleFile, len(r.files))
	for i, f := range r.files {
		out[i] = recon.RuleFile{File: f.Name, SHA256: f.SHA256()}
	}
	return out
}

// Verdict returns a verdict's defaults, contract or declared by a rule file.
func (r *Rules) Verdict(v recon.Verdict) (recon.VerdictDef, bool) {
	d, ok := r.verdicts[v]
	return d, ok
}

// Verdicts lists all known verdicts, sorted.
func (r *Rules) Verdicts() []recon.Verdict {
	out := make([]recon.Verdict, 0, len(r.verdicts))
	for k := range r.verdicts {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Close releases the pooled states.
func (r *Rules) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.free {
		if s.stop != nil {
			s.stop.unwatchParent()
		}
		s.L.Close()
	}
	r.free = nil
}

func (r *Rules) acquire(ctx context.Context) (*state, error) {
	select {
	case r.tokens <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	r.mu.Lock()
	if n := len(r.free); n > 0 {
		s := r.free[n-1]
		r.free = r.free[:n-1]
		r.mu.Unlock()
		return s, nil
	}
	r.mu.Unlock()
	s, err := r.loadState()
	if err != nil {
		<-r.tokens
		return nil, err
	}
	return s, nil
}

// release returns s to the pool; a state whose call failed is dropped, since
// an aborted call can leave its stack and globals in any shape.
func (r *Rules) release(s *state, failed bool) {
	if failed {
		s.L.Close()
	} else {
		s.L.SetTop(0)
		r.mu.Lock()
		r.free = append(r.free, s)
		r.mu.Unlock()
	}
	<-r.tokens
}

// RuleError is a rule that failed at run time while judging one row.
type RuleError struct {
	Hook string
	Err  error
}

// The Lua message already says file:line; its stack trace is noise in a report.
func (e *RuleError) Error() string { return fmt.Sprintf("rule hook %s: %s", e.Hook, errorText(e.Err)) }
func (e *RuleError) Unwrap() error { return e.Err }

// Judge maps the provider's answer to a state and judges the row. An error
// is a rule failing at run time (a *RuleError naming file and line).
func (r *Rules) Judge(ctx context.Context, row recon.Row, ans recon.Reply) (recon.Judgement, error) {
	var j recon.Judgement
	err := r.call(ctx, func(s *state) error {
		var err error
		j, err = r.judge(s, row, ans)
		return err
	})
	return j, err
}

// MapStatement maps a statement's row, given as an answer (Source
// SourceStatement), to a provider state through the map_statement hook,
// for a row the ledger lacks: there is nothing to judge it against. row
// names the account, provider, kind and numbers.
func (r *Rules) MapStatement(ctx context.Context, row recon.Row, ans recon.Reply) (recon.State, string, error) {
	var mapped recon.State
	var detail string
	err := r.call(ctx, func(s *state) error {
		a, err := s.answerTable(row, ans)
		if err != nil {
			return err
		}
		mapped, detail, err = s.mapState(row, ans, a)
		return err
	})
	return mapped, detail, err
}

// mapState runs the map hook of a found answer: map_payment or map_refund
// by the row's kind, map_statement for a statement's row. A hook that
// maps nothing gives UNKNOWN, with the raw status in the detail.
func (s *state) mapState(row recon.Row, ans recon.Reply, a *lua.LTable) (recon.State, string, error) {
	hook, valid := HookMapPayment, paymentStates
	if row.Kind == recon.Refund {
		hook, valid = HookMapRefund, refundStates
	}
	what := "status"
	if ans.Source == recon.SourceStatement {
		hook, what = HookMapStatement, "statement status"
	}
	rets, at, err := s.dispatch(hook, row.Provider, row.Account, 2, a)
	if err != nil {
		return "", "", &RuleError{Hook: hook, Err: err}
	}
	switch v := rets[0].(type) {
	case lua.LString:
		if !valid[string(v)] {
			return recon.State(v), "", returned(hook, at, fmt.Errorf("returned %q, not a %s state of the contract", v, row.Kind))
		}
		return recon.State(v), lua.LVAsString(rets[1]), nil
	case *lua.LNilType:
		detail := fmt.Sprintf("no rule maps %s %s %q", row.Provider, what, ans.Answer.Status)
		if ans.Answer.SubStatus != "" {
			detail += fmt.Sprintf(" (sub-status %q)", ans.Answer.SubStatus)
		}
		return recon.StateUnknown, detail, nil
	default:
		return "", "", returned(hook, at, fmt.Errorf("returned a %s, want a state name", v.Type()))
	}
}

func (r *Rules) judge(s *state, row recon.Row, ans recon.Reply) (recon.Judgement, error) {
	var j recon.Judgement
	refund := row.Kind == recon.Refund
	rowT, err := s.rowTable(row)
	if err != nil {
		return j, err
	}
	a, err := s.answerTable(row, ans)
	if err != nil {
		return j, err
	}
	switch ans.Outcome {
	case recon.OutcomeFound:
		if j.State, j.StateDetail, err = s.mapState(row, ans, a); err != nil {
			return j, err
		}
	case recon.OutcomeNotFound:
		j.State = recon.StateNotFound
	}
	a.RawSetString("state", s.in.opt(string(j.State)))
	a.RawSetString("state_detail", s.in.opt(j.StateDetail))

	hook := HookJudge
	if refund {
		hook = HookJudgeRefund
	}
	rets, at, err := s.dispatch(hook, row.Provider, row.Account, 1, rowT, a)
	if err != nil {
		return j, &RuleError{Hook: hook, Err: err}
	}
	if err := r.readVerdict(rets[0], &j); err != nil {
		return j, returned(hook, at, err)
	}
	if ans.Outcome == recon.OutcomeUnverifiable {
		keepUnverifiable(&j, hook, ans.Err)
	}
	return j, nil
}

// keepUnverifiable holds the contract's promise at every hook that returns a
// verdict: a row whose answer failed verification stays UNVERIFIABLE. A rule
// can change its severity and action, never make it count as matched or paid.
func keepUnverifiable(j *recon.Judgement, hook, why string) {
	if j.Verdict == recon.VerdictUnverifiable {
		return
	}
	j.Detail = fmt.Sprintf("rule hook %s returned %s, overridden: the answer failed verification (%s)", hook, j.Verdict, why)
	j.Verdict = recon.VerdictUnverifiable
	j.State = ""
}

// readVerdict reads a hook's {verdict=, severity=, action=, detail=} and
// fills defaults from the verdict's declaration.
func (r *Rules) readVerdict(v lua.LValue, j *recon.Judgement) error {
	t, ok := v.(*lua.LTable)
	if !ok {
		return fmt.Errorf("returned a %s, want a table {verdict=..., severity=..., action=..., detail=...}", v.Type())
	}
	j.Verdict = recon.Verdict(lua.LVAsString(t.RawGetString("verdict")))
	def, ok := r.verdicts[j.Verdict]
	if !ok {
		return fmt.Errorf("verdict %q is neither the contract's nor declared with recon.verdict", j.Verdict)
	}
	j.Severity = recon.Severity(lua.LVAsString(t.RawGetString("severity")))
	if j.Severity == "" {
		j.Severity = def.Severity
	}
	if !j.Severity.Valid() {
		return fmt.Errorf("severity %q is not info, warn or critical", j.Severity)
	}
	j.Action = recon.Action(lua.LVAsString(t.RawGetString("action")))
	if j.Action == "" {
		j.Action = def.Action
	}
	j.Detail = lua.LVAsString(t.RawGetString("detail"))
	return nil
}

// OrderRefunds is what the refunds hook sees of one order: the ledger's
// refund rows added up against what the provider says it refunded.
type OrderRefunds struct {
	Account, Provider, OrderNo string
	Currency                   string
	Payment                    recon.Judgement // the payment row's judgement so far
	PaymentStatus              recon.State     // the ledger's status of the payment row
	LedgerRefunded             int64           // sum of the ledger's SUCCESS refund rows
	RefundRows                 int
	ProviderRefunded           *int64 // nil: the provider does not say
}

// JudgeRefunds asks the refunds hook whether an order's refunds add up. It
// returns nil when the payment row's judgement stands.
func (r *Rules) JudgeRefunds(ctx context.Context, o OrderRefunds) (*recon.Judgement, error) {
	var out *recon.Judgement
	err := r.call(ctx, func(s *state) error {
		if err := exactMinor("ledger_refunded", &o.LedgerRefunded); err != nil {
			return err
		}
		if err := exactMinor("provider_refunded", o.ProviderRefunded); err != nil {
			return err
		}
		in := s.in
		t := s.order.fill(s.L, []lua.LValue{
			in.str(o.Account),
			in.str(o.Provider),
			lua.LString(o.OrderNo),
			in.str(o.Currency),
			in.str(string(o.PaymentStatus)),
			in.str(string(o.Payment.Verdict)),
			in.opt(string(o.Payment.State)),
			lua.LNumber(o.LedgerRefunded),
			lua.LNumber(o.RefundRows),
			optInt(o.ProviderRefunded),
		})
		rets, at, err := s.dispatch(HookRefunds, o.Provider, o.Account, 1, t)
		if err != nil {
			return &RuleError{Hook: HookRefunds, Err: err}
		}
		if rets[0] == lua.LNil {
			return nil
		}
		j := o.Payment
		if err := r.readVerdict(rets[0], &j); err != nil {
			return returned(HookRefunds, at, err)
		}
		if o.Payment.Verdict == recon.VerdictUnverifiable {
			keepUnverifiable(&j, HookRefunds, "the payment row's answer was not trusted")
		}
		out = &j
		return nil
	})
	return out, err
}

var (
	rowKeys = []string{"line", "account", "provider", "type", "order_no", "provider_trade_no", "refund_no",
		"status", "amount", "currency", "created_at", "statement"}
	answerKeys = []string{"provider", "account", "kind", "outcome", "error", "verified", "status", "sub_status",
		"currency", "amount", "received", "refunded", "refund_amount", "trade_no", "refund_trade_no", "paid_at",
		"refunded_at", "fields", "source", "state", "state_detail"}
	lastKeys  = []string{"run_id", "verdict", "severity", "at", "age_seconds", "unchanged"}
	orderKeys = []string{"account", "provider", "order_no", "currency", "status", "verdict", "state",
		"ledger_refunded", "refund_rows", "provider_refunded"}
)

func (s *state) rowTable(row recon.Row) (*lua.LTable, error) {
	return s.rowTableWith(row, lua.LNil)
}

// rowTableWith is the row's table with row.statement set to stmt.
func (s *state) rowTableWith(row recon.Row, stmt lua.LValue) (*lua.LTable, error) {
	for _, f := range []struct{ name, v string }{{"order_no", row.OrderNo}, {"refund_no", row.RefundNo},
		{"provider_trade_no", row.ProviderTradeNo}} {
		if err := checkSize(f.name, f.v); err != nil {
			return nil, err
		}
	}
	if err := exactMinor("row amount", &row.Amount); err != nil {
		return nil, err
	}
	in := s.in
	return s.row.fill(s.L, []lua.LValue{
		lua.LNumber(row.Line),
		in.str(row.Account),
		in.str(row.Provider),
		kindName(row.Kind),
		lua.LString(row.OrderNo),
		luaString(row.ProviderTradeNo),
		luaString(row.RefundNo),
		in.str(string(row.Status)),
		lua.LNumber(row.Amount),
		in.str(row.Currency),
		unixOrNil(row.CreatedAt),
		stmt,
	}), nil
}

func (s *state) answerTable(row recon.Row, ans recon.Reply) (*lua.LTable, error) {
	total := 0
	for k, v := range ans.Answer.Fields {
		total += len(k) + len(v)
	}
	if total > maxStringBytes {
		return nil, fmt.Errorf("answer fields total %d bytes, more than %d", total, maxStringBytes)
	}
	for _, m := range []struct {
		what string
		v    *int64
	}{{"answer amount", ans.Answer.Amount}, {"answer received", ans.Answer.Received},
		{"answer refunded", ans.Answer.Refunded}, {"answer refund_amount", ans.Answer.RefundAmount}} {
		if err := exactMinor(m.what, m.v); err != nil {
			return nil, err
		}
	}
	in := s.in
	return s.ans.fill(s.L, []lua.LValue{
		in.str(row.Provider),
		in.str(row.Account),
		kindName(row.Kind),
		in.str(outcomeName(ans.Outcome)),
		in.opt(ans.Err),
		lua.LBool(ans.Verified),
		in.opt(ans.Answer.Status),
		in.opt(ans.Answer.SubStatus),
		in.opt(ans.Answer.Currency),
		optInt(ans.Answer.Amount),
		optInt(ans.Answer.Received),
		optInt(ans.Answer.Refunded),
		optInt(ans.Answer.RefundAmount),
		luaString(ans.Answer.TradeNo),
		luaString(ans.Answer.RefundTradeNo),
		unixOrNil(ans.Answer.PaidAt),
		unixOrNil(ans.Answer.RefundedAt),
		s.fields.table(s.L, ans.Answer.Fields),
		sourceName(ans.Source),
		lua.LNil, // state and state_detail: set after the map hook
		lua.LNil,
	}), nil
}

var kindNames = map[recon.Kind]lua.LValue{recon.Payment: lua.LString(recon.Payment.String()),
	recon.Refund: lua.LString(recon.Refund.String())}

func kindName(k recon.Kind) lua.LValue {
	if v, ok := kindNames[k]; ok {
		return v
	}
	return lua.LString(k.String())
}

// exactMinor refuses an amount Lua cannot hold exactly: its numbers are
// doubles, exact for integers up to 2^53. Parsed amounts are capped there
// (money.MaxMinor); this catches derived ones, such as a sum of refunds.
func exactMinor(what string, v *int64) error {
	if v != nil && (*v > money.MaxMinor || *v < -money.MaxMinor) {
		return fmt.Errorf("%s %d is beyond 2^53-1 minor units, where rules' numbers stop being exact", what, *v)
	}
	return nil
}

var (
	luaQuery     = lua.LString(recon.SourceQuery)
	luaStatement = lua.LString(recon.SourceStatement)
)

// sourceName is where an answer came from, as rules see it (a.source).
func sourceName(src string) lua.LValue {
	if src == recon.SourceStatement {
		return luaStatement
	}
	return luaQuery
}

// outcomeName is the outcome as rules see it: a failed attempt is ERROR.
func outcomeName(o recon.Outcome) string {
	if o.Failed() {
		return "ERROR"
	}
	return o.String()
}

func luaString(s string) lua.LValue {
	if s == "" {
		return lua.LNil
	}
	return lua.LString(s)
}

func optInt(p *int64) lua.LValue {
	if p == nil {
		return lua.LNil
	}
	return lua.LNumber(*p)
}

func unixOrNil(t time.Time) lua.LValue {
	if t.IsZero() {
		return lua.LNil
	}
	return lua.LNumber(t.Unix())
}

// formatAmount is recon.format_amount(minor, currency): "12.34".
func formatAmount(L *lua.LState) int {
	n := L.CheckNumber(1)
	cur := L.CheckString(2)
	d, err := money.Digits(cur)
	if err != nil {
		L.ArgError(2, err.Error())
	}
	// As exactMinor: past 2^53 the double is already rounded, and its
	// string would look exact while naming another amount.
	switch f := float64(n); {
	case f > money.MaxMinor || f < -money.MaxMinor:
		L.RaiseError("recon.format_amount: amount %s is beyond 2^53-1 minor units, where rules' numbers stop being exact", n)
	case f != math.Trunc(f): // NaN too
		L.RaiseError("recon.format_amount: amount %s is not a whole number of minor units", n)
	}
	L.Push(lua.LString(money.Format(int64(n), d)))
	return 1
}
