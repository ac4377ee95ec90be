package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestEveryCommandsHelp (issue 14, finding 8): every command, through the
// built binary, has a description and an example in --help, and lists no
// global flag it ignores.
func TestEveryCommandsHelp(t *testing.T) {
	// The global flags each command may list: those it uses.
	uses := map[string][]string{
		"run": {"config", "store", "no-progress"}, "check": {"config", "store"}, "replay": {"config", "store"},
		"report": {"config", "store"}, "runs": {"config", "store"}, "show": {"config", "store"},
		"diff": {"config", "store"}, "rules": {"config"}, "rules check": {"config"}, "rules test": {"config"},
		"plugins": {"config"}, "demo": {"no-progress"}, "sandbox": {}, "prune": {"config", "store"},
		"merge": {"config"},
	}
	var walk func(prefix string, cmds []*cli.Command)
	seen := 0
	walk = func(prefix string, cmds []*cli.Command) {
		for _, cmd := range cmds {
			path := strings.TrimSpace(prefix + " " + cmd.Name)
			seen++
			t.Run(path, func(t *testing.T) {
				stdout, stderr, code := runRecon(t, nil, append(strings.Fields(path), "--help")...)
				if code != 0 {
					t.Fatalf("--help: exit %d\n%s", code, stderr)
				}
				if cmd.Description == "" || !strings.Contains(stdout, "DESCRIPTION:") {
					t.Errorf("no description")
				}
				if !strings.Contains(stdout, "Examples:\n   ") || !strings.Contains(stdout, "   recon "+path) {
					t.Errorf("no example of recon %s:\n%s", path, stdout)
				}
				allowed, known := uses[path]
				if !known {
					t.Fatalf("a new command: say here which global flags it uses")
				}
				for _, g := range []string{"config", "store", "no-progress"} {
					listed := strings.Contains(stdout, "   --"+g+" ")
					want := false
					for _, a := range allowed {
						want = want || a == g
					}
					if listed != want {
						t.Errorf("--%s listed: %v, want %v:\n%s", g, listed, want, stdout)
					}
				}
			})
			walk(path, cmd.Subcommands)
		}
	}
	walk("", NewApp(io.Discard, io.Discard).Commands)
	if seen < len(uses) {
		t.Errorf("walked %d commands, want %d", seen, len(uses))
	}
}

// TestUsageErrorsExit2: what names no command or help topic is a usage
// error, not help with exit 0.
func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{{"nosuch"}, {"help", "run"}, {"rules", "nosuch"}, {"rules", "help", "check"},
		{"sandbox", "--listen", "0.0.0.0:0"}, {"sandbox", "--listen", ":0"}, {"runs", "--format", "yaml"},
		{"run", "--ledger", "x.csv", "--run-id", "latest"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, stderr, code := runRecon(t, nil, args...)
			if code != exitUsage || !strings.HasPrefix(stderr, "recon: ") {
				t.Fatalf("exit %d, want 2 with a message\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
		})
	}
}

// TestSandboxRemoteOnlyWhenAllowed: --allow-remote lets the sandbox serve
// a non-loopback address; it prints how many rows its ledger has.
func TestSandboxRemoteOnlyWhenAllowed(t *testing.T) {
	dir := t.TempDir()
	sb := exec.Command(reconBin, "sandbox", "--listen", "0.0.0.0:0", "--allow-remote", "--out", dir, "--orders", "40")
	stdout, err := sb.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sb.Process.Kill(); sb.Wait() }()
	printed := map[string]string{}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "serving") {
		if f := strings.Fields(lines.Text()); len(f) == 2 {
			printed[f[0]] = f[1]
		}
	}
	if !strings.HasPrefix(printed["upay"], "http://0.0.0.0:") && !strings.HasPrefix(printed["upay"], "http://[::]:") {
		t.Fatalf("sandbox --allow-remote printed %v", printed)
	}
	b, err := os.ReadFile(printed["ledger"])
	if err != nil {
		t.Fatal(err)
	}
	if rows := strings.Count(string(b), "\n") - 1; printed["rows"] != strconv.Itoa(rows) {
		t.Errorf("sandbox printed rows %q; the ledger has %d", printed["rows"], rows)
	}
}

