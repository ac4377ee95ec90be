package rules

import (
	"context"
	"fmt"
	"regexp"

	"github.com/reconhq/recon"
	lua "github.com/yuin/gopher-lua"
)

// Hook names a rule file may register. Each is a function on the `recon` table.
const (
	HookMapPayment  = "map_payment"
	HookMapRefund   = "map_refund"
	HookJudge       = "judge"
	HookJudgeRefund = "judge_refund"
	HookRefunds     = "refunds"
	HookShouldQuery = "should_query"
	// HookMapStatement maps a statement row's status (the provider's word
	// in its statement, which need not be its query API's) to a state.
	HookMapStatement = "map_statement"
)

// Hooks lists every hook name, for linting.
var Hooks = []string{HookMapPayment, HookMapRefund, HookMapStatement, HookJudge, HookJudgeRefund, HookRefunds, HookShouldQuery}

type registration struct {
	provider, account string // empty: any
	fn                *lua.LFunction
	file              string
}

// at is where the hook's function is defined, for errors in what it
// returns (a Lua error names its own line).
func (r registration) at() string {
	if r.fn.Proto == nil {
		return r.file
	}
	return fmt.Sprintf("%s:%d", r.file, r.fn.Proto.LineDefined)
}

func (r registration) matches(provider, account string) bool {
	return (r.provider == "" || r.provider == provider) && (r.account == "" || r.account == account)
}

// state is one sandboxed LState with every rule file loaded into it.
type state struct {
	L        *lua.LState
	hooks    map[string][]registration
	verdicts map[recon.Verdict]recon.VerdictDef
	loading  string // the file being loaded; hooks register only then
	kept     *kept  // what loading left behind, which no call may change
	stop     *stopCtx
	chains   map[chainKey]*chain

	// What a call is given, reused (tables.go).
	row, ans, last, order *reusable
	fields                *lazyFields
	in                    interner
}

func newState(ctx context.Context, files []compiled) (*state, error) {
	s := &state{L: newSandbox(), hooks: map[string][]registration{}, verdicts: map[recon.Verdict]recon.VerdictDef{},
		row: newReusable(rowKeys...), ans: newReusable(answerKeys...), last: newReusable(lastKeys...),
		order: newReusable(orderKeys...), in: interner{}}
	s.fields = newLazyFields(s.L)
	s.fields.wrapLazy(s.L)
	s.L.SetContext(ctx)
	defer s.L.RemoveContext()
	api := s.L.NewTable()
	for _, h := range Hooks {
		api.RawSetString(h, s.L.NewFunction(s.registerFunc(h)))
	}
	api.RawSetString("verdict", s.L.NewFunction(s.declareVerdict))
	api.RawSetString("format_amount", s.L.NewFunction(formatAmount))
	// recon.jugde(...) would say "attempt to call a non-function object".
	unknown := s.L.NewTable()
	unknown.RawSetString("__index", s.L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("%s", unknownHookMsg(lua.LVAsString(L.Get(2))))
		return 0
	}))
	s.L.SetMetatable(api, unknown)
	s.L.SetGlobal("recon", api)
	for _, f := range files {
		s.loading = f.Name
		s.L.Push(s.L.NewFunctionFromProto(f.proto))
		if err := s.L.PCall(0, 0, nil); err != nil {
			s.L.Close()
			return nil, &CompileError{File: f.Name, Err: fmt.Errorf("loading: %w", err)}
		}
	}
	s.loading = ""
	s.kept = recordKept(s)
	return s, nil
}

func (s *state) registerFunc(hook string) lua.LGFunction {
	return func(L *lua.LState) int {
		if s.loading == "" {
			L.RaiseError("recon.%s: hooks can only be registered while a rule file loads", hook)
		}
		reg := registration{file: s.loading}
		switch L.GetTop() {
		case 1:
			reg.fn = L.CheckFunction(1)
		case 2:
			switch sel := L.Get(1).(type) {
			case lua.LString:
				reg.provider = string(sel)
			case *lua.LTable:
				// Any other key is a mistake that would select every row.
				// Next, not ForEach (Go map order): the first bad key
				// named is the same every run.
				for k, _ := sel.Next(lua.LNil); k != lua.LNil; k, _ = sel.Next(k) {
					switch ks, ok := k.(lua.LString); {
					case !ok:
						L.RaiseError("recon.%s: %s", hook, selectorTableMsg)
					case ks != "provider" && ks != "account":
						L.RaiseError("%s", selectorKeyMsg(hook, string(ks)))
					}
				}
				reg.provider = lua.LVAsString(sel.RawGetString("provider"))
				reg.account = lua.LVAsString(sel.RawGetString("account"))
			default:
				L.ArgError(1, "selector must be a provider name or a table {provider=..., account=...}")
			}
			reg.fn = L.CheckFunction(2)
		default:
			L.RaiseError("recon.%s takes ([selector,] function)", hook)
		}
		s.hooks[hook] = append(s.hooks[hook], reg)
		return 0
	}
}

