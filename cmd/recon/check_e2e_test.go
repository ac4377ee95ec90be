package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// sandbox is a `recon sandbox` process serving the simulators, and what it
// printed: each provider's base URL, "config" and "ledger".
func startSandbox(t *testing.T, dir string, extra ...string) map[string]string {
	t.Helper()
	args := append([]string{"sandbox", "--listen", "127.0.0.1:0", "--out", dir}, extra...)
	sb := exec.Command(reconBin, args...)
	stdout, err := sb.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Process.Kill(); sb.Wait() })
	printed := map[string]string{}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "serving") {
		if f := strings.Fields(lines.Text()); len(f) == 2 {
			printed[f[0]] = f[1]
		}
	}
	if printed["config"] == "" {
		t.Fatalf("sandbox printed no config: %v", printed)
	}
	return printed
}

// editConfig writes a copy of the config at path with each old string
// replaced by its new one, failing when one is not there.
func editConfig(t *testing.T, path, to string, oldNew ...string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i < len(oldNew); i += 2 {
		if !strings.Contains(s, oldNew[i]) {
			t.Fatalf("%s has no %q", path, oldNew[i])
		}
		s = strings.ReplaceAll(s, oldNew[i], oldNew[i+1])
	}
	out := filepath.Join(filepath.Dir(path), to)
	writeText(t, out, s)
	return out
}

// TestCheckPing: `recon check --ping` against the sandbox passes, and fails
// naming the key (with its line) for a misspelt credential, a mistyped
// plugin and a wrong secret, without a run.
func TestCheckPing(t *testing.T) {
	dir := t.TempDir()
	sb := startSandbox(t, dir)
	good := sb["config"]
	writeText(t, filepath.Join(dir, "broken.lua"), "recon.judge(function(row, p, super)\n")
	stdout, stderr, code := runRecon(t, nil, "check", "--config", good, "--ping")
	if code != exitOK {
		t.Fatalf("check --ping of the sandbox's config: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, acct := range []string{"demo-upay", "demo-paypro", "demo-vborder", "demo-edgeros"} {
		if !strings.Contains(stdout, "ok: "+acct+": ") || !strings.Contains(stdout, "NOT_FOUND") {
			t.Errorf("check --ping says nothing of %s answering:\n%s", acct, stdout)
		}
	}
	tests := []struct {
		name    string
		edit    []string
		ping    bool
		want    []string // each on one problem line
		wantNot string
	}{
		{"misspelt credential", []string{"terminal_sn:", "terminal_sm:"}, false,
			[]string{"accounts.demo-upay.credentials.terminal_sm", "did you mean terminal_sn?", "typo.yaml:"}, ""},
		{"mistyped plugin", []string{"plugin: upay", "plugin: upya"}, false,
			[]string{"accounts.demo-upay.plugin", "did you mean upay?"}, ""},
		{"wrong upay secret", []string{"terminal_key: ", "terminal_key: 0"}, true,
			[]string{"accounts.demo-upay.credentials.terminal_key", "likely wrong"}, ""},
		{"wrong paypro secret", []string{"secret: paypro", "secret: xpaypro"}, true,
			[]string{"accounts.demo-paypro.credentials.secret", "likely wrong"}, ""},
		{"wrong vborder sign key", []string{"sign_key: vborder", "sign_key: xvborder"}, true,
			[]string{"accounts.demo-vborder.credentials.sign_key", "likely wrong"}, ""},
		{"rule file that does not compile", []string{"fail_on: warn", "fail_on: warn\nrules: [./broken.lua]"}, false,
			[]string{"broken.lua", "rules"}, ""},
		{"endpoint down", []string{sb["paypro"], "http://127.0.0.1:1/paypro"}, true,
			[]string{"accounts.demo-paypro.endpoint", "did not answer"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := editConfig(t, good, "typo.yaml", tt.edit...)
			args := []string{"check", "--config", cfg}
			if tt.ping {
				args = append(args, "--ping")
			}
			stdout, stderr, code := runRecon(t, nil, args...)
			if code != exitFailed {
				t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
			}
			var problem string
			for _, l := range strings.Split(stdout, "\n") {
				if strings.Contains(l, tt.want[0]) {
					problem = l
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(problem, w) {
					t.Errorf("no problem line with %q:\n%s", w, stdout)
				}
			}
			problems := 0
			for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
				if !strings.HasPrefix(l, "ok: ") && !strings.HasPrefix(l, "warning: ") {
					problems++
				}
			}
			if problems != 1 {
				t.Errorf("%d problem lines, want 1:\n%s", problems, stdout)
			}
		})
	}
}

// TestConfigTyposFailBeforeAnyQuery (issue 14, finding 2): a mistyped
// plugin or credential name is a bad config, exit 1, with nothing sent.
func TestConfigTyposFailBeforeAnyQuery(t *testing.T) {
	srv, hits := upayServer(t)
	dir := t.TempDir()
	ledger := filepath.Join(dir, "ledger.csv")
	writeText(t, ledger, upayLedgerCSV())
	writeText(t, filepath.Join(dir, "merchant.lua"), "")
	for _, tt := range []struct {
		name, old, new, want string
	}{
		{"plugin", "plugin: upay", "plugin: upya", "accounts.shop-upay.plugin: unknown provider plugin \"upya\""},
		{"credential", "terminal_sn:", "terminal_sm:", "accounts.shop-upay.credentials.terminal_sm: plugin upay takes no credential terminal_sm (did you mean terminal_sn?)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(dir, tt.name+".yaml")
			good := upayConfig(srv.URL)
			if !strings.Contains(good, tt.old) {
				t.Fatalf("config has no %q", tt.old)
			}
			writeText(t, cfg, strings.Replace(good, tt.old, tt.new, 1))
			before := atomic.LoadInt64(hits)
			stdout, stderr, code := runRecon(t, []string{"E2E_UPAY_KEY=" + upaySecret}, "run", "--config", cfg, "--ledger", ledger,
				"--store", filepath.Join(dir, tt.name+".db"))
			if code != exitFailed || !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, cfg+":") {
				t.Fatalf("exit %d, want 1 with %q at %s:LINE\nstdout:\n%s\nstderr:\n%s", code, tt.want, cfg, stdout, stderr)
			}
			if n := atomic.LoadInt64(hits) - before; n != 0 {
				t.Errorf("%d queries sent for a bad config", n)
			}
		})
	}
}