// TestRunFlagsFromTheEnvironment: every flag of run has a variable, and the
// nightly job runs from the environment alone.
func TestRunFlagsFromTheEnvironment(t *testing.T) {
	var cmd *cli.Command
	for _, c := range NewApp(io.Discard, io.Discard).Commands {
		if c.Name == "run" {
			cmd = c
		}
	}
	help, _, _ := runRecon(t, nil, "run", "--help")
	for _, f := range cmd.Flags {
		name := f.Names()[0]
		env := "$RECON_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if !strings.Contains(help, env) {
			t.Errorf("--%s has no %s in run --help", name, env)
		}
	}
	srv, _ := upayServer(t)
	dir := t.TempDir()
	writeText(t, filepath.Join(dir, "recon.yaml"), upayConfig(srv.URL))
	writeText(t, filepath.Join(dir, "merchant.lua"), "")
	writeText(t, filepath.Join(dir, "l.csv"), upayLedgerCSV())
	report := filepath.Join(dir, "r.json")
	stdout, stderr, code := runRecon(t, []string{"E2E_UPAY_KEY=" + upaySecret, "RECON_CONFIG=" + filepath.Join(dir, "recon.yaml"),
		"RECON_LEDGER=" + filepath.Join(dir, "l.csv"), "RECON_REPORT=" + report, "RECON_RUN_ID=from-env", "RECON_NO_PROGRESS=true"}, "run")
	if code != exitDiscrepancies {
		t.Fatalf("run from the environment: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if r := readReport(t, report); r.RunID != "from-env" {
		t.Fatalf("RECON_RUN_ID not taken: %q", r.RunID)
	}
}

// TestJSONLogsAreAllJSON (issue 14, finding 5): with --log-format json every
// line on stderr is a JSON object, the failure included, and the run's
// concluding line says its exit status, duration and findings.
func TestJSONLogsAreAllJSON(t *testing.T) {
	srv, _ := upayServer(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "recon.yaml")
	writeText(t, cfg, upayConfig(srv.URL))
	writeText(t, filepath.Join(dir, "merchant.lua"), "")
	writeText(t, filepath.Join(dir, "l.csv"), upayLedgerCSV())
	env := []string{"E2E_UPAY_KEY=" + upaySecret}
	lines := func(t *testing.T, stderr string) []map[string]any {
		t.Helper()
		var out []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("a stderr line is not JSON: %q\n%s", l, stderr)
			}
			out = append(out, m)
		}
		return out
	}
	_, stderr, code := runRecon(t, env, "run", "--config", cfg, "--ledger", filepath.Join(dir, "l.csv"), "--log-format", "json")
	if code != exitDiscrepancies {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var concluded map[string]any
	for _, m := range lines(t, stderr) {
		if m["msg"] == "run concluded" {
			concluded = m
		}
	}
	if concluded == nil || concluded["exit_status"] != float64(exitDiscrepancies) || concluded["findings"] == nil ||
		concluded["findings"].(float64) < 1 || concluded["duration"] == nil {
		t.Fatalf("no run concluded line with exit_status 3, findings and duration:\n%s", stderr)
	}
	for _, args := range [][]string{
		{"run", "--config", cfg, "--ledger", filepath.Join(dir, "l.csv"), "--report", filepath.Join(dir, "no", "r.json")},
		{"run", "--config", cfg, "--ledger", filepath.Join(dir, "none.csv")},
		{"runs", "--store", filepath.Join(dir, "none.db")},
		{"nosuch"},
	} {
		_, stderr, code := runRecon(t, env, append(args, "--log-format=json")...)
		ms := lines(t, stderr)
		if last := ms[len(ms)-1]; code == 0 || last["exit_status"] != float64(code) || last["level"] != "ERROR" {
			t.Errorf("%v: exit %d, last line %v", args, code, last)
		}
	}
}
