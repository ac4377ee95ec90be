package rules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/reconhq/recon/plugins"
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
	verdicts map[string]VerdictDef
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
	r.verdicts = map[string]VerdictDef{}
	for k, v := range contractVerdicts {
		r.verdicts[k] = v
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

// FileInfo is a rule file's provenance.
type FileInfo struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// Files lists the rule files in the order they apply.
func (r *Rules) Files() []FileInfo {
	out := make([]FileInfo, len(r.files))
	for i, f := range r.files {
		out[i] = FileInfo{File: f.Name, SHA256: f.SHA256()}
	}
	return out
}

// Verdict returns a verdict's defaults, contract or declared by a rule file.
func (r *Rules) Verdict(name string) (VerdictDef, bool) {
	d, ok := r.verdicts[name]
	return d, ok
}

// Verdicts lists all known verdicts, sorted.
func (r *Rules) Verdicts() []string {
	out := make([]string, 0, len(r.verdicts))
	for k := range r.verdicts {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Close releases the pooled states.
func (r *Rules) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.free {
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

// call runs fn on a pooled state under the per-call time limit.
func (r *Rules) call(ctx context.Context, fn func(s *state) error) error {
	s, err := r.acquire(ctx)
	if err != nil {
		return err
	}
	tctx, cancelTimeout := context.WithTimeout(ctx, r.timeout)
	defer cancelTimeout()
	cctx, cancel := context.WithCancelCause(tctx)
	defer cancel(nil)
	// A call that lasts is watched for memory: Lua's `..` cannot be capped
	// like string.rep, and a doubling string reaches gigabytes well within
	// the time limit. Calls that finish at once (all sane ones) cost a timer.
	watch := time.AfterFunc(watchAfter, func() { watchHeap(cctx, cancel) })
	defer watch.Stop()
	s.L.SetContext(cctx)
	err = fn(s)
	s.L.RemoveContext()
	if err != nil && ctx.Err() == nil {
		switch cause := context.Cause(cctx); {
		case errors.Is(cause, errRuleMemory):
			err = fmt.Errorf("%w (%w)", err, cause)
		case errors.Is(cause, context.DeadlineExceeded):
			err = fmt.Errorf("%w (rule ran longer than %s)", err, r.timeout)
		}
	}
	r.release(s, err != nil)
	return err
}

// Row is a ledger row as rules see it.
type Row struct {
	Line            int
	Account         string
	Provider        string
	Type            string // payment | refund
	OrderNo         string
	ProviderTradeNo string
	RefundNo        string
	Status          string
	Amount          int64 // minor units of Currency
	Currency        string
	CreatedAt       time.Time
}

// Answer is what the provider said about a row, as rules see it.
type Answer struct {
	Outcome  plugins.Outcome // FOUND, NOT_FOUND, UNSUPPORTED, UNVERIFIABLE; TRANSIENT/PERMANENT after retries: ERROR
	Err      string
	Verified bool
	plugins.Answer
}

// Judgement is the rules' decision on one row.
type Judgement struct {
	State       string // the contract's provider state ("" when the provider gave none)
	StateDetail string
	Verdict     string
	Severity    string
	Action      string
	Detail      string
}

// RuleError is a rule that failed at run time while judging one row.
type RuleError struct {
	Hook string
	Err  error
}

func (e *RuleError) Error() string {
	// The Lua message already says file:line; its stack trace is noise in a report.
	var ae *lua.ApiError
	if errors.As(e.Err, &ae) && ae.Object != nil {
		return fmt.Sprintf("rule hook %s: %s", e.Hook, ae.Object.String())
	}
	return fmt.Sprintf("rule hook %s: %v", e.Hook, e.Err)
}
func (e *RuleError) Unwrap() error { return e.Err }

// Judge maps the provider's answer to a state and judges the row. An error
// is a rule failing at run time (a *RuleError naming file and line).
func (r *Rules) Judge(ctx context.Context, row Row, ans Answer) (Judgement, error) {
	var j Judgement
	err := r.call(ctx, func(s *state) error {
		var err error
		j, err = r.judge(s, row, ans)
		return err
	})
	return j, err
}

func (r *Rules) judge(s *state, row Row, ans Answer) (Judgement, error) {
	L := s.L
	var j Judgement
	refund := row.Type == "refund"
	rowT, err := rowTable(L, row)
	if err != nil {
		return j, err
	}
	a, err := answerTable(L, row, ans)
	if err != nil {
		return j, err
	}
	switch ans.Outcome {
	case plugins.OutcomeFound:
		hook, valid := HookMapPayment, PaymentStates
		if refund {
			hook, valid = HookMapRefund, RefundStates
		}
		rets, err := s.dispatch(hook, row.Provider, row.Account, 2, a)
		if err != nil {
			return j, &RuleError{Hook: hook, Err: err}
		}
		switch v := rets[0].(type) {
		case lua.LString:
			j.State = string(v)
			if !valid[j.State] {
				return j, &RuleError{Hook: hook, Err: fmt.Errorf("returned %q, not a %s state of the contract", j.State, row.Type)}
			}
			j.StateDetail = lua.LVAsString(rets[1])
		case *lua.LNilType:
			j.State = "UNKNOWN"
			j.StateDetail = fmt.Sprintf("no rule maps %s status %q", row.Provider, ans.Status)
			if ans.SubStatus != "" {
				j.StateDetail += fmt.Sprintf(" (sub-status %q)", ans.SubStatus)
			}
		default:
			return j, &RuleError{Hook: hook, Err: fmt.Errorf("returned a %s, want a state name", v.Type())}
		}
	case plugins.OutcomeNotFound:
		j.State = "NOT_FOUND"
	}
	a.RawSetString("state", luaString(j.State))
	a.RawSetString("state_detail", luaString(j.StateDetail))

	hook := HookJudge
	if refund {
		hook = HookJudgeRefund
	}
	rets, err := s.dispatch(hook, row.Provider, row.Account, 1, rowT, a)
	if err != nil {
		return j, &RuleError{Hook: hook, Err: err}
	}
	if err := r.readVerdict(rets[0], &j); err != nil {
		return j, &RuleError{Hook: hook, Err: err}
	}
	// However a rule judges, an answer that failed verification is never
	// trusted: it can change severity and action, not the verdict.
	if ans.Outcome == plugins.OutcomeUnverifiable && j.Verdict != "UNVERIFIABLE" {
		j.Detail = fmt.Sprintf("rule verdict %s overridden: the answer failed verification (%s)", j.Verdict, ans.Err)
		j.Verdict = "UNVERIFIABLE"
	}
	return j, nil
}

// readVerdict reads a hook's {verdict=, severity=, action=, detail=} and
// fills defaults from the verdict's declaration.
func (r *Rules) readVerdict(v lua.LValue, j *Judgement) error {
	t, ok := v.(*lua.LTable)
	if !ok {
		return fmt.Errorf("returned a %s, want a table {verdict=..., severity=..., action=..., detail=...}", v.Type())
	}
	j.Verdict = lua.LVAsString(t.RawGetString("verdict"))
	def, ok := r.verdicts[j.Verdict]
	if !ok {
		return fmt.Errorf("verdict %q is neither the contract's nor declared with recon.verdict", j.Verdict)
	}
	j.Severity = lua.LVAsString(t.RawGetString("severity"))
	if j.Severity == "" {
		j.Severity = def.Severity
	}
	if !validSeverity(j.Severity) {
		return fmt.Errorf("severity %q is not info, warn or critical", j.Severity)
	}
	j.Action = lua.LVAsString(t.RawGetString("action"))
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
	Payment                    Judgement // the payment row's judgement so far
	PaymentStatus              string    // the ledger's status of the payment row
	LedgerRefunded             int64     // sum of the ledger's SUCCESS refund rows
	RefundRows                 int
	ProviderRefunded           *int64 // nil: the provider does not say
}

// JudgeRefunds asks the refunds hook whether an order's refunds add up. It
// returns nil when the payment row's judgement stands.
func (r *Rules) JudgeRefunds(ctx context.Context, o OrderRefunds) (*Judgement, error) {
	var out *Judgement
	err := r.call(ctx, func(s *state) error {
		L := s.L
		t := L.NewTable()
		t.RawSetString("account", lua.LString(o.Account))
		t.RawSetString("provider", lua.LString(o.Provider))
		t.RawSetString("order_no", lua.LString(o.OrderNo))
		t.RawSetString("currency", lua.LString(o.Currency))
		t.RawSetString("status", lua.LString(o.PaymentStatus))
		t.RawSetString("verdict", lua.LString(o.Payment.Verdict))
		t.RawSetString("state", luaString(o.Payment.State))
		t.RawSetString("ledger_refunded", lua.LNumber(o.LedgerRefunded))
		t.RawSetString("refund_rows", lua.LNumber(o.RefundRows))
		t.RawSetString("provider_refunded", optInt(o.ProviderRefunded))
		rets, err := s.dispatch(HookRefunds, o.Provider, o.Account, 1, t)
		if err != nil {
			return &RuleError{Hook: HookRefunds, Err: err}
		}
		if rets[0] == lua.LNil {
			return nil
		}
		j := o.Payment
		if err := r.readVerdict(rets[0], &j); err != nil {
			return &RuleError{Hook: HookRefunds, Err: err}
		}
		out = &j
		return nil
	})
	return out, err
}

func rowTable(L *lua.LState, row Row) (*lua.LTable, error) {
	for _, f := range []struct{ name, v string }{{"order_no", row.OrderNo}, {"refund_no", row.RefundNo},
		{"provider_trade_no", row.ProviderTradeNo}} {
		if err := checkSize(f.name, f.v); err != nil {
			return nil, err
		}
	}
	t := L.NewTable()
	t.RawSetString("line", lua.LNumber(row.Line))
	t.RawSetString("account", lua.LString(row.Account))
	t.RawSetString("provider", lua.LString(row.Provider))
	t.RawSetString("type", lua.LString(row.Type))
	t.RawSetString("order_no", lua.LString(row.OrderNo))
	t.RawSetString("provider_trade_no", luaString(row.ProviderTradeNo))
	t.RawSetString("refund_no", luaString(row.RefundNo))
	t.RawSetString("status", lua.LString(row.Status))
	t.RawSetString("amount", lua.LNumber(row.Amount))
	t.RawSetString("currency", lua.LString(row.Currency))
	t.RawSetString("created_at", unixOrNil(row.CreatedAt))
	return t, nil
}

func answerTable(L *lua.LState, row Row, ans Answer) (*lua.LTable, error) {
	t := L.NewTable()
	t.RawSetString("provider", lua.LString(row.Provider))
	t.RawSetString("account", lua.LString(row.Account))
	t.RawSetString("kind", lua.LString(row.Type))
	t.RawSetString("outcome", lua.LString(outcomeName(ans.Outcome)))
	t.RawSetString("error", luaString(ans.Err))
	t.RawSetString("verified", lua.LBool(ans.Verified))
	t.RawSetString("status", luaString(ans.Status))
	t.RawSetString("sub_status", luaString(ans.SubStatus))
	t.RawSetString("currency", luaString(ans.Currency))
	t.RawSetString("amount", optInt(ans.Amount))
	t.RawSetString("received", optInt(ans.Received))
	t.RawSetString("refunded", optInt(ans.Refunded))
	t.RawSetString("refund_amount", optInt(ans.RefundAmount))
	t.RawSetString("trade_no", luaString(ans.TradeNo))
	t.RawSetString("refund_trade_no", luaString(ans.RefundTradeNo))
	t.RawSetString("paid_at", unixOrNil(ans.PaidAt))
	t.RawSetString("refunded_at", unixOrNil(ans.RefundedAt))
	fields := L.NewTable()
	total := 0
	for k, v := range ans.Fields {
		total += len(k) + len(v)
		fields.RawSetString(k, lua.LString(v))
	}
	if total > maxStringBytes {
		return nil, fmt.Errorf("answer fields total %d bytes, more than %d", total, maxStringBytes)
	}
	t.RawSetString("fields", fields)
	return t, nil
}

// outcomeName is the outcome as rules see it: a failed attempt is ERROR.
func outcomeName(o plugins.Outcome) string {
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
	if float64(n) != float64(int64(n)) {
		L.ArgError(1, "amount is not a whole number of minor units")
	}
	L.Push(lua.LString(money.Format(int64(n), d)))
	return 1
}
