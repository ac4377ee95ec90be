package rules

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/reconhq/recon/internal/suggest"

	"github.com/reconhq/recon"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

// Problem is something Lint found in a rule file.
type Problem struct {
	File string
	Line int // 0 when the problem is not tied to a line
	Msg  string
	// Warning marks a likely mistake that does not stop a run (an unknown
	// provider or account in a selector: the hook never applies).
	Warning bool
}

func (p Problem) String() string {
	loc := p.File
	if p.Line > 0 {
		loc = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	if p.Warning {
		return loc + ": warning: " + p.Msg
	}
	return loc + ": " + p.Msg
}

// LintOptions says what the rule set is checked against.
type LintOptions struct {
	// Providers are the provider names a selector may name; nil skips the check.
	Providers []string
	// Accounts are the account names a selector may name; nil skips the check.
	Accounts []string
}

// apiFuncs are the functions on `recon` that are not hooks.
var apiFuncs = []string{"verdict", "format_amount"}

// Lint compiles and loads files as one rule set (built-ins first, as New
// takes them) and looks for the mistakes Lua would let pass silently:
// unknown hook names, verdicts neither the contract's nor declared with
// recon.verdict anywhere in the set, states a map hook returns that are not
// the contract's, misspelt selector keys, and comparisons of .verdict,
// .state, .severity or .outcome with names that cannot occur. A file that
// does not compile or load is a problem too. Problems come in file order,
// then line order; none means the set is clean.
func Lint(files []File, opt LintOptions) []Problem {
	l := &linter{opt: opt, declared: map[string]bool{}}
	parsed := make([][]ast.Stmt, len(files))
	compiles := true
	for i, f := range files {
		chunk, err := parse.Parse(strings.NewReader(string(f.Source)), f.Name)
		if err != nil {
			compiles = false
			var se *syntaxError
			if errors.As(newSyntaxError(f.Name, f.Source, err), &se) {
				l.add(f.Name, se.Line, "does not compile: %s", se.Msg)
			} else {
				l.add(f.Name, 0, "does not compile: %v", err)
			}
			continue
		}
		parsed[i] = chunk
		l.collectDeclarations(chunk)
	}
	for i, f := range files {
		if parsed[i] != nil {
			l.file = f.Name
			l.checkFile(parsed[i])
		}
	}
	if compiles {
		// Loading runs each file's top level: it catches what the parser
		// cannot, and verdicts declared with a computed name.
		rs, err := New(files, Options{PoolSize: 1})
		if err != nil {
			l.loadError(err)
		} else {
			for _, v := range rs.Verdicts() {
				l.declared[string(v)] = true
			}
			rs.Close()
		}
	}
	return l.result(files)
}

type linter struct {
	opt      LintOptions
	declared map[string]bool // verdicts declared with a literal name, in any file
	file     string
	problems []Problem
	// pending verdict checks: made after loading, which may declare more.
	verdictUses []verdictUse
}

type verdictUse struct {
	file string
	line int
	name string
	how  string
}

func (l *linter) add(file string, line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (l *linter) warn(line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: l.file, Line: line, Msg: fmt.Sprintf(format, args...), Warning: true})
}

// result settles the verdict uses and orders the problems.
func (l *linter) result(files []File) []Problem {
	known := append(contractVerdictNames(), sortedKeys(l.declared)...)
	for _, u := range l.verdictUses {
		if isContractVerdict(u.name) || l.declared[u.name] {
			continue
		}
		hint := ""
		if c := closest(u.name, known); c != "" {
			hint = fmt.Sprintf(" (did you mean %s?)", c)
		}
		l.add(u.file, u.line, "%sverdict %q is neither the contract's nor declared with recon.verdict(%q, {...}) in the rule set%s",
			u.how, u.name, u.name, hint)
	}
	order := map[string]int{}
	for i, f := range files {
		if _, ok := order[f.Name]; !ok {
			order[f.Name] = i
		}
	}
	sort.SliceStable(l.problems, func(i, j int) bool {
		a, b := l.problems[i], l.problems[j]
		if order[a.File] != order[b.File] {
			return order[a.File] < order[b.File]
		}
		return a.Line < b.Line
	})
	return l.problems
}

