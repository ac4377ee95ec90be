package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	upaysim "github.com/reconhq/recon/plugins/upay/sim"
)

// reconBin is recon built once for the package's end-to-end tests: they
// run it as an operator would, as a separate process with its own plugins.
var reconBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "recon-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	reconBin = filepath.Join(dir, "recon")
	if out, err := exec.Command("go", "build", "-o", reconBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building recon: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// recon runs the built binary and returns stdout, stderr and the exit status.
func runRecon(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(reconBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func writeText(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

type jsonReport struct {
	RunID   string         `json:"run_id"`
	Status  string         `json:"status"`
	Totals  map[string]int `json:"totals"`
	Resumes int            `json:"resumes"`
	Stats   struct {
		Retries int `json:"retries"`
		Reused  int `json:"reused"`
	} `json:"stats"`
	Rules   []struct{ File, SHA256 string }
	Ledger  struct{ Rows int }
	Results []struct {
		Line     int    `json:"line"`
		OrderNo  string `json:"order_no"`
		RefundNo string `json:"refund_no"`
		Verdict  string `json:"verdict"`
		Severity string `json:"severity"`
		Action   string `json:"action"`
		Detail   string `json:"detail"`
		Attempts int    `json:"attempts"`
		Local    struct{ Amount string }
		Provider *struct {
			Status    string `json:"status"`
			RawStatus string `json:"raw_status"`
			Amount    string `json:"amount"`
			Refunded  string `json:"refunded"`
			TradeNo   string `json:"trade_no"`
		} `json:"provider"`
	} `json:"results"`
}

func readReport(t *testing.T, path string) jsonReport { return readJSON[jsonReport](t, path) }

// readJSON decodes a JSON file a test's recon wrote into the shape T.
func readJSON[T any](t *testing.T, path string) T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r T
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", path, err, b)
	}
	return r
}

const upaySecret = "S3CRET-upay-terminal-key-5f0e"

const upayScenario = `
terminals:
  - terminal_sn: "100111220054361978"
    terminal_key: "` + upaySecret + `"
orders:
  - {client_sn: PAID-1, total_amount: 1234, order_status: PAID, finish_time: 2026-11-21T23:10:04+08:00}
  - {client_sn: PENDING-1, total_amount: 500, order_status: CREATED, status: IN_PROG}
  - {client_sn: CLOSED-1, total_amount: 700, order_status: CANCELED, status: SUCCESS}
  - {client_sn: AMOUNT-1, total_amount: 1999, order_status: PAID, finish_time: 2026-11-21T20:00:00+08:00}
  - {client_sn: MISSED-1, total_amount: 880, order_status: PAID, finish_time: 2026-11-21T21:00:00+08:00}
  - client_sn: REFUNDS-1
    total_amount: 10000
    finish_time: 2026-11-20T10:00:00+08:00
    refunds:
      - {refund_request_no: "01", amount: 3000, finish_time: 2026-11-21T10:00:00+08:00}
      - {refund_request_no: "02", amount: 2000, finish_time: 2026-11-21T11:00:00+08:00}
`

// The ledger of the acceptance test, with each line's verdict.
var upayLedger = []struct{ row, verdict string }{
	{"shop-upay,PAID-1,,payment,,12.34,,PAID", "MATCHED"},
	{"shop-upay,PENDING-1,,payment,,5.00,,PENDING", "UNSETTLED"},
	{"shop-upay,CLOSED-1,,payment,,7.00,,CLOSED", "MATCHED"},
	{"shop-upay,GHOST-1,,payment,,9.99,,PAID", "NOT_FOUND"},
	{"shop-upay,AMOUNT-1,,payment,,19.90,,PAID", "AMOUNT_MISMATCH"},
	{"shop-upay,MISSED-1,,payment,,8.80,,PENDING", "MISSED_PAYMENT"},
	// Two refunds on one order: 01 matches, 02 is recorded as 25.00 where upay refunded 20.00,
	// so the refunds no longer add up and the payment row is a refund mismatch too.
	{"shop-upay,REFUNDS-1,,payment,,100.00,,PARTIALLY_REFUNDED", "REFUND_MISMATCH"},
	{"shop-upay,REFUNDS-1,,refund,01,30.00,,SUCCESS", "MATCHED"},
	{"shop-upay,REFUNDS-1,,refund,02,25.00,,SUCCESS", "REFUND_MISMATCH"},
	{"shop-upay,BROKEN-1,,payment,,12.345,,PAID", "INVALID"},
	{"shop-upay,PAID-1,,payment,,12.34,,PAID", "DUPLICATE"},
}

// pluginWatch records, at the simulator's first request, which processes
// serve the upay plugin: the proof that the plugin is a process of its own.
type pluginWatch struct {
	mark string // in the environment of the recon under test, inherited by its plugins
	once sync.Once
	mu   sync.Mutex
	pids []int
}

func (w *pluginWatch) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.once.Do(func() {
			pids := processesWithEnv(w.mark, "RECON_BUILTIN_PLUGIN=upay")
			w.mu.Lock()
			w.pids = pids
			w.mu.Unlock()
		})
		h.ServeHTTP(rw, r)
	})
}

