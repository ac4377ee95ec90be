package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	upaysim "github.com/reconhq/recon/plugins/upay/sim"
)

// upayNight is a finished `recon run` over the upay simulator, whose
// simulator is shut down afterwards: nothing can answer a query any more.
type upayNight struct {
	dir, config, ledger string
	runID               string
	report              jsonReport
	requests            int64 // the simulator's requests during the run
}

// upayConfig is the config of the upay night, with its credential from the
// environment.
func upayConfig(endpoint string) string {
	return `
store: ./recon.db
rules: [./merchant.lua]
accounts:
  shop-upay:
    plugin: upay
    endpoint: ` + endpoint + `
    retries: 1
    backoff: 10ms
    timeout: 5s
    credentials:
      terminal_sn: "100111220054361978"
      terminal_key: ${E2E_UPAY_KEY}
`
}

func upayLedgerCSV() string {
	var b strings.Builder
	b.WriteString("account,order_no,provider_trade_no,type,refund_no,amount,currency,status\n")
	for _, l := range upayLedger {
		b.WriteString(l.row + "\n")
	}
	return b.String()
}

// newUpayNight runs recon once against the upay simulator with merchant as
// the config's rule file, then stops the simulator.
func newUpayNight(t *testing.T, merchant string) *upayNight {
	t.Helper()
	sim := upaysim.New()
	if err := sim.LoadScenario([]byte(upayScenario)); err != nil {
		t.Fatal(err)
	}
	n := &upayNight{dir: t.TempDir()}
	watch := &pluginWatch{mark: newMark(t)}
	srv := httptest.NewServer(watch.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt64(&n.requests, 1)
		sim.ServeHTTP(w, r)
	})))
	n.config, n.ledger = filepath.Join(n.dir, "c.yaml"), filepath.Join(n.dir, "l.csv")
	writeText(t, n.config, upayConfig(srv.URL))
	writeText(t, n.ledger, upayLedgerCSV())
	writeText(t, filepath.Join(n.dir, "merchant.lua"), merchant)
	stdout, stderr, code := runRecon(t, []string{"E2E_UPAY_KEY=" + upaySecret, watch.mark}, "run",
		"--config", n.config, "--ledger", n.ledger, "--report", filepath.Join(n.dir, "night.json"))
	srv.Close()
	if code != exitDiscrepancies {
		t.Fatalf("the night: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// What the replays are watched for exists: the night's plugin process,
	// found by the mark it inherited from recon.
	watch.mu.Lock()
	pids := watch.pids
	watch.mu.Unlock()
	if len(pids) == 0 {
		t.Fatal("no plugin process carrying the mark served the night's queries")
	}
	n.report = readReport(t, filepath.Join(n.dir, "night.json"))
	n.runID = n.report.RunID
	if n.requests == 0 || len(n.report.Results) != len(upayLedger) {
		t.Fatalf("the night sent %d requests and reported %d rows", n.requests, len(n.report.Results))
	}
	return n
}

// reconWatched runs recon like recon() and, until it exits and once more
// after, looks for processes other than recon itself that carry mark in
// their environment: any process recon starts inherits it. A process that
// lives shorter than one look can slip through; TestReplayStartsNoPlugin
// is the check that cannot.
func reconWatched(t *testing.T, mark string, env []string, args ...string) (stdout, stderr string, code int, children []int) {
	t.Helper()
	cmd := exec.Command(reconBin, args...)
	cmd.Env = append(append(os.Environ(), env...), mark)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	seen := map[int]bool{}
	look := func() {
		for _, pid := range processesWithEnv(mark) {
			if pid != cmd.Process.Pid {
				seen[pid] = true
			}
		}
	}
	var err error
	for waiting := true; waiting; {
		look()
		select {
		case err = <-done:
			waiting = false
		case <-time.After(time.Millisecond):
		}
	}
	look() // anything left behind
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	for pid := range seen {
		children = append(children, pid)
	}
	return out.String(), errb.String(), code, children
}

// replayReport is what these tests read of a replay's JSON report beyond jsonReport.
type replayReport struct {
	Command  string `json:"command"`
	ReplayOf string `json:"replay_of"`
	RuleSet  string `json:"rule_set"`
	Results  []struct {
		Line     int             `json:"line"`
		Verdict  string          `json:"verdict"`
		Severity string          `json:"severity"`
		Action   string          `json:"action"`
		Detail   string          `json:"detail"`
		Local    json.RawMessage `json:"local"`
		Provider json.RawMessage `json:"provider"`
		Attempts int             `json:"attempts"`
		RuleSet  string          `json:"rule_set"`
		Reused   string          `json:"reused_from"`
	} `json:"results"`
}

func readReplayReport(t *testing.T, path string) replayReport { return readJSON[replayReport](t, path) }

var changedLine = regexp.MustCompile(`(?m): (\d+) verdicts? changed`)

func changedCount(t *testing.T, stdout string) string {
	t.Helper()
	m := changedLine.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no \"N verdicts changed\" line in:\n%s", stdout)
	}
	return m[1]
}

