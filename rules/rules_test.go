package rules

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reconhq/recon"
)

// mustRules compiles the built-in files plus extra sources (name -> code).
func mustRules(t testing.TB, extra ...File) *Rules {
	t.Helper()
	r, err := New(append(Builtin(), extra...), Options{PoolSize: 2, CallTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func mustFile(t testing.TB, path string) File {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return File{Name: path, Source: b}
}

func runFixtures(t *testing.T, r *Rules, files map[string][]byte) {
	t.Helper()
	res, err := r.RunFixtures(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) == 0 {
		t.Fatal("no fixtures ran")
	}
	for _, c := range res {
		if c.Problem != "" {
			t.Errorf("%s: %s: %s", c.File, c.Name, c.Problem)
		}
	}
}

// TestBuiltinFixtures runs the fixtures shipped with the built-in rules:
// every status of every provider's vocabulary.
func TestBuiltinFixtures(t *testing.T) {
	files, err := BuiltinFixtures()
	if err != nil {
		t.Fatal(err)
	}
	runFixtures(t, mustRules(t), files)
}

func TestJudgeMatrix(t *testing.T) {
	r := mustRules(t, mustFile(t, "testdata/identity.lua"))
	runFixtures(t, r, map[string][]byte{"judge.yaml": mustRead(t, "testdata/judge.yaml")})
}

func mustRead(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func paidRow() recon.Row {
	return recon.Row{Line: 2, Account: "a1", Provider: "test", Kind: recon.Payment, OrderNo: "O1", Status: "PAID", Amount: 100, Currency: "CNY"}
}

func paidAnswer() recon.Reply {
	return recon.Reply{Outcome: recon.OutcomeFound, Answer: recon.Answer{Status: "PAID", Amount: recon.Int64(100), Currency: "CNY"}}
}

func TestLayeringWithSuper(t *testing.T) {
	// A merchant file replaces the judge for one account and calls the one it replaced.
	merchant := File{Name: "merchant.lua", Source: []byte(`
recon.verdict("VIP_CHECK", {severity = "critical", action = "CALL"})
recon.judge({account = "vip"}, function(row, p, super)
  local r = super(row, p)
  if r.verdict == "MATCHED" then return {verdict = "VIP_CHECK", detail = "was " .. r.verdict} end
  return r
end)`)}
	r := mustRules(t, mustFile(t, "testdata/identity.lua"), merchant)
	ctx := context.Background()

	j, err := r.Judge(ctx, paidRow(), paidAnswer())
	if err != nil || j.Verdict != "MATCHED" {
		t.Fatalf("other account: %+v, %v; want MATCHED", j, err)
	}
	row := paidRow()
	row.Account = "vip"
	j, err = r.Judge(ctx, row, paidAnswer())
	if err != nil {
		t.Fatal(err)
	}
	if j.Verdict != "VIP_CHECK" || j.Severity != "critical" || j.Action != "CALL" || j.Detail != "was MATCHED" {
		t.Fatalf("vip account: %+v", j)
	}
}

func TestUnverifiableCannotBePaid(t *testing.T) {
	evil := File{Name: "evil.lua", Source: []byte(`
recon.judge(function(row, p) return {verdict = "MATCHED", severity = "info"} end)`)}
	r := mustRules(t, evil)
	ans := paidAnswer()
	ans.Outcome = recon.OutcomeUnverifiable
	ans.Err = "sign mismatch"
	j, err := r.Judge(context.Background(), paidRow(), ans)
	if err != nil {
		t.Fatal(err)
	}
	if j.Verdict != "UNVERIFIABLE" || j.State != "" {
		t.Fatalf("got %+v; want UNVERIFIABLE with no state", j)
	}
}

func TestSandboxAndLimits(t *testing.T) {
	tests := []struct {
		name, body, wantErr string
	}{
		{"os.execute", `os.execute("touch /tmp/pwned")`, "os"},
		{"io.open", `io.open("/etc/passwd")`, "io"},
		{"require", `require("os")`, "require"},
		{"load", `load("return 1")()`, "load"},
		{"dofile", `dofile("/etc/passwd")`, "dofile"},
		{"endless loop", `while true do end`, "longer than"},
		{"huge string", `local s = string.rep("x", 1e9)`, "larger than"},
		{"growing string", `local s = "x" while true do s = s .. s end`, ""},
		{"bad verdict", `return {verdict = "NOPE"}`, "neither the contract's nor declared"},
		{"bad state type", `return 42`, "want a table"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := File{Name: "bad.lua", Source: []byte("recon.judge({account = 'bad'}, function(row, p)\n" + tt.body + "\nend)")}
			r := mustRules(t, mustFile(t, "testdata/identity.lua"), f)
			row := paidRow()
			row.Account = "bad"
			_, err := r.Judge(context.Background(), row, paidAnswer())
			var re *RuleError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v; want a *RuleError", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v; want it to mention %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), "bad.lua:") && tt.wantErr != "longer than" && tt.name != "growing string" {
				t.Errorf("err = %v; want it to name the file", err)
			}
			// The pool recovers: other rows are still judged.
			j, err := r.Judge(context.Background(), paidRow(), paidAnswer())
			if err != nil || j.Verdict != "MATCHED" {
				t.Fatalf("after the failure: %+v, %v", j, err)
			}
		})
	}
	if _, err := os.Stat("/tmp/pwned"); err == nil {
		t.Fatal("a rule ran a command")
	}
}

func TestCompileErrorNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "broken.lua")
	if err := os.WriteFile(p, []byte("recon.judge(function(row, p)\n  return {verdict = \nend)\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := ReadFiles([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(append(Builtin(), files...), Options{})
	var ce *CompileError
	if !errors.As(err, &ce) || ce.File != p {
		t.Fatalf("err = %v; want a CompileError for %s", err, p)
	}
	if !strings.Contains(err.Error(), "line:3") && !strings.Contains(err.Error(), ":3") {
		t.Errorf("err = %v; want line 3", err)
	}
}

func TestUnknownHookFailsAtLoad(t *testing.T) {
	f := File{Name: "typo.lua", Source: []byte(`recon.jugde(function() end)`)}
	_, err := New(append(Builtin(), f), Options{})
	if err == nil || !strings.Contains(err.Error(), "typo.lua:1") {
		t.Fatalf("err = %v; want a load error at typo.lua:1", err)
	}
}

func TestRefundsAddUp(t *testing.T) {
	r := mustRules(t)
	base := OrderRefunds{Account: "a", Provider: "test", OrderNo: "O1", Currency: "CNY",
		Payment: recon.Judgement{Verdict: "MATCHED", State: "PARTIALLY_REFUNDED"}, LedgerRefunded: 300, RefundRows: 2}
	tests := []struct {
		name     string
		provider *int64
		rows     int
		verdict  recon.Verdict
		want     recon.Verdict // "" = judgement stands
	}{
		{"adds up", recon.Int64(300), 2, "MATCHED", ""},
		{"does not add up", recon.Int64(500), 2, "MATCHED", "REFUND_MISMATCH"},
		{"provider silent", nil, 2, "MATCHED", ""},
		{"no refund rows", recon.Int64(500), 0, "MATCHED", ""},
		{"already a worse verdict", recon.Int64(500), 2, "AMOUNT_MISMATCH", ""},
	}
	for _, tt := range tests {
		o := base
		o.ProviderRefunded, o.RefundRows, o.Payment.Verdict = tt.provider, tt.rows, tt.verdict
		j, err := r.JudgeRefunds(context.Background(), o)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := recon.Verdict("")
		if j != nil {
			got = j.Verdict
		}
		if got != tt.want {
			t.Errorf("%s: got %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestConcurrentJudging(t *testing.T) {
	r := mustRules(t, mustFile(t, "testdata/identity.lua"))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j, err := r.Judge(context.Background(), paidRow(), paidAnswer())
			if err == nil && j.Verdict != "MATCHED" {
				err = errors.New("verdict " + string(j.Verdict))
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestShouldQuery(t *testing.T) {
	merchant := File{Name: "recheck.lua", Source: []byte(`
-- paid orders are asked again for 7 days, for late refunds
recon.should_query(function(row, last, super)
  if last and row.status == "PAID" and last.age_seconds < 7 * 86400 then return true end
  return super(row, last)
end)`)}
	now := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	clean := &Last{RunID: "r1", Verdict: "MATCHED", Severity: "info", At: now.Add(-24 * time.Hour), Unchanged: true}
	old := *clean
	old.At = now.Add(-8 * 24 * time.Hour)
	changed := *clean
	changed.Unchanged = false
	warn := *clean
	warn.Verdict = "UNSETTLED"
	tests := []struct {
		name   string
		extra  []File
		last   *Last
		status string
		want   bool
	}{
		{"never judged", nil, nil, "PAID", true},
		{"unchanged and matched", nil, clean, "PAID", false},
		{"row changed", nil, &changed, "PAID", true},
		{"not final", nil, &warn, "PENDING", true},
		{"merchant: paid within 7 days", []File{merchant}, clean, "PAID", true},
		{"merchant: paid long ago", []File{merchant}, &old, "PAID", false},
		{"merchant: closed", []File{merchant}, clean, "CLOSED", false},
	}
	for _, tt := range tests {
		r := mustRules(t, tt.extra...)
		row := paidRow()
		row.Status = recon.State(tt.status)
		got, _, err := r.ShouldQuery(context.Background(), row, tt.last, nil, now)
		if err != nil || got != tt.want {
			t.Errorf("%s: %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

// A rule that doubles a string with `..` is stopped for its memory long
// before a generous time limit would stop it.
func TestRunawayConcatenationIsStoppedForMemory(t *testing.T) {
	f := File{Name: "grow.lua", Source: []byte(`recon.judge({account = 'bad'}, function(row, p)
  local s = "x"
  while true do s = s .. s end
end)`)}
	r, err := New(append(Builtin(), mustFile(t, "testdata/identity.lua"), f), Options{PoolSize: 1, CallTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	row := paidRow()
	row.Account = "bad"
	_, err = r.Judge(context.Background(), row, paidAnswer())
	if !errors.Is(err, errRuleMemory) || !strings.Contains(err.Error(), "MiB") {
		t.Fatalf("err = %v; want the rule stopped for its memory", err)
	}
}

// A rule file that fails while it compiles or loads is a user's mistake:
// run, replay and `rules test` (New) and `rules check` (Lint) name its file
// and line and say what is wrong, with no Lua stack trace.
func TestLoadErrorsReadAsMessages(t *testing.T) {
	tests := []struct {
		file     string
		want     string // in New's error, after "rule file FILE: "
		lintLine int
		lintWant string
	}{
		{"eof.lua", "testdata/load/eof.lua line:2: syntax error at the end of the file", 2,
			"does not compile: syntax error at the end of the file"},
		{"syntax.lua", "testdata/load/syntax.lua line:3: syntax error near 'end'", 3, "does not compile: syntax error near 'end'"},
		{"hook.lua", "loading: testdata/load/hook.lua:2: unknown hook recon.jugde (did you mean recon.judge?); known: map_payment,", 2,
			"unknown hook recon.jugde (did you mean recon.judge?); known: map_payment,"},
		{"runtime.lua", "loading: testdata/load/runtime.lua:2: attempt to index a non-table object(nil) with key 'b'", 2,
			"loading failed: attempt to index a non-table object(nil) with key 'b'"},
		{"error.lua", "loading: testdata/load/error.lua:2: boom", 2, "loading failed: boom"},
		{"errtable.lua", "loading: (error object is a table value)", 0, "loading failed: (error object is a table value)"},
		{"sandbox.lua", "loading: testdata/load/sandbox.lua:3: the io library is not available to recon rules (sandbox)", 3,
			"loading failed: the io library is not available to recon rules (sandbox)"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := mustFile(t, filepath.Join("testdata", "load", tt.file))
			_, err := New(append(Builtin(), f), Options{PoolSize: 1})
			var ce *CompileError
			if !errors.As(err, &ce) || ce.File != f.Name {
				t.Fatalf("err = %v; want a *CompileError for %s", err, f.Name)
			}
			if got := err.Error(); !strings.HasPrefix(got, "rule file "+f.Name+": "+tt.want) || strings.Contains(got, "\n") ||
				strings.Contains(got, "traceback") {
				t.Errorf("New:\n got %q\nwant %q, on one line", got, "rule file "+f.Name+": "+tt.want)
			}
			probs := Lint(append(Builtin(), f), LintOptions{})
			if len(probs) == 0 {
				t.Fatal("Lint found nothing")
			}
			p := probs[0]
			if p.File != f.Name || p.Line != tt.lintLine || !strings.HasPrefix(p.Msg, tt.lintWant) || strings.Contains(p.Msg, "\n") {
				t.Errorf("Lint:\n got %s\nwant %s:%d: %s", p, f.Name, tt.lintLine, tt.lintWant)
			}
		})
	}
}

// A hook that returns something the contract has no word for is named by
// the file and line of its function, as docs/rules.md promises of every
// error a rule makes at run time.
func TestBadReturnsNameFileAndLine(t *testing.T) {
	refundRow := paidRow()
	refundRow.Kind, refundRow.RefundNo, refundRow.Status = recon.Refund, "R1", "SUCCESS"
	tests := []struct {
		name, src, want string
		call            func(r *Rules) error
	}{
		{"map_payment state", "\n\nrecon.map_payment(function(a)\n  return \"PAYED\"\nend)",
			`rule hook map_payment: bad.lua:3: returned "PAYED", not a payment state of the contract`, nil},
		{"map_payment type", "recon.map_payment(function(a) return {} end)",
			"rule hook map_payment: bad.lua:1: returned a table, want a state name", nil},
		{"map_refund state", "\nrecon.map_refund(function(a) return \"PAID\" end)",
			`rule hook map_refund: bad.lua:2: returned "PAID", not a refund state of the contract`,
			func(r *Rules) error { _, err := r.Judge(context.Background(), refundRow, paidAnswer()); return err }},
		{"judge verdict", "recon.judge(function(row, p)\n  return {verdict = \"MATCHED_\"}\nend)",
			`rule hook judge: bad.lua:1: verdict "MATCHED_" is neither the contract's nor declared`, nil},
		{"judge severity", "\nrecon.judge(function(row, p) return {verdict = \"MATCHED\", severity = \"loud\"} end)",
			`rule hook judge: bad.lua:2: severity "loud" is not info, warn or critical`, nil},
		{"judge type", "recon.judge(function(row, p) return 42 end)", "rule hook judge: bad.lua:1: returned a number, want a table", nil},
		{"refunds verdict", "recon.refunds(function(o) return {verdict = \"NOPE\"} end)",
			`rule hook refunds: bad.lua:1: verdict "NOPE" is neither`,
			func(r *Rules) error {
				_, err := r.JudgeRefunds(context.Background(), OrderRefunds{Account: "a1", Provider: "test", OrderNo: "O1",
					Currency: "CNY", Payment: recon.Judgement{Verdict: "MATCHED"}, LedgerRefunded: 1, RefundRows: 1})
				return err
			}},
		{"super's bad verdict is the outer hook's", "recon.judge(function(row, p) return {verdict = \"NOPE\"} end)\n" +
			"recon.judge(function(row, p, super) return super(row, p) end)",
			`rule hook judge: bad.lua:2: verdict "NOPE" is neither`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRules(t, mustFile(t, "testdata/identity.lua"), File{Name: "bad.lua", Source: []byte(tt.src)})
			call := tt.call
			if call == nil {
				call = func(r *Rules) error { _, err := r.Judge(context.Background(), paidRow(), paidAnswer()); return err }
			}
			err := call(r)
			var re *RuleError
			if !errors.As(err, &re) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant a *RuleError starting %q", err, tt.want)
			}
		})
	}
}

// A declared verdict's name is upper snake case, as the contract's are: an
// empty or odd name would be stored on results and printed in reports.
func TestVerdictNamesAreUpperSnakeCase(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"LATE_PAYMENT", true}, {"X1", true}, {"A", true}, {"PAID_2X", true},
		{"", false}, {"late_payment", false}, {"Late", false}, {"1X", false}, {"_X", false},
		{"LATE-PAYMENT", false}, {"LATE PAYMENT", false}, {"LATE_PAYMENT\n", false}, {"ÉTÉ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := fmt.Sprintf("-- custom\nrecon.verdict(%q, {severity = \"warn\"})\n", tt.name)
			r, err := New(append(Builtin(), File{Name: "v.lua", Source: []byte(src)}), Options{PoolSize: 1})
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				if _, ok := r.Verdict(recon.Verdict(tt.name)); !ok {
					t.Fatalf("%q was not declared", tt.name)
				}
				return
			}
			var ce *CompileError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), "v.lua:2:") ||
				!strings.Contains(err.Error(), fmt.Sprintf("verdict name %q is not upper snake case", tt.name)) {
				t.Fatalf("err = %v; want v.lua:2 refusing the name", err)
			}
		})
	}
}

// A misspelt selector key would make a one-account rule apply to every
// row: the file does not load, and the error names the key and line.
func TestUnknownSelectorKeysStopTheLoad(t *testing.T) {
	tests := []struct {
		name, sel, want string // want: "" loads
		lint            string // what Lint says, if not want
	}{
		{"provider and account", `{provider = "test", account = "a1"}`, "", ""},
		{"empty", `{}`, "", ""},
		{"misspelt account", `{acount = "a1"}`, `sel.lua:2: recon.judge: selector key "acount" is not provider or account (did you mean account?)`, ""},
		{"unrelated key", `{provider = "test", shop = "a1"}`, `sel.lua:2: recon.judge: selector key "shop" is not provider or account`, ""},
		{"array entry", `{"test"}`, `sel.lua:2: recon.judge: a selector table takes provider= and account=, nothing else`, ""},
		// Loading names the call's line, lint the key's; lint says it once.
		{"over several lines", "{\n  provider = \"test\",\n  acount = \"a1\",\n}",
			`sel.lua:2: recon.judge: selector key "acount" is not provider or account (did you mean account?)`,
			`sel.lua:4: recon.judge: selector key "acount" is not provider or account (did you mean account?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "-- one account only\nrecon.judge(" + tt.sel + ", function(row, p) return {verdict = \"ERROR\"} end)\n"
			r, err := New(append(Builtin(), File{Name: "sel.lua", Source: []byte(src)}), Options{PoolSize: 1})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				r.Close()
				return
			}
			var ce *CompileError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant a *CompileError with %q", err, tt.want)
			}
			probs := Lint(append(Builtin(), File{Name: "sel.lua", Source: []byte(src)}), LintOptions{})
			lintWant := cmp.Or(tt.lint, tt.want)
			if len(probs) != 1 || probs[0].String() != lintWant {
				t.Fatalf("Lint: %v; want just %q", probs, lintWant)
			}
		})
	}
}

// A fixture that cannot say what its author meant fails loudly, naming its
// file, line and key: a fraction of a minor unit was truncated (100.5 fen
// passed as 100), and an unknown key printed a Go struct type.
func TestBadFixturesNameFileAndLine(t *testing.T) {
	tests := []struct{ file, want string }{
		{"fraction.yaml", "fraction.yaml:5: amount 100.5 is not a whole number of minor units"},
		{"fraction_received.yaml", "fraction_received.yaml:8: amount 0.99 is not a whole number of minor units"},
		{"word.yaml", `word.yaml:4: amount "one hundred" is not an integer of minor units`},
		{"unknown_key.yaml", "unknown_key.yaml:7: unknown key creatd_at (known: account, amount, created_at, currency, order_no, " +
			"provider_trade_no, refund_no, status, type)"},
		{"unknown_top_key.yaml", "unknown_top_key.yaml:2: unknown key acount (known: account, cases, currency, provider)"},
	}
	r := mustRules(t, mustFile(t, "testdata/identity.lua"))
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := filepath.Join("testdata", "badfixtures", tt.file)
			res, err := r.RunFixtures(context.Background(), map[string][]byte{p: mustRead(t, p)})
			want := filepath.Join("testdata", "badfixtures", tt.want)
			if err == nil || err.Error() != want {
				t.Fatalf("got %v, %+v\nwant the error %q", err, res, want)
			}
		})
	}
}

// The globals a rule sees are exactly these: gopher-lua's base library
// brings more than Lua's (it had _printregs, which writes the VM's
// registers to stderr), and a new one must be a decision, not an upgrade's
// side effect. The removed ones fail with a message saying why.
func TestGlobalsAreKnown(t *testing.T) {
	src := `recon.judge(function(row, p)
  local names = {}
  for k in pairs(_G) do names[#names + 1] = k end
  table.sort(names)
  return {verdict = "MATCHED", detail = tostring(_printregs) .. "|" .. table.concat(names, ",")}
end)`
	j, err := mustRules(t, File{Name: "g.lua", Source: []byte(src)}).Judge(context.Background(), paidRow(), paidAnswer())
	if err != nil {
		t.Fatal(err)
	}
	want := "nil|_G,_GOPHER_LUA_VERSION,_VERSION,assert,channel,collectgarbage,coroutine,debug,dofile,error,getfenv," +
		"getmetatable,io,ipairs,load,loadfile,loadstring,math,module,newproxy,next,os,package,pairs,pcall,print," +
		"rawequal,rawget,rawset,recon,require,select,setfenv,setmetatable,string,table,tonumber,tostring,type,unpack,xpcall"
	if j.Detail != want {
		t.Fatalf("globals:\n got %s\nwant %s", j.Detail, want)
	}
}