var loadLine = regexp.MustCompile(`^(.*?):(\d+):`)

// loadError turns an error of New into a problem, unless the AST checks
// already named it (an unknown hook or selector key fails at load too).
func (l *linter) loadError(err error) {
	var ce *CompileError
	if !errors.As(err, &ce) {
		l.add("", 0, "%v", err)
		return
	}
	msg := strings.TrimPrefix(errorText(ce.Err), "loading: ")
	line := 0
	if m := loadLine.FindStringSubmatch(msg); m != nil && m[1] == ce.File {
		line, _ = strconv.Atoi(m[2])
		msg = strings.TrimSpace(msg[len(m[0]):])
	}
	for _, p := range l.problems {
		// The same line, or the same words: a call over several lines fails
		// at a line other than the one the AST check named.
		if p.File == ce.File && !p.Warning && (p.Line == line || p.Msg == msg) {
			return
		}
	}
	l.add(ce.File, line, "loading failed: %s", msg)
}

// collectDeclarations notes every recon.verdict("NAME", ...) of a file.
func (l *linter) collectDeclarations(chunk []ast.Stmt) {
	walk(chunk, func(n any) {
		call, ok := n.(*ast.FuncCallExpr)
		if !ok || reconMember(call.Func) != "verdict" || len(call.Args) == 0 {
			return
		}
		if s, ok := call.Args[0].(*ast.StringExpr); ok {
			l.declared[s.Value] = true
		}
	})
}

// localFuncs maps the file's top-level local functions by name, so that
// recon.map_payment("x", mapper) can be followed to mapper's body.
func localFuncs(chunk []ast.Stmt) map[string]*ast.FunctionExpr {
	out := map[string]*ast.FunctionExpr{}
	for _, s := range chunk {
		if la, ok := s.(*ast.LocalAssignStmt); ok {
			for i, name := range la.Names {
				if i < len(la.Exprs) {
					if fn, ok := la.Exprs[i].(*ast.FunctionExpr); ok {
						out[name] = fn
					}
				}
			}
		}
	}
	return out
}

func (l *linter) checkFile(chunk []ast.Stmt) {
	funcs := localFuncs(chunk)
	walk(chunk, func(n any) {
		switch n := n.(type) {
		case *ast.AttrGetExpr:
			l.checkMember(n)
		case *ast.FuncCallExpr:
			l.checkCall(n, funcs)
		case *ast.TableExpr:
			for _, f := range n.Fields {
				if k, ok := f.Key.(*ast.StringExpr); ok {
					l.checkName(k.Value, f.Value, "")
				}
			}
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if a, ok := lhs.(*ast.AttrGetExpr); ok && i < len(n.Rhs) {
					if k, ok := a.Key.(*ast.StringExpr); ok {
						l.checkName(k.Value, n.Rhs[i], "assigned")
					}
				}
			}
		case *ast.RelationalOpExpr:
			if n.Operator != "==" && n.Operator != "~=" {
				return
			}
			for _, pair := range [][2]ast.Expr{{n.Lhs, n.Rhs}, {n.Rhs, n.Lhs}} {
				if a, ok := pair[0].(*ast.AttrGetExpr); ok {
					if k, ok := a.Key.(*ast.StringExpr); ok {
						l.checkName(k.Value, pair[1], "compared")
					}
				}
			}
		}
	})
}

// reconMember returns X for an expression recon.X (or recon["X"]).
func reconMember(e ast.Expr) string {
	a, ok := e.(*ast.AttrGetExpr)
	if !ok {
		return ""
	}
	if id, ok := a.Object.(*ast.IdentExpr); !ok || id.Value != "recon" {
		return ""
	}
	if k, ok := a.Key.(*ast.StringExpr); ok {
		return k.Value
	}
	return ""
}

func knownAPI() []string {
	return append(append([]string{}, Hooks...), apiFuncs...)
}

func isHook(name string) bool {
	for _, h := range Hooks {
		if h == name {
			return true
		}
	}
	return false
}