func TestReplayEndToEnd(t *testing.T) {
	n := newUpayNight(t, "-- nothing yet\n")
	mark := newMark(t)

	// Unchanged rules, the provider gone, and no credential in the
	// environment: every verdict comes back, from the store alone.
	rp := filepath.Join(n.dir, "replay.json")
	stdout, stderr, code, children := reconWatched(t, mark, nil, "replay", "--config", n.config, "--run", n.runID,
		"--report", rp, "--csv", filepath.Join(n.dir, "replay.csv"))
	if code != exitDiscrepancies {
		t.Fatalf("replay: exit %d; want %d like the night\n%s\n%s", code, exitDiscrepancies, stdout, stderr)
	}
	if len(children) > 0 {
		t.Fatalf("replay started processes %v", children)
	}
	if got := changedCount(t, stdout); got != "0" {
		t.Fatalf("%s verdicts changed with unchanged rules:\n%s", got, stdout)
	}
	night := readReplayReport(t, filepath.Join(n.dir, "night.json"))
	again := readReplayReport(t, rp)
	if again.Command != "replay" || again.ReplayOf != n.runID || again.RuleSet != night.RuleSet {
		t.Fatalf("replay report: command %q, replay_of %q, rule_set %q", again.Command, again.ReplayOf, again.RuleSet)
	}
	if len(again.Results) != len(night.Results) {
		t.Fatalf("%d results; want %d", len(again.Results), len(night.Results))
	}
	for i, want := range night.Results {
		got := again.Results[i]
		if want.Verdict != "INVALID" && want.Verdict != "DUPLICATE" && got.Reused != n.runID {
			t.Errorf("line %d: reused_from %q; want %s", got.Line, got.Reused, n.runID)
		}
		got.Reused = want.Reused
		if !reflect.DeepEqual(got, want) {
			t.Errorf("line %d:\n replay %+v\n night  %+v", want.Line, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(n.dir, "replay.csv")); err != nil {
		t.Errorf("no CSV report: %v", err)
	}

	// Another rule file: an amount tolerance of 10 fen on shop-upay changes
	// exactly AMOUNT-1 (19.90 in the ledger, 19.99 at upay).
	tolerance := filepath.Join(n.dir, "tolerance.lua")
	writeText(t, tolerance, `
recon.judge({account = "shop-upay"}, function(row, p, super)
  local r = super(row, p)
  if r.verdict == "AMOUNT_MISMATCH" and p.amount ~= nil and math.abs(p.amount - row.amount) <= 10 then
    return {verdict = "MATCHED", detail = "within 10 fen"}
  end
  return r
end)`)
	rp2 := filepath.Join(n.dir, "replay2.json")
	stdout, stderr, code, children = reconWatched(t, mark, nil, "replay", "--config", n.config, "--run", n.runID,
		"--rules", tolerance, "--report", rp2)
	if code != exitDiscrepancies || len(children) > 0 {
		t.Fatalf("replay --rules: exit %d, processes %v\n%s\n%s", code, children, stdout, stderr)
	}
	if got := changedCount(t, stdout); got != "1" || !regexp.MustCompile(`(?m)^\s+6\s+shop-upay\s+AMOUNT-1\s+AMOUNT_MISMATCH -> MATCHED\s+critical -> info\s+REVIEW -> NONE\s+within 10 fen`).MatchString(stdout) {
		t.Fatalf("want line 6 AMOUNT-1 AMOUNT_MISMATCH -> MATCHED as the one change:\n%s", stdout)
	}
	changed := readReport(t, rp2)
	for i, r := range changed.Results {
		want := n.report.Results[i].Verdict
		if r.Line == 6 {
			want = "MATCHED"
		}
		if r.Verdict != want {
			t.Errorf("line %d: %s; want %s", r.Line, r.Verdict, want)
		}
	}
	var ruleFiles []string
	for _, f := range changed.Rules {
		ruleFiles = append(ruleFiles, f.File)
	}
	if ruleFiles[len(ruleFiles)-1] != tolerance || strings.Contains(strings.Join(ruleFiles, " "), "merchant.lua") {
		t.Errorf("replay rules %v; want the built-in files then %s instead of the config's", ruleFiles, tolerance)
	}

	// The replays are runs of the store, told apart from the night.
	stdout, _, code = runRecon(t, []string{"E2E_UPAY_KEY=" + upaySecret}, "runs", "--config", n.config)
	if code != 0 || strings.Count(stdout, " replay ") != 2 {
		t.Fatalf("recon runs: exit %d\n%s", code, stdout)
	}

	// Usage mistakes.
	for _, args := range [][]string{
		{"replay", "--config", n.config},
		{"replay", "--config", n.config, "--run", n.runID, "stray.lua"},
		{"replay", "--run", n.runID},
	} {
		if _, stderr, code := runRecon(t, []string{"RECON_CONFIG="}, args...); code != exitUsage {
			t.Errorf("recon %v: exit %d; want %d\n%s", args, code, exitUsage, stderr)
		}
	}
	if _, stderr, code := runRecon(t, nil, "replay", "--config", n.config, "--run", "nope"); code != exitFailed || !strings.Contains(stderr, `run "nope"`) {
		t.Errorf("replay of a missing run: exit %d\n%s", code, stderr)
	}
}

// TestReplayStartsNoPlugin replays with a config whose account names a
// plugin from plugin_dir that, if it were ever started, would leave a mark
// on disk. The same config's `recon run` shows that it does.
func TestReplayStartsNoPlugin(t *testing.T) {
	n := newUpayNight(t, "-- nothing yet\n")
	pdir := filepath.Join(n.dir, "plugins")
	if err := os.MkdirAll(pdir, 0o700); err != nil {
		t.Fatal(err)
	}
	started := filepath.Join(n.dir, "plugin-started")
	if err := os.WriteFile(filepath.Join(pdir, "tripwire"), []byte("#!/bin/sh\ntouch '"+started+"'\nexit 1\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	tripwire := filepath.Join(n.dir, "tripwire.yaml")
	writeText(t, tripwire, `
store: ./recon.db
rules: [./merchant.lua]
plugin_dir: ./plugins
accounts:
  shop-upay:
    plugin: tripwire
    endpoint: http://127.0.0.1:9
`)
	stdout, stderr, code := runRecon(t, nil, "replay", "--config", tripwire, "--run", n.runID)
	if code != exitDiscrepancies || changedCount(t, stdout) != "0" {
		t.Fatalf("replay: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(started); err == nil {
		t.Fatal("replay started the account's plugin")
	}

	// The tripwire works: a run with the same config starts the plugin.
	_, stderr, code = runRecon(t, nil, "run", "--config", tripwire, "--ledger", n.ledger)
	if code != exitFailed {
		t.Fatalf("run with the tripwire plugin: exit %d; want %d\n%s", code, exitFailed, stderr)
	}
	if _, err := os.Stat(started); err != nil {
		t.Fatalf("the tripwire plugin left no mark when run started it: %v", err)
	}
}