// TestOutputsCheckedBeforeTheNight (issue 14, finding 3): a report path
// that cannot be written fails the run before its first query.
func TestOutputsCheckedBeforeTheNight(t *testing.T) {
	srv, hits := upayServer(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "recon.yaml")
	writeText(t, cfg, upayConfig(srv.URL))
	ledger := filepath.Join(dir, "ledger.csv")
	writeText(t, ledger, upayLedgerCSV())
	writeText(t, filepath.Join(dir, "merchant.lua"), "")
	for _, flag := range []string{"--report", "--csv"} {
		t.Run(flag, func(t *testing.T) {
			bad := filepath.Join(dir, "nonexistent", "r.out")
			before := atomic.LoadInt64(hits)
			stdout, stderr, code := runRecon(t, []string{"E2E_UPAY_KEY=" + upaySecret}, "run", "--config", cfg, "--ledger", ledger, flag, bad)
			if code != exitFailed || !strings.Contains(stderr, flag+" "+bad+" cannot be written") ||
				!strings.Contains(stderr, "nothing was queried") {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if n := atomic.LoadInt64(hits) - before; n != 0 {
				t.Errorf("%d queries sent before the report path was found unwritable", n)
			}
		})
	}
}

// TestTotalOutage (issue 14, finding 1): with every provider down the run
// could not query a single order: exit 1, even when the ledger has refund
// rows of a provider without a refund query (UNSUPPORTED, answered with no
// network call, which must not count as queried).
func TestTotalOutage(t *testing.T) {
	dir := t.TempDir()
	sb := startSandbox(t, dir, "--orders", "40")
	// A port nothing listens on: every provider is down.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	l.Close()
	var edits []string
	for _, p := range []string{"upay", "paypro", "vborder", "edgeros"} {
		edits = append(edits, sb[p], down+"/"+p)
	}
	edits = append(edits, "retries: 2", "retries: 0")
	cfg := editConfig(t, sb["config"], "down.yaml", edits...)
	ledger, err := os.ReadFile(sb["ledger"])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ledger), "demo-paypro,") || !strings.Contains(string(ledger), ",refund,") {
		t.Fatalf("the sample ledger has no refund rows at paypro (no refund query):\n%s", ledger)
	}
	stdout, stderr, code := runRecon(t, nil, "run", "--config", cfg, "--ledger", sb["ledger"],
		"--store", filepath.Join(dir, "down.db"), "--no-progress")
	if code != exitFailed || !strings.Contains(stderr, "not a single order") {
		t.Fatalf("total outage: exit %d, want 1 (not a single order could be queried)\nstdout:\n%s\nstderr:\n%s",
			code, stdout, stderr)
	}
}