func (l *linter) checkMember(a *ast.AttrGetExpr) {
	name := reconMember(a)
	if name == "" {
		return
	}
	for _, k := range knownAPI() {
		if k == name {
			return
		}
	}
	l.add(l.file, a.Line(), "%s", unknownHookMsg(name))
}

var mapStates = map[string]struct {
	valid map[string]bool
	kind  string
}{
	HookMapPayment: {paymentStates, "payment"},
	HookMapRefund:  {refundStates, "refund"},
	// A statement row is a payment or a refund: either kind's states.
	HookMapStatement: {statementStates, "payment or refund"},
}

func (l *linter) checkCall(call *ast.FuncCallExpr, funcs map[string]*ast.FunctionExpr) {
	name := reconMember(call.Func)
	switch {
	case name == "verdict":
		l.checkDeclaration(call)
		return
	case !isHook(name):
		return
	}
	var fn ast.Expr
	switch len(call.Args) {
	case 1:
		fn = call.Args[0]
	case 2:
		l.checkSelector(name, call.Args[0])
		fn = call.Args[1]
	default:
		l.add(l.file, call.Line(), "recon.%s takes ([selector,] function), not %d arguments", name, len(call.Args))
		return
	}
	body, ok := fn.(*ast.FunctionExpr)
	if id, isIdent := fn.(*ast.IdentExpr); isIdent {
		body, ok = funcs[id.Value]
	}
	if !ok {
		return
	}
	if verdictHooks[name] {
		l.checkTrust(name, body)
	}
	m, isMap := mapStates[name]
	if !isMap {
		return
	}
	returns(body.Stmts, func(r *ast.ReturnStmt) {
		if len(r.Exprs) == 0 {
			return
		}
		if s, ok := r.Exprs[0].(*ast.StringExpr); ok && !m.valid[s.Value] {
			l.add(l.file, r.Line(), "recon.%s returns %q, not a %s state of the contract (%s)", name, s.Value, m.kind,
				strings.Join(sortedKeys(m.valid), ", "))
		}
	})
}

// verdictHooks are the hooks whose table return is a row's verdict.
var verdictHooks = map[string]bool{HookJudge: true, HookJudgeRefund: true, HookRefunds: true}

// checkTrust warns about a verdict hook that returns MATCHED blindly: without
// looking at the answer's outcome or the verdict so far, and without asking
// super, it answers MATCHED for a row whose answer failed verification too.
// recon overrides it (the contract: no hook makes an UNVERIFIABLE answer
// count), but the rule's author should know the rule does not do what it
// says for those rows.
func (l *linter) checkTrust(hook string, body *ast.FunctionExpr) {
	super := ""
	if body.ParList != nil && len(body.ParList.Names) > 0 {
		super = body.ParList.Names[len(body.ParList.Names)-1]
	}
	looks := false
	walk(body.Stmts, func(n any) {
		switch n := n.(type) {
		case *ast.StringExpr:
			looks = looks || n.Value == string(recon.VerdictUnverifiable)
		case *ast.AttrGetExpr:
			if k, ok := n.Key.(*ast.StringExpr); ok && (k.Value == "outcome" || k.Value == "verdict") {
				looks = true
			}
		case *ast.FuncCallExpr:
			if id, ok := n.Func.(*ast.IdentExpr); ok && id.Value == super {
				looks = true
			}
		}
	})
	if looks {
		return
	}
	returns(body.Stmts, func(r *ast.ReturnStmt) {
		if len(r.Exprs) == 0 {
			return
		}
		t, ok := r.Exprs[0].(*ast.TableExpr)
		if !ok {
			return
		}
		for _, f := range t.Fields {
			k, kok := f.Key.(*ast.StringExpr)
			v, vok := f.Value.(*ast.StringExpr)
			if kok && vok && k.Value == "verdict" && v.Value == string(recon.VerdictMatched) {
				l.warn(r.Line(), "recon.%s can return MATCHED for a row whose answer failed verification; "+
					"recon keeps such rows UNVERIFIABLE whatever a rule returns (look at the outcome first, "+
					"or start from super(...))", hook)
			}
		}
	})
}