// verdictName is how a declared verdict may be called: like the contract's.
var verdictName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

func (s *state) declareVerdict(L *lua.LState) int {
	if s.loading == "" {
		L.RaiseError("recon.verdict: verdicts can only be declared while a rule file loads")
	}
	name := L.CheckString(1)
	if !verdictName.MatchString(name) {
		L.RaiseError("recon.verdict: verdict name %q is not upper snake case (A-Z, 0-9 and _, starting with a letter: LATE_PAYMENT), as the contract's verdicts are", name)
	}
	def := recon.VerdictDef{Severity: recon.SeverityWarn, Action: recon.ActionReview, File: s.loading}
	if t, ok := L.Get(2).(*lua.LTable); ok {
		if v := lua.LVAsString(t.RawGetString("severity")); v != "" {
			def.Severity = recon.Severity(v)
		}
		if v := lua.LVAsString(t.RawGetString("action")); v != "" {
			def.Action = recon.Action(v)
		}
	}
	if !def.Severity.Valid() {
		L.ArgError(2, fmt.Sprintf("severity %q is not info, warn or critical", def.Severity))
	}
	if isContractVerdict(name) {
		L.ArgError(1, fmt.Sprintf("%s is a contract verdict; it needs no declaration", name))
	}
	s.verdicts[recon.Verdict(name)] = def
	return 0
}

// chainKey names the registrations one call dispatches to.
type chainKey struct{ hook, provider, account string }

// chain is the registrations of a hook that match one provider and account,
// newest first, with the `super` each one receives. Both are made once per
// state and key: a super is a Go function that calls the next older match
// with the arguments it is given (and its own super), or returns nils when
// there is none.
type chain struct {
	fns    []*lua.LFunction
	supers []*lua.LFunction
	at     []string // where each fn is defined, FILE:LINE
}

// maxChains bounds the per-state cache of chains (one per hook, provider
// and account seen); past it, chains are made per call.
const maxChains = 4096

func (s *state) chain(hook, provider, account string, nret int) *chain {
	key := chainKey{hook, provider, account}
	if c, ok := s.chains[key]; ok {
		return c
	}
	c := &chain{}
	all := s.hooks[hook]
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].matches(provider, account) {
			c.fns = append(c.fns, all[i].fn)
			c.at = append(c.at, all[i].at())
		}
	}
	c.supers = make([]*lua.LFunction, len(c.fns))
	for i := range c.supers {
		c.supers[i] = s.L.NewFunction(c.super(i+1, nret))
	}
	if s.chains == nil {
		s.chains = map[chainKey]*chain{}
	}
	if len(s.chains) < maxChains {
		s.chains[key] = c
	}
	return c
}

// super returns the Go function that calls c.fns[next].
func (c *chain) super(next, nret int) lua.LGFunction {
	return func(L *lua.LState) int {
		if next >= len(c.fns) {
			for range nret {
				L.Push(lua.LNil)
			}
			return nret
		}
		n := L.GetTop()
		L.Push(c.fns[next])
		for j := 1; j <= n; j++ {
			L.Push(L.Get(j))
		}
		L.Push(c.supers[next])
		L.Call(n+1, nret)
		return nret
	}
}

// dispatch calls the newest registration of hook that matches, handing it
// the next older match as its last argument (`super`). It returns nret (at
// most 2) values, all nil when nothing is registered, and where the function
// that returned them is defined (FILE:LINE), for an error in them.
func (s *state) dispatch(hook, provider, account string, nret int, args ...lua.LValue) ([2]lua.LValue, string, error) {
	out := [2]lua.LValue{lua.LNil, lua.LNil}
	c := s.chain(hook, provider, account, nret)
	if len(c.fns) == 0 {
		return out, "", nil
	}
	L := s.L
	L.Push(c.fns[0])
	for _, a := range args {
		L.Push(a)
	}
	L.Push(c.supers[0])
	if err := L.PCall(len(args)+1, nret, nil); err != nil {
		return out, "", err
	}
	for j := 0; j < nret; j++ {
		out[j] = L.Get(-nret + j)
	}
	L.Pop(nret)
	return out, c.at[0], nil
}

// returned is a RuleError for what the hook's function at `at` returned.
func returned(hook, at string, err error) *RuleError {
	return &RuleError{Hook: hook, Err: fmt.Errorf("%s: %w", at, err)}
}
