package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	upaysim "github.com/reconhq/recon/plugins/upay/sim"
)

// upayServer serves the upay simulator and counts the requests it gets.
func upayServer(t *testing.T) (*httptest.Server, *int64) {
	t.Helper()
	sim := upaysim.New()
	if err := sim.LoadScenario([]byte(upayScenario)); err != nil {
		t.Fatal(err)
	}
	var n int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt64(&n, 1)
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestEditingARuleChangesVerdictsWithoutARebuild runs one copy of the
// binary twice over the same ledger, the merchant's rule file edited in
// between: the verdicts it governs change, nothing else does.
func TestEditingARuleChangesVerdictsWithoutARebuild(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin", "recon")
	if err := os.MkdirAll(filepath.Dir(bin), 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(reconBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o700); err != nil {
		t.Fatal(err)
	}
	binSum := sha256File(t, bin)

	srv, _ := upayServer(t)
	config, ledger, merchant := filepath.Join(dir, "c.yaml"), filepath.Join(dir, "l.csv"), filepath.Join(dir, "merchant.lua")
	writeText(t, config, upayConfig(srv.URL))
	writeText(t, ledger, upayLedgerCSV())
	writeText(t, merchant, "-- the merchant's policy: none yet\n")
	night := func(report string) jsonReport {
		t.Helper()
		cmd := exec.Command(bin, "run", "--config", config, "--ledger", ledger, "--report", report)
		cmd.Env = append(os.Environ(), "E2E_UPAY_KEY="+upaySecret)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitDiscrepancies {
			t.Fatalf("run: %v\n%s", err, out)
		}
		return readReport(t, report)
	}
	before := night(filepath.Join(dir, "before.json"))
	for i, r := range before.Results {
		if r.Verdict != upayLedger[i].verdict {
			t.Fatalf("line %d before the edit: %s; want %s", r.Line, r.Verdict, upayLedger[i].verdict)
		}
	}

	// The merchant decides that an upay order still CREATED is dead, and
	// that a missed payment is a verdict of its own.
	writeText(t, merchant, `
recon.verdict("LOST_NOTIFICATION", {severity = "warn", action = "MARK_PAID"})
recon.map_payment("upay", function(a, super)
  if a.status == "CREATED" then return "CLOSED", "merchant: a CREATED upay order is dead" end
  return super(a)
end)
recon.judge(function(row, p, super)
  local r = super(row, p)
  if r.verdict == "MISSED_PAYMENT" then r.verdict = "LOST_NOTIFICATION" end
  return r
end)
`)
	after := night(filepath.Join(dir, "after.json"))
	if sha256File(t, bin) != binSum {
		t.Fatal("the binary changed")
	}
	want := map[string]string{"PENDING-1": "STATUS_MISMATCH", "MISSED-1": "LOST_NOTIFICATION"}
	for i, r := range after.Results {
		w := upayLedger[i].verdict
		if v, ok := want[r.OrderNo]; ok && w != "DUPLICATE" && w != "INVALID" {
			w = v
		}
		if r.Verdict != w {
			t.Errorf("line %d (%s) after the edit: %s; want %s (%s)", r.Line, r.OrderNo, r.Verdict, w, r.Detail)
		}
	}
	if d := after.Results[1].Detail; !strings.Contains(d, "CLOSED") || after.Results[1].Action != "MARK_CLOSED" {
		t.Errorf("PENDING-1: %+v", after.Results[1])
	}
	if sumOf(before, merchant) == sumOf(after, merchant) || sumOf(after, merchant) != sha256File(t, merchant) {
		t.Errorf("the merchant file's sha256 in the reports: before %s, after %s, on disk %s",
			sumOf(before, merchant), sumOf(after, merchant), sha256File(t, merchant))
	}
}

func sumOf(r jsonReport, file string) string {
	for _, f := range r.Rules {
		if f.File == file {
			return f.SHA256
		}
	}
	return ""
}

// TestRunawayRules: a merchant rule that misbehaves on some orders makes
// each of them ERROR, naming file, line and cause, and the run goes on.
func TestRunawayRules(t *testing.T) {
	dir := t.TempDir()
	srv, _ := upayServer(t)
	config, ledger, merchant := filepath.Join(dir, "c.yaml"), filepath.Join(dir, "l.csv"), filepath.Join(dir, "merchant.lua")
	writeText(t, config, upayConfig(srv.URL))
	writeText(t, ledger, upayLedgerCSV())
	pwned := filepath.Join(dir, "pwned")
	writeText(t, merchant, `recon.judge({account = "shop-upay"}, function(row, p, super)
  local o = row.order_no
  if o == "PAID-1" then while true do end end
  if o == "CLOSED-1" then os.execute("touch '`+pwned+`'") end
  if o == "MISSED-1" then io.open("/etc/passwd") end
  if o == "AMOUNT-1" then require("os") end
  if o == "PENDING-1" then local s = string.rep("x", 2 ^ 31) end
  return super(row, p)
end)
`)
	stdout, stderr, code := runRecon(t, []string{"E2E_UPAY_KEY=" + upaySecret}, "run", "--config", config,
		"--ledger", ledger, "--report", filepath.Join(dir, "r.json"))
	if code != exitDiscrepancies {
		t.Fatalf("exit %d; want %d\n%s\n%s", code, exitDiscrepancies, stdout, stderr)
	}
	rep := readReport(t, filepath.Join(dir, "r.json"))
	if rep.Status != "completed" {
		t.Fatalf("status %s", rep.Status)
	}
	stopped := map[string]string{
		"PAID-1":    merchant + `:3: .*rule ran longer than`,
		"CLOSED-1":  merchant + `:4: the os library is not available to recon rules \(sandbox\)`,
		"MISSED-1":  merchant + `:5: the io library is not available to recon rules \(sandbox\)`,
		"AMOUNT-1":  merchant + `:6: require\(\) is not available to recon rules \(sandbox\)`,
		"PENDING-1": merchant + `:7: string.rep: result larger than \d+ bytes`,
	}
	for i, r := range rep.Results {
		pattern, bad := stopped[r.OrderNo]
		if !bad || upayLedger[i].verdict == "DUPLICATE" || upayLedger[i].verdict == "INVALID" {
			if r.Verdict != upayLedger[i].verdict {
				t.Errorf("line %d (%s): %s; want %s, as without the rule (%s)", r.Line, r.OrderNo, r.Verdict, upayLedger[i].verdict, r.Detail)
			}
			continue
		}
		if r.Verdict != "ERROR" || !regexp.MustCompile(regexp.QuoteMeta(merchant)+pattern[len(merchant):]).MatchString(r.Detail) {
			t.Errorf("line %d (%s): %s %q; want ERROR matching %q", r.Line, r.OrderNo, r.Verdict, r.Detail, pattern)
		}
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Fatal("a rule ran a command")
	}
}

// TestBrokenRuleFileStopsTheRunBeforeAnyQuery: a rule file that does not
// compile is named, with its line, and no provider is asked anything.
func TestBrokenRuleFileStopsTheRunBeforeAnyQuery(t *testing.T) {
	dir := t.TempDir()
	srv, requests := upayServer(t)
	config, ledger, merchant := filepath.Join(dir, "c.yaml"), filepath.Join(dir, "l.csv"), filepath.Join(dir, "merchant.lua")
	writeText(t, config, upayConfig(srv.URL))
	writeText(t, ledger, upayLedgerCSV())
	for name, tt := range map[string]struct{ src, want string }{
		"syntax":  {"recon.judge(function(row, p)\n  return {verdict = \nend)\n", merchant + " line:3"},
		"hook":    {"-- a typo\nrecon.jugde(function() end)\n", merchant + ":2:"},
		"sandbox": {"\n\nlocal f = io.open('/etc/passwd')\n", merchant + ":3: the io library is not available"},
	} {
		t.Run(name, func(t *testing.T) {
			writeText(t, merchant, tt.src)
			_, stderr, code := runRecon(t, []string{"E2E_UPAY_KEY=" + upaySecret}, "run", "--config", config, "--ledger", ledger)
			if code != exitFailed || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d naming %q", code, stderr, exitFailed, tt.want)
			}
			if n := atomic.LoadInt64(requests); n != 0 {
				t.Fatalf("the provider got %d requests", n)
			}
		})
	}
}

func TestRulesCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.lua")
	writeText(t, good, `
recon.verdict("LATE_PAYMENT", {severity = "critical", action = "REFUND"})
recon.judge({account = "shop-upay"}, function(row, p, super)
  local r = super(row, p)
  if r.verdict == "MISSED_PAYMENT" and row.status == "CLOSED" then return {verdict = "LATE_PAYMENT"} end
  return r
end)`)
	bad := filepath.Join(dir, "bad.lua")
	writeText(t, bad, `-- typos a run would not notice
recon.jugde(function(row, p) end)
recon.judge({acount = "shop-upay"}, function(row, p, super)
  local r = super(row, p)
  if r.verdict == "MATHCED" then return {verdict = "FINE"} end
  return r
end)
recon.map_payment("upay", function(a) if a.status == "X" then return "PAYED" end end)
`)
	broken := filepath.Join(dir, "broken.lua")
	writeText(t, broken, "recon.judge(function(row, p)\n  return {verdict = \nend)\n")

	stdout, stderr, code := runRecon(t, nil, "rules", "check", good)
	if code != 0 || !strings.Contains(stdout, "ok: the built-in rules and "+good+" compile and lint clean") {
		t.Fatalf("check good: exit %d\n%s\n%s", code, stdout, stderr)
	}
	stdout, stderr, code = runRecon(t, nil, "rules", "check")
	if code != 0 || !strings.Contains(stdout, "ok: the built-in rules compile and lint clean") {
		t.Fatalf("check built-ins: exit %d\n%s\n%s", code, stdout, stderr)
	}
	examples, err := filepath.Glob("../../rules/examples/*.lua")
	if err != nil || len(examples) < 5 {
		t.Fatalf("examples: %v, %v", examples, err)
	}
	if stdout, stderr, code = runRecon(t, nil, append([]string{"rules", "check"}, examples...)...); code != 0 {
		t.Fatalf("check the examples: exit %d\n%s\n%s", code, stdout, stderr)
	}

	stdout, stderr, code = runRecon(t, nil, "rules", "check", good, bad)
	if code != exitFailed || !strings.Contains(stderr, "5 problems") {
		t.Fatalf("check bad: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		bad + ":2: unknown hook recon.jugde (did you mean recon.judge?); known: map_payment,",
		bad + `:3: recon.judge: selector key "acount" is not provider or account`,
		bad + `:5: compared verdict "MATHCED" is neither the contract's nor declared`,
		bad + `:5: verdict "FINE" is neither the contract's nor declared`,
		bad + `:8: recon.map_payment returns "PAYED", not a payment state of the contract`,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("rules check output lacks %q:\n%s", want, stdout)
		}
	}
	// 5 lines: the verdict problems of line 5 are two.
	if n := strings.Count(stdout, bad+":"); n != 5 {
		t.Errorf("%d problems listed; want 5:\n%s", n, stdout)
	}

	stdout, _, code = runRecon(t, nil, "rules", "check", broken)
	if code != exitFailed || !strings.Contains(stdout, broken+":3: does not compile") {
		t.Fatalf("check broken: exit %d\n%s", code, stdout)
	}
	_, stderr, code = runRecon(t, nil, "rules", "check", filepath.Join(dir, "missing.lua"))
	if code != exitFailed || !strings.Contains(stderr, "missing.lua") {
		t.Fatalf("check a missing file: exit %d\n%s", code, stderr)
	}

	// With --config: the config's files are checked, and selectors are
	// held against its accounts (a warning, not a failure).
	writeText(t, filepath.Join(dir, "c.yaml"), upayConfig("http://127.0.0.1:9"))
	writeText(t, filepath.Join(dir, "merchant.lua"), `recon.judge({account = "shop-upya"}, function(row, p, super) return super(row, p) end)`)
	stdout, stderr, code = runRecon(t, nil, "rules", "check", "--config", filepath.Join(dir, "c.yaml"), good)
	if code != 0 || !strings.Contains(stdout, `merchant.lua:1: warning: recon.judge selects account "shop-upya", which the config does not have (shop-upay)`) ||
		!strings.Contains(stdout, "1 warning") {
		t.Fatalf("check --config: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestRulesTest(t *testing.T) {
	stdout, stderr, code := runRecon(t, nil, "rules", "test")
	if code != 0 || !regexp.MustCompile(`ok: \d+ cases in \d+ files: \d+ passed, 0 failed`).MatchString(stdout) {
		t.Fatalf("built-in fixtures: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// A merchant's own fixtures, for its own rule.
	dir := t.TempDir()
	fixtures := filepath.Join(dir, "fixtures")
	if err := os.MkdirAll(fixtures, 0o700); err != nil {
		t.Fatal(err)
	}
	writeText(t, filepath.Join(fixtures, "vborder.yaml"), `
provider: vborder
currency: CNY
cases:
  - name: expired while pending is fine with us
    row: {status: PENDING, amount: "250.00"}
    answer: {status: TIME_OUT, amount: 25000}
    want: {state: CLOSED, verdict: MATCHED}
  - name: paid still matches
    row: {status: PAID, amount: "250.00"}
    answer: {status: SUCCESS, amount: 25000}
    want: {state: PAID, verdict: MATCHED}
`)
	example := "../../rules/examples/vborder_timeout_pending.lua"
	stdout, stderr, code = runRecon(t, nil, "rules", "test", fixtures, "--rules", example, "-v")
	if code != 0 || !strings.Contains(stdout, "ok: 2 cases in 1 file: 2 passed, 0 failed") ||
		!strings.Contains(stdout, "ok   "+filepath.Join(fixtures, "vborder.yaml")+": expired while pending is fine with us: CLOSED MATCHED") {
		t.Fatalf("with the rule: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// Without the rule, the built-in judgement fails the merchant's fixture.
	stdout, stderr, code = runRecon(t, nil, "rules", "test", fixtures)
	if code != exitFailed || !strings.Contains(stdout, "FAIL "+filepath.Join(fixtures, "vborder.yaml")+
		": expired while pending is fine with us: verdict STATUS_MISMATCH, want MATCHED") ||
		!strings.Contains(stderr, "1 passed, 1 failed") {
		t.Fatalf("without the rule: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// The config's rule files count too.
	writeText(t, filepath.Join(dir, "c.yaml"), upayConfig("http://127.0.0.1:9"))
	b, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	writeText(t, filepath.Join(dir, "merchant.lua"), string(b))
	if stdout, stderr, code = runRecon(t, nil, "rules", "test", "--config", filepath.Join(dir, "c.yaml"), fixtures); code != 0 {
		t.Fatalf("with the config's rules: exit %d\n%s\n%s", code, stdout, stderr)
	}

	_, stderr, code = runRecon(t, nil, "rules", "test", filepath.Join(dir, "empty"))
	if code != exitFailed {
		t.Fatalf("a missing folder: exit %d\n%s", code, stderr)
	}
	_, _, code = runRecon(t, nil, "rules", "test", fixtures, fixtures)
	if code != exitUsage {
		t.Fatalf("two folders: exit %d; want %d", code, exitUsage)
	}
}