func (l *linter) checkSelector(hook string, sel ast.Expr) {
	switch s := sel.(type) {
	case *ast.StringExpr:
		l.checkProvider(s.Line(), s.Value)
	case *ast.TableExpr:
		for _, f := range s.Fields {
			k, ok := f.Key.(*ast.StringExpr)
			if !ok {
				l.add(l.file, s.Line(), "recon.%s: %s", hook, selectorTableMsg)
				continue
			}
			v, isString := f.Value.(*ast.StringExpr)
			switch k.Value {
			case "provider":
				if isString {
					l.checkProvider(f.Value.Line(), v.Value)
				}
			case "account":
				if isString && l.opt.Accounts != nil && !contains(l.opt.Accounts, v.Value) {
					l.warn(f.Value.Line(), "recon.%s selects account %q, which the config does not have (%s): the hook never applies",
						hook, v.Value, strings.Join(l.opt.Accounts, ", "))
				}
			default:
				// Loading fails on it too; lint says so with the other problems.
				l.add(l.file, f.Value.Line(), "%s", selectorKeyMsg(hook, k.Value))
			}
		}
	case *ast.FunctionExpr:
		l.add(l.file, s.Line(), "the selector comes first: recon.HOOK(selector, function ... end)")
	}
}

func (l *linter) checkProvider(line int, name string) {
	if l.opt.Providers != nil && !contains(l.opt.Providers, name) {
		l.warn(line, "no provider named %q (known: %s): the hook never applies", name, strings.Join(l.opt.Providers, ", "))
	}
}

func (l *linter) checkDeclaration(call *ast.FuncCallExpr) {
	if len(call.Args) == 0 {
		l.add(l.file, call.Line(), "recon.verdict needs a name: recon.verdict(\"NAME\", {severity=..., action=...})")
		return
	}
	if s, ok := call.Args[0].(*ast.StringExpr); ok {
		if isContractVerdict(s.Value) {
			l.add(l.file, call.Line(), "%s is a contract verdict; it needs no declaration", s.Value)
		}
	}
	if len(call.Args) > 1 {
		if t, ok := call.Args[1].(*ast.TableExpr); ok {
			for _, f := range t.Fields {
				k, ok := f.Key.(*ast.StringExpr)
				if !ok {
					continue
				}
				if k.Value != "severity" && k.Value != "action" {
					l.add(l.file, f.Value.Line(), "recon.verdict: key %q is not severity or action", k.Value)
				}
			}
		}
	}
}

// checkName checks a string constant given to a field whose name says what
// it holds: .verdict, .severity, .state, .outcome. how is "compared",
// "assigned", or "" for a table constructor's field.
func (l *linter) checkName(field string, value ast.Expr, how string) {
	s, ok := value.(*ast.StringExpr)
	if !ok {
		return
	}
	if how != "" {
		how += " "
	}
	line := value.Line()
	switch field {
	case "verdict":
		l.verdictUses = append(l.verdictUses, verdictUse{file: l.file, line: line, name: s.Value, how: how})
	case "severity":
		if !validSeverity(s.Value) {
			l.add(l.file, line, "%sseverity %q is not info, warn or critical", how, s.Value)
		}
	case "state":
		if !paymentStates[s.Value] && !refundStates[s.Value] {
			l.add(l.file, line, "%sstate %q is not a provider state of the contract (%s)", how, s.Value,
				strings.Join(sortedKeys(union(paymentStates, refundStates)), ", "))
		}
	case "outcome":
		if !outcomes[s.Value] {
			l.add(l.file, line, "%soutcome %q is never set: outcomes are %s", how, s.Value,
				strings.Join(sortedKeys(outcomes), ", "))
		}
	}
}

// outcomes are the values of p.outcome as rules see them.
var outcomes = set("FOUND", "NOT_FOUND", "UNSUPPORTED", "UNVERIFIABLE", "ERROR")

