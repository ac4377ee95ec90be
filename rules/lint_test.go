package rules

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

var builtinProviders = []string{"edgeros", "paypro", "upay", "vborder"}

func TestLintBuiltinsAndExamplesAreClean(t *testing.T) {
	files := Builtin()
	examples, err := filepath.Glob("examples/*.lua")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range examples {
		files = append(files, mustFile(t, e))
	}
	if problems := Lint(files, LintOptions{Providers: builtinProviders, Accounts: []string{"shop-upay"}}); len(problems) > 0 {
		t.Fatalf("problems in the built-in rules or the examples:\n%v", problems)
	}
}

func TestLint(t *testing.T) {
	type want struct {
		line    int
		warning bool
		msg     string
	}
	tests := []struct {
		name  string
		src   string
		extra []File // files loaded before the one under test
		opt   LintOptions
		want  []want
	}{
		{name: "clean", src: `
recon.verdict("LATE_PAYMENT", {severity = "critical", action = "REFUND"})
recon.judge({provider = "upay", account = "shop-upay"}, function(row, p, super)
  local r = super(row, p)
  if r.verdict == "MISSED_PAYMENT" and p.state == "PAID" and p.outcome == "FOUND" then
    return {verdict = "LATE_PAYMENT", severity = "warn"}
  end
  return r
end)`, opt: LintOptions{Providers: builtinProviders, Accounts: []string{"shop-upay"}}},

		{name: "unknown hook, with the one meant", src: "recon.jugde(function(row, p) end)",
			want: []want{{1, false, "unknown hook recon.jugde (did you mean recon.judge?); known: map_payment, map_refund, map_statement, judge, judge_refund, refunds, should_query, verdict, format_amount"}}},
		{name: "unknown hook far from any", src: "\n\nrecon.reconcile(function() end)",
			want: []want{{3, false, "unknown hook recon.reconcile; known:"}}},
		{name: "unknown member read", src: "local f = recon.mapPayment",
			want: []want{{1, false, "unknown hook recon.mapPayment"}}},

		{name: "undeclared verdicts returned, assigned, compared", src: `
recon.judge(function(row, p, super)
  local r = super(row, p)
  if r.verdict == "MATHCED" then return {verdict = "OK"} end
  r.verdict = "LATE"
  return r
end)`, want: []want{
			{4, false, `compared verdict "MATHCED" is neither the contract's nor declared with recon.verdict("MATHCED", {...}) in the rule set (did you mean MATCHED?)`},
			{4, false, `verdict "OK" is neither`},
			{5, false, `assigned verdict "LATE" is neither`},
		}},
		{name: "a verdict declared by another file of the set", src: `recon.judge(function() return {verdict = "LATE"} end)`,
			extra: []File{{Name: "declare.lua", Source: []byte(`recon.verdict("LATE")`)}}},
		{name: "a verdict declared later in the same file", src: `
recon.judge(function() return {verdict = "LATE"} end)
recon.verdict("LATE")`},
		{name: "a verdict declared with a computed name", src: `
local name = "LA" .. "TE"
recon.verdict(name)
recon.judge(function() return {verdict = "LATE"} end)`},
		{name: "redeclaring a contract verdict", src: `recon.verdict("MATCHED")`,
			want: []want{{1, false, "MATCHED is a contract verdict; it needs no declaration"}}},
		{name: "verdict declaration keys", src: `recon.verdict("LATE", {severity = "urgent", acton = "CALL"})`,
			want: []want{
				{1, false, `recon.verdict: key "acton" is not severity or action`},
				{1, false, `severity "urgent" is not info, warn or critical`},
			}},

		{name: "severity and outcome names", src: `
recon.judge(function(row, p)
  if p.outcome == "OK" then return {verdict = "MATCHED", severity = "high"} end
end)`, want: []want{
			{3, false, `compared outcome "OK" is never set: outcomes are ERROR, FOUND, NOT_FOUND, UNSUPPORTED, UNVERIFIABLE`},
			{3, false, `severity "high" is not info, warn or critical`},
		}},
		{name: "state names", src: `recon.judge(function(row, p) if p.state ~= "PAYED" then return nil end end)`,
			want: []want{{1, false, `compared state "PAYED" is not a provider state of the contract`}}},

		{name: "map hooks return contract states", src: `
recon.map_payment("upay", function(a, super)
  if a.status == "X" then return "PAYED" end
  if a.status == "Y" then return "SUCCESS" end
  local function inner() return "NOT_A_STATE" end
  if a.status == "Z" then return "PAID", "fine" end
  return super(a)
end)
recon.map_refund("upay", function(a)
  if a.status == "S" then return "PAID" end
  return "SUCCESS"
end)`, want: []want{
			{3, false, `recon.map_payment returns "PAYED", not a payment state of the contract (CLOSED, FAILED, NOT_FOUND, PAID, PARTIALLY_PAID, PARTIALLY_REFUNDED, PENDING, REFUNDED, UNKNOWN)`},
			{4, false, `recon.map_payment returns "SUCCESS", not a payment state`},
			{10, false, `recon.map_refund returns "PAID", not a refund state of the contract (FAILED, NOT_FOUND, PENDING, SUCCESS, UNKNOWN)`},
		}},
		{name: "a map hook given as a local function", src: `
local function mapper(a)
  if a.status == "DONE" then return "COMPLETE" end
end
recon.map_payment("upay", mapper)`,
			want: []want{{3, false, `recon.map_payment returns "COMPLETE"`}}},

		{name: "selector keys", src: `recon.judge({acount = "shop"}, function(row, p, super) return super(row, p) end)`,
			want: []want{{1, false, `recon.judge: selector key "acount" is not provider or account (did you mean account?)`}}},
		{name: "selector names checked against the config", src: `
recon.map_payment("upya", function(a) end)
recon.judge({provider = "upay", account = "shop-upya"}, function(row, p, super) return super(row, p) end)`,
			opt: LintOptions{Providers: builtinProviders, Accounts: []string{"shop-upay"}},
			want: []want{
				{2, true, `no provider named "upya" (known: edgeros, paypro, upay, vborder): the hook never applies`},
				{3, true, `recon.judge selects account "shop-upya", which the config does not have (shop-upay): the hook never applies`},
			}},
		{name: "selector after the function", src: `recon.judge(function() end, "upay")`,
			want: []want{
				// Loading fails on the same line: reported once.
				{1, false, "the selector comes first"},
			}},
		{name: "too many arguments", src: `recon.judge("upay", "shop", function() end)`,
			want: []want{{1, false, "recon.judge takes ([selector,] function), not 3 arguments"}}},

		{name: "does not compile", src: "recon.judge(function(row, p)\n  return {verdict = \nend)\n",
			want: []want{{3, false, "does not compile: syntax error near 'end'"}}},
		{name: "fails while loading", src: "local t = {}\nt.x.y = 1\n",
			want: []want{{2, false, "loading failed: attempt to index a non-table object(nil) with key 'y'"}}},
		{name: "sandbox at load", src: "local f = io.open('/etc/passwd')",
			want: []want{{1, false, "loading failed: the io library is not available to recon rules (sandbox)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := append(append(Builtin(), tt.extra...), File{Name: "m.lua", Source: []byte(tt.src)})
			got := Lint(files, tt.opt)
			if len(got) != len(tt.want) {
				t.Fatalf("%d problems; want %d:\n%s", len(got), len(tt.want), problemList(got))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.File != "m.lua" || g.Line != w.line || g.Warning != w.warning || !strings.Contains(g.Msg, w.msg) {
					t.Errorf("problem %d: %s; want m.lua:%d (warning %v) containing %q", i, g, w.line, w.warning, w.msg)
				}
			}
		})
	}
}

func TestLintProblemString(t *testing.T) {
	for _, tt := range []struct {
		p    Problem
		want string
	}{
		{Problem{File: "a.lua", Line: 3, Msg: "bad"}, "a.lua:3: bad"},
		{Problem{File: "a.lua", Msg: "bad"}, "a.lua: bad"},
		{Problem{File: "a.lua", Line: 1, Msg: "odd", Warning: true}, "a.lua:1: warning: odd"},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%#v: %q; want %q", tt.p, got, tt.want)
		}
	}
}

func problemList(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	return b.String()
}
