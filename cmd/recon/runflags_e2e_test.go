package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunIDIsAName (review, defect 5): --run-id takes letters, digits,
// '.', '_', '-', ':' and '+', at most 128 of them; anything else (a slash, a space, a
// newline broke recon runs) is a usage error naming the flag. The IDs recon
// makes, and names like them, pass.
func TestRunIDIsAName(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	writeText(t, cfg, upayConfig("http://127.0.0.1:1"))
	env := []string{"E2E_UPAY_KEY=" + upaySecret}
	for _, id := range []string{"a/b", "../x", "night one", "a\nb", "tab\there", "ü", strings.Repeat("x", 129), "latest~1"} {
		for _, cmd := range [][]string{{"run", "--ledger", "x.csv"}, {"replay", "--run", "r1"}} {
			t.Run(cmd[0]+" "+id, func(t *testing.T) {
				stdout, stderr, code := runRecon(t, env, append(cmd, "--config", cfg, "--run-id", id)...)
				if code != exitUsage || !strings.Contains(stderr, "--run-id") {
					t.Fatalf("exit %d, want 2 naming --run-id\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
				}
			})
		}
	}
	// Valid: the run goes on, and fails on the ledger that is not there.
	// A scheduler's timestamp (Airflow's run_id) is a name too.
	for _, id := range []string{"20261122-0200-7f3a", "night_1.v2", "A-" + strings.Repeat("9", 126),
		"scheduled__2026-11-22T02:00:00+00:00"} {
		t.Run("valid "+id, func(t *testing.T) {
			stdout, stderr, code := runRecon(t, env, "run", "--config", cfg, "--store", filepath.Join(dir, "r.db"),
				"--ledger", filepath.Join(dir, "missing.csv"), "--run-id", id)
			if code != exitFailed || strings.Contains(stderr, "--run-id") {
				t.Fatalf("exit %d, want 1 for the missing ledger\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
		})
	}
}

// TestLedgerFormatIsAUsageError (review, defect 12): --ledger-format xml
// is a mistake on the command line, exit 2 as for --format, not a ledger
// that cannot be read (exit 1).
func TestLedgerFormatIsAUsageError(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	writeText(t, cfg, upayConfig("http://127.0.0.1:1"))
	ledger := filepath.Join(dir, "l.csv")
	writeText(t, ledger, upayLedgerCSV())
	stdout, stderr, code := runRecon(t, []string{"E2E_UPAY_KEY=" + upaySecret}, "run", "--config", cfg,
		"--store", filepath.Join(dir, "r.db"), "--ledger", ledger, "--ledger-format", "xml")
	if code != exitUsage || !strings.Contains(stderr, `--ledger-format "xml"`) {
		t.Fatalf("exit %d, want 2 naming --ledger-format\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// TestReportToStdoutKeepsItParseable (operator review): with a report sent
// to recon's own stdout (`--report /dev/stdout | jq`), the text summary goes
// to stderr, so that stdout is the report alone.
func TestReportToStdoutKeepsItParseable(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	writeText(t, cfg, upayConfig("http://127.0.0.1:1"))
	writeText(t, filepath.Join(dir, "merchant.lua"), "")
	ledger := filepath.Join(dir, "l.csv")
	writeText(t, ledger, upayLedgerCSV())
	stdout, stderr, code := runRecon(t, []string{"E2E_UPAY_KEY=" + upaySecret}, "--log-level", "error", "run",
		"--config", cfg, "--ledger", ledger, "--report", "/dev/stdout")
	var rep jsonReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || rep.RunID == "" {
		t.Fatalf("exit %d; stdout is not the report alone: %v\nstdout:\n%s\nstderr:\n%s", code, err, stdout, stderr)
	}
	if !strings.Contains(stderr, "run "+rep.RunID+" ") { // the summary's first line; the log says run_id=
		t.Errorf("the summary (naming the run) is not on stderr:\n%s", stderr)
	}
	// No provider answered (its endpoint is closed): the error says what
	// finds out why.
	if code != exitFailed || !strings.Contains(stderr, "recon check --ping") {
		t.Errorf("exit %d, want 1 pointing to recon check --ping:\n%s", code, stderr)
	}
}

// TestMissingRuleFileNamesTheConfigLine (operator review): a rule file the
// config names that is not there is a bad config at the config's line,
// found before the store is made (the old code said "rule file: open ..."
// and left a new empty store behind).
func TestMissingRuleFileNamesTheConfigLine(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	writeText(t, cfg, upayConfig("http://127.0.0.1:1")) // rules: [./merchant.lua] on line 3; no such file
	ledger := filepath.Join(dir, "l.csv")
	writeText(t, ledger, upayLedgerCSV())
	stdout, stderr, code := runRecon(t, []string{"E2E_UPAY_KEY=" + upaySecret}, "run", "--config", cfg, "--ledger", ledger)
	if code != exitFailed || !strings.Contains(stderr, "c.yaml:3: rules[0]: cannot read") {
		t.Fatalf("exit %d, want 1 naming c.yaml:3 rules[0]\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "recon.db")); err == nil {
		t.Error("the store was made")
	}
}