// newMark returns an environment entry unique to one test's recon, so that
// its processes are told apart from those of tests running alongside.
func newMark(t *testing.T) string {
	return fmt.Sprintf("RECON_TEST_MARK=%s-%d", t.Name(), time.Now().UnixNano())
}

// processesWithEnv lists the processes whose environment holds every
// entry of kvs (Linux /proc).
func processesWithEnv(kvs ...string) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		have := map[string]bool{}
		for _, v := range bytes.Split(env, []byte{0}) {
			have[string(v)] = true
		}
		all := true
		for _, kv := range kvs {
			all = all && have[kv]
		}
		if all {
			out = append(out, pid)
		}
	}
	return out
}

func TestRunUpayEndToEnd(t *testing.T) {
	sim := upaysim.New()
	if err := sim.LoadScenario([]byte(upayScenario)); err != nil {
		t.Fatal(err)
	}
	watch := &pluginWatch{mark: newMark(t)}
	srv := httptest.NewServer(watch.wrap(sim))
	defer srv.Close()

	dir := t.TempDir()
	writeText(t, filepath.Join(dir, "c.yaml"), `
store: ./recon.db
accounts:
  shop-upay:
    plugin: upay
    endpoint: `+srv.URL+`
    retries: 1
    backoff: 10ms
    timeout: 5s
    credentials:
      terminal_sn: "100111220054361978"
      terminal_key: ${E2E_UPAY_KEY}
`)
	var ledger strings.Builder
	ledger.WriteString("account,order_no,provider_trade_no,type,refund_no,amount,currency,status\n")
	for _, l := range upayLedger {
		ledger.WriteString(l.row + "\n")
	}
	writeText(t, filepath.Join(dir, "l.csv"), ledger.String())

	stdout, stderr, code := runRecon(t, []string{"E2E_UPAY_KEY=" + upaySecret, watch.mark}, "run",
		"--config", filepath.Join(dir, "c.yaml"), "--ledger", filepath.Join(dir, "l.csv"),
		"--report", filepath.Join(dir, "r.json"), "--csv", filepath.Join(dir, "r.csv"), "--log-level", "debug")
	if code != exitDiscrepancies {
		t.Fatalf("exit %d; want %d\nstdout:\n%s\nstderr:\n%s", code, exitDiscrepancies, stdout, stderr)
	}

	rep := readReport(t, filepath.Join(dir, "r.json"))
	if rep.Status != "completed" || rep.Ledger.Rows != len(upayLedger) || len(rep.Results) != len(upayLedger) {
		t.Fatalf("report: status %s, %d rows, %d results; want completed, %d", rep.Status, rep.Ledger.Rows, len(rep.Results), len(upayLedger))
	}
	for i, r := range rep.Results {
		want := upayLedger[i]
		if r.Line != i+2 {
			t.Errorf("result %d has line %d; want %d", i, r.Line, i+2)
		}
		if r.Verdict != want.verdict {
			t.Errorf("line %d (%s): verdict %s; want %s (%s)", r.Line, want.row, r.Verdict, want.verdict, r.Detail)
		}
	}
	// Amounts are exact decimal strings of the provider's fen.
	if p := rep.Results[4].Provider; p == nil || p.Amount != "19.99" || p.Status != "PAID" || p.RawStatus != "PAID" {
		t.Errorf("amount mismatch row's provider side: %+v", p)
	}
	if p := rep.Results[6].Provider; p == nil || p.Refunded != "50.00" || p.Status != "PARTIALLY_REFUNDED" {
		t.Errorf("refunded order's provider side: %+v", p)
	}

	// The CSV report has the same rows.
	f, err := os.Open(filepath.Join(dir, "r.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != len(upayLedger)+1 || rows[0][0] != "account" {
		t.Fatalf("csv: %d rows, %v", len(rows), err)
	}

	// The upay plugin served the queries from a process of its own, a child
	// of recon, and is gone now that recon exited.
	watch.mu.Lock()
	pids := watch.pids
	watch.mu.Unlock()
	if len(pids) == 0 {
		t.Fatal("no process served the upay plugin while the simulator was queried")
	}
	for _, pid := range pids {
		if pid == os.Getpid() {
			t.Fatal("the plugin ran inside the test process")
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			t.Errorf("plugin process %d outlived recon", pid)
		}
	}

	// The secret is nowhere recon wrote: store, reports, stdout, logs.
	for name, content := range map[string][]byte{"stdout": []byte(stdout), "stderr": []byte(stderr)} {
		if bytes.Contains(content, []byte(upaySecret)) {
			t.Errorf("the terminal key appears in %s", name)
		}
	}
	for _, f := range []string{"recon.db", "r.json", "r.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(upaySecret)) {
			t.Errorf("the terminal key appears in %s", f)
		}
	}
	if !strings.Contains(stderr, "level=DEBUG") {
		t.Errorf("--log-level debug logged nothing at debug:\n%s", stderr)
	}
}

