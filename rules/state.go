package rules

import (
	"context"
	"fmt"

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
)

// Hooks lists every hook name, for linting.
var Hooks = []string{HookMapPayment, HookMapRefund, HookJudge, HookJudgeRefund, HookRefunds, HookShouldQuery}

type registration struct {
	provider, account string // empty: any
	fn                *lua.LFunction
	file              string
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
}

func newState(ctx context.Context, files []compiled) (*state, error) {
	s := &state{L: newSandbox(), hooks: map[string][]registration{}, verdicts: map[recon.Verdict]recon.VerdictDef{}}
	s.L.SetContext(ctx)
	defer s.L.RemoveContext()
	api := s.L.NewTable()
	for _, h := range Hooks {
		api.RawSetString(h, s.L.NewFunction(s.registerFunc(h)))
	}
	api.RawSetString("verdict", s.L.NewFunction(s.declareVerdict))
	api.RawSetString("format_amount", s.L.NewFunction(formatAmount))
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

func (s *state) declareVerdict(L *lua.LState) int {
	if s.loading == "" {
		L.RaiseError("recon.verdict: verdicts can only be declared while a rule file loads")
	}
	name := L.CheckString(1)
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

// dispatch calls the newest registration of hook that matches, handing it
// the next older match as its last argument (`super`). It returns nret
// values; all nil when nothing is registered.
func (s *state) dispatch(hook, provider, account string, nret int, args ...lua.LValue) ([]lua.LValue, error) {
	var regs []registration
	all := s.hooks[hook]
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].matches(provider, account) {
			regs = append(regs, all[i])
		}
	}
	out := make([]lua.LValue, nret)
	for i := range out {
		out[i] = lua.LNil
	}
	if len(regs) == 0 {
		return out, nil
	}
	err := s.L.CallByParam(lua.P{
		Fn: s.L.NewFunction(func(L *lua.LState) int {
			copy(out, s.invoke(regs, 0, args, nret))
			return 0
		}),
		NRet:    0,
		Protect: true,
	})
	return out, err
}

func (s *state) invoke(regs []registration, i int, args []lua.LValue, nret int) []lua.LValue {
	L := s.L
	rets := make([]lua.LValue, nret)
	for j := range rets {
		rets[j] = lua.LNil
	}
	if i >= len(regs) {
		return rets
	}
	super := L.NewFunction(func(L *lua.LState) int {
		n := L.GetTop()
		a := make([]lua.LValue, n)
		for j := range a {
			a[j] = L.Get(j + 1)
		}
		r := s.invoke(regs, i+1, a, nret)
		for _, v := range r {
			L.Push(v)
		}
		return len(r)
	})
	L.Push(regs[i].fn)
	for _, a := range args {
		L.Push(a)
	}
	L.Push(super)
	L.Call(len(args)+1, nret)
	for j := 0; j < nret; j++ {
		rets[j] = L.Get(-nret + j)
	}
	L.Pop(nret)
	return rets
}