// returns calls fn for each return statement of a function body, not
// descending into the functions it defines (their returns are not its own).
func returns(stmts []ast.Stmt, fn func(*ast.ReturnStmt)) {
	for _, s := range stmts {
		switch s := s.(type) {
		case *ast.ReturnStmt:
			fn(s)
		case *ast.DoBlockStmt:
			returns(s.Stmts, fn)
		case *ast.WhileStmt:
			returns(s.Stmts, fn)
		case *ast.RepeatStmt:
			returns(s.Stmts, fn)
		case *ast.IfStmt:
			returns(s.Then, fn)
			returns(s.Else, fn)
		case *ast.NumberForStmt:
			returns(s.Stmts, fn)
		case *ast.GenericForStmt:
			returns(s.Stmts, fn)
		}
	}
}

// walk calls fn for every statement and expression of a chunk, depth first.
func walk(stmts []ast.Stmt, fn func(any)) {
	for _, s := range stmts {
		walkStmt(s, fn)
	}
}

func walkStmt(s ast.Stmt, fn func(any)) {
	fn(s)
	exprs := func(es []ast.Expr) {
		for _, e := range es {
			walkExpr(e, fn)
		}
	}
	switch s := s.(type) {
	case *ast.AssignStmt:
		exprs(s.Lhs)
		exprs(s.Rhs)
	case *ast.LocalAssignStmt:
		exprs(s.Exprs)
	case *ast.FuncCallStmt:
		walkExpr(s.Expr, fn)
	case *ast.DoBlockStmt:
		walk(s.Stmts, fn)
	case *ast.WhileStmt:
		walkExpr(s.Condition, fn)
		walk(s.Stmts, fn)
	case *ast.RepeatStmt:
		walkExpr(s.Condition, fn)
		walk(s.Stmts, fn)
	case *ast.IfStmt:
		walkExpr(s.Condition, fn)
		walk(s.Then, fn)
		walk(s.Else, fn)
	case *ast.NumberForStmt:
		exprs([]ast.Expr{s.Init, s.Limit, s.Step})
		walk(s.Stmts, fn)
	case *ast.GenericForStmt:
		exprs(s.Exprs)
		walk(s.Stmts, fn)
	case *ast.FuncDefStmt:
		if s.Name != nil {
			exprs([]ast.Expr{s.Name.Func, s.Name.Receiver})
		}
		walkExpr(s.Func, fn)
	case *ast.ReturnStmt:
		exprs(s.Exprs)
	}
}

func walkExpr(e ast.Expr, fn func(any)) {
	if e == nil {
		return
	}
	fn(e)
	switch e := e.(type) {
	case *ast.AttrGetExpr:
		walkExpr(e.Object, fn)
		walkExpr(e.Key, fn)
	case *ast.TableExpr:
		for _, f := range e.Fields {
			walkExpr(f.Key, fn)
			walkExpr(f.Value, fn)
		}
	case *ast.FuncCallExpr:
		walkExpr(e.Func, fn)
		walkExpr(e.Receiver, fn)
		for _, a := range e.Args {
			walkExpr(a, fn)
		}
	case *ast.LogicalOpExpr:
		walkExpr(e.Lhs, fn)
		walkExpr(e.Rhs, fn)
	case *ast.RelationalOpExpr:
		walkExpr(e.Lhs, fn)
		walkExpr(e.Rhs, fn)
	case *ast.StringConcatOpExpr:
		walkExpr(e.Lhs, fn)
		walkExpr(e.Rhs, fn)
	case *ast.ArithmeticOpExpr:
		walkExpr(e.Lhs, fn)
		walkExpr(e.Rhs, fn)
	case *ast.UnaryMinusOpExpr:
		walkExpr(e.Expr, fn)
	case *ast.UnaryNotOpExpr:
		walkExpr(e.Expr, fn)
	case *ast.UnaryLenOpExpr:
		walkExpr(e.Expr, fn)
	case *ast.FunctionExpr:
		walk(e.Stmts, fn)
	}
}

// closest returns the candidate within edit distance 2 of s, if one is.
func closest(s string, candidates []string) string { return suggest.Closest(s, 3, candidates) }

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func union(ms ...map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			out[k] = true
		}
	}
	return out
}

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