func TestPluginFromPluginDir(t *testing.T) {
	dir := t.TempDir()
	pdir := filepath.Join(dir, "plugins")
	if out, err := exec.Command("go", "build", "-o", filepath.Join(pdir, "minimal"), "./testdata/minimalplugin").CombinedOutput(); err != nil {
		t.Fatalf("building the plugin: %v\n%s", err, out)
	}
	writeText(t, filepath.Join(dir, "minimal.lua"), `
recon.map_payment("minimal", function(a)
  if a.status == "OK" then return "PAID" end
end)`)
	writeText(t, filepath.Join(dir, "c.yaml"), `
plugin_dir: ./plugins
rules: [./minimal.lua]
accounts:
  shop-min:
    plugin: minimal
    endpoint: http://127.0.0.1:9
    currency: USD
`)
	writeText(t, filepath.Join(dir, "l.csv"), "account,order_no,amount,status\nshop-min,A1,1.00,PAID\nshop-min,nope,2.00,PENDING\n")
	stdout, stderr, code := runRecon(t, nil, "run", "--config", filepath.Join(dir, "c.yaml"),
		"--ledger", filepath.Join(dir, "l.csv"), "--report", filepath.Join(dir, "r.json"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	rep := readReport(t, filepath.Join(dir, "r.json"))
	got := []string{rep.Results[0].Verdict, rep.Results[1].Verdict}
	if got[0] != "MATCHED" || got[1] != "NOT_FOUND" {
		t.Fatalf("verdicts %v; want MATCHED, NOT_FOUND", got)
	}
	if p := rep.Results[0].Provider; p == nil || p.TradeNo != "M-A1" {
		t.Fatalf("provider side %+v; want the plugin's trade number", p)
	}

	stdout, stderr, code = runRecon(t, nil, "plugins", "--config", filepath.Join(dir, "c.yaml"))
	if code != 0 || !strings.Contains(stdout, "minimal") || !strings.Contains(stdout, "0.0.1") || !strings.Contains(stdout, "plugin_dir") {
		t.Fatalf("recon plugins: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestExitStatuses(t *testing.T) {
	dir := t.TempDir()
	writeText(t, filepath.Join(dir, "bad.yaml"), "accounts:\n  a:\n    plugin: upay\n    endpoint: http://x\n    retries: lots\n")
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no ledger", []string{"run", "--config", filepath.Join(dir, "bad.yaml")}, exitUsage, "needs --ledger"},
		{"unknown flag", []string{"run", "--bogus"}, exitUsage, "bogus"},
		{"bad config", []string{"run", "--config", filepath.Join(dir, "bad.yaml"), "--ledger", "x.csv"}, exitFailed, "bad.yaml:5"},
		{"missing config", []string{"run", "--config", filepath.Join(dir, "none.yaml"), "--ledger", "x.csv"}, exitFailed, "none.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runRecon(t, nil, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.msg) {
				t.Fatalf("exit %d, stderr %q; want %d mentioning %q", code, stderr, tt.code, tt.msg)
			}
		})
	}
}

func TestDemo(t *testing.T) {
	start := time.Now()
	stdout, stderr, code := runRecon(t, nil, "demo", "--orders", "120", "--seed", "7")
	if code != 0 || !strings.Contains(stdout, "demo OK") {
		t.Fatalf("demo: exit %d (%s)\nstdout:\n%s\nstderr:\n%s", code, time.Since(start), stdout, stderr)
	}
	// Its files are in a folder gone when it exits: it says so.
	if !strings.Contains(stdout, "(removed on exit; --dir DIR keeps them)") {
		t.Errorf("demo does not say its folder is removed:\n%s", stdout)
	}
	// Not silent while it runs: progress per account, as a night's (the
	// last figures at least, written when the rows are done).
	if !regexp.MustCompile(`msg=progress .*account=demo-upay done=\d+ total=\d+ percent=`).MatchString(stderr) {
		t.Errorf("demo shows no progress:\n%s", stderr)
	}
}
