package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/reconhq/recon/plugins/builtin"
)

// Recognisable credentials: the simulators are loaded with them, recon gets
// them from the environment and from files, and none may come back in
// anything recon writes.
const (
	secretUpayKey      = "S3CRET-upay-terminal-key-a71f"
	secretUpayWrongKey = "S3CRET-upay-WRONG-key-c40d" // an account whose key the simulator does not know
	secretPayproKey    = "S3CRET-paypro-secret-9b2e"
	secretVborderKey   = "S3CRET-vborder-sign-key-5d83"
)

// secretsScenario gives every simulator the secrets above and, per provider,
// an order that answers, one that fails (HTTP 503 forever) and, where the
// provider signs its answers, ones whose answers are tampered with or signed
// by another key.
const secretsScenario = `
upay:
  terminals:
    - terminal_sn: "100111220054361978"
      terminal_key: "` + secretUpayKey + `"
  orders:
    - {client_sn: U-PAID, total_amount: 1234, order_status: PAID, finish_time: 2026-11-21T23:10:04+08:00}
    - {client_sn: U-5XX, total_amount: 500, order_status: PAID, finish_time: 2026-11-21T23:10:04+08:00, faults: {http_5xx: -1}}
paypro:
  merchant_no: "6010000001"
  secret: "` + secretPayproKey + `"
  orders:
    - {trade_no: P-PAID, platform_trade_no: pp7zr8om5hzc, amount: "50000.00", status: "0000", success_time: "2026-11-21 9:30:13"}
    - {trade_no: P-5XX, amount: "100.00", status: "0000", faults: {http_5xx: -1}}
vborder:
  account:
    customer_no: "202112090603"
    sign_key: "` + secretVborderKey + `"
    sign_responses: true
  orders:
    - {orderNo: V-PAID, goodName: 月卡, platformSeq: S1800000000000000003, orderAmount: 1234, payType: WECHAT_JSAPI, payTime: "2026-11-21 23:10:04", payStatus: SUCCESS}
    - {orderNo: V-TAMPER, goodName: 月卡, platformSeq: S1800000000000000004, orderAmount: 1234, payType: WECHAT_JSAPI, payTime: "2026-11-21 23:10:04", payStatus: SUCCESS, faults: {tamper: -1}}
    - {orderNo: V-BADSIGN, goodName: 月卡, platformSeq: S1800000000000000005, orderAmount: 1234, payType: WECHAT_JSAPI, payTime: "2026-11-21 23:10:04", payStatus: SUCCESS, faults: {badsign: -1}}
    - {orderNo: V-5XX, goodName: 月卡, platformSeq: S1800000000000000006, orderAmount: 1234, payType: WECHAT_JSAPI, payTime: "2026-11-21 23:10:04", payStatus: SUCCESS, faults: {http_5xx: -1}}
edgeros:
  trades:
    - {mch_trade_no: E-PAID, code: SUCCESS, amount_total: "12.34", success_time: "2026-11-21T10:00:00+08:00"}
    - {mch_trade_no: E-TAMPER, code: SUCCESS, amount_total: "12.34", success_time: "2026-11-21T10:00:00+08:00"}
    - {mch_trade_no: E-BADSIGN, code: SUCCESS, amount_total: "12.34", success_time: "2026-11-21T10:00:00+08:00"}
    - {mch_trade_no: E-5XX, code: SUCCESS, amount_total: "12.34", success_time: "2026-11-21T10:00:00+08:00"}
  scripted:
    - {key: E-TAMPER, fault: tamper, times: -1}
    - {key: E-BADSIGN, fault: badsign, times: -1}
    - {key: E-5XX, fault: http_5xx, times: -1}
`

// The ledger, with the verdict each row must get: answers, unknown orders,
// failures, a wrong credential and tampered answers.
var secretsLedger = []struct{ account, order, amount, verdict string }{
	{"shop-upay", "U-PAID", "12.34", "MATCHED"},
	{"shop-upay", "U-GHOST", "1.00", "NOT_FOUND"},
	{"shop-upay", "U-5XX", "5.00", "ERROR"},
	{"shop-upay-wrong", "U-PAID", "12.34", "ERROR"},
	{"shop-paypro", "P-PAID", "50000.00", "MATCHED"},
	{"shop-paypro", "P-GHOST", "1.00", "NOT_FOUND"},
	{"shop-paypro", "P-5XX", "100.00", "ERROR"},
	{"shop-vborder", "V-PAID", "12.34", "MATCHED"},
	{"shop-vborder", "V-GHOST", "1.00", "NOT_FOUND"},
	{"shop-vborder", "V-TAMPER", "12.34", "UNVERIFIABLE"},
	{"shop-vborder", "V-BADSIGN", "12.34", "UNVERIFIABLE"},
	{"shop-vborder", "V-5XX", "12.34", "ERROR"},
	{"shop-edgeros", "E-PAID", "12.34", "MATCHED"},
	{"shop-edgeros", "E-GHOST", "1.00", "NOT_FOUND"},
	{"shop-edgeros", "E-TAMPER", "12.34", "UNVERIFIABLE"},
	{"shop-edgeros", "E-BADSIGN", "12.34", "UNVERIFIABLE"},
	{"shop-edgeros", "E-5XX", "12.34", "ERROR"},
}

// TestSecretsStayOut runs recon against every built-in provider's simulator
// with credentials from the environment and from files, debug JSON logs and
// error paths on every account, then looks for each secret in everything
// recon wrote: stdout, stderr (its own log and its plugins'), both reports
// and the raw store file. The store must be private to its owner.
func TestSecretsStayOut(t *testing.T) {
	sb, err := builtin.StartSandbox("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if err := sb.LoadScenario([]byte(secretsScenario)); err != nil {
		t.Fatal(err)
	}
	vb := sb.Sims["vborder"].Account().Credentials
	eg := sb.Sims["edgeros"].Account().Credentials

	dir := t.TempDir()
	mine := map[string]bool{} // files the test wrote; everything else is recon's
	write := func(name, content string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		writeText(t, path, content)
		mine[path] = true
	}
	// From files: the wrong upay key, PayPro's secret, vborder's keys, the
	// edgeros platform key. From the environment: the rest, an RSA
	// private key in PEM among them.
	write("keys/upay-wrong.key", secretUpayWrongKey+"\n")
	write("keys/paypro.secret", secretPayproKey+"\n")
	write("keys/vborder-merchant.pem", vb["merchant_private_key"])
	write("keys/vborder-platform.pem", vb["platform_public_key"])
	write("keys/edgeros-platform.pem", eg["platform_public_key"])
	env := []string{
		"E2E_UPAY_KEY=" + secretUpayKey,
		"E2E_VBORDER_SIGN_KEY=" + secretVborderKey,
		"E2E_EDGEROS_KEY=" + eg["merchant_private_key"],
	}
	account := func(name, plugin string, creds ...string) string {
		a := sb.Sims[plugin].Account()
		s := "  " + name + ":\n    plugin: " + plugin + "\n    endpoint: " + sb.BaseURL(plugin) +
			"\n    currency: " + a.Currency + "\n    timezone: " + a.Timezone +
			"\n    retries: 1\n    backoff: 10ms\n    timeout: 5s\n    credentials:\n"
		for i := 0; i+1 < len(creds); i += 2 {
			s += "      " + creds[i] + ": " + creds[i+1] + "\n"
		}
		return s
	}
	write("c.yaml", "store: ./recon.db\nfail_on: warn\naccounts:\n"+
		account("shop-upay", "upay", "terminal_sn", `"100111220054361978"`, "terminal_key", "${E2E_UPAY_KEY}")+
		account("shop-upay-wrong", "upay", "terminal_sn", `"100111220054361978"`, "terminal_key_file", "keys/upay-wrong.key")+
		account("shop-paypro", "paypro", "merchant_no", `"6010000001"`, "secret_file", "keys/paypro.secret")+
		account("shop-vborder", "vborder", "customer_no", `"202112090603"`, "sign_key", "${E2E_VBORDER_SIGN_KEY}",
			"merchant_private_key_file", "keys/vborder-merchant.pem", "platform_public_key_file", "keys/vborder-platform.pem",
			"response_key", vb["response_key"])+
		account("shop-edgeros", "edgeros", "mch_no", eg["mch_no"], "app_no", eg["app_no"],
			"merchant_private_key", "${E2E_EDGEROS_KEY}", "platform_public_key_file", "keys/edgeros-platform.pem"))
	var ledger strings.Builder
	ledger.WriteString("account,order_no,amount,status\n")
	for _, r := range secretsLedger {
		ledger.WriteString(r.account + "," + r.order + "," + r.amount + ",PAID\n")
	}
	write("l.csv", ledger.String())

	// What to look for: each secret whole and, for the private keys, every
	// line of their base64 body (a key logged in pieces, or re-wrapped, is
	// still caught line by line).
	secrets := map[string]string{
		"upay terminal_key": secretUpayKey, "upay wrong terminal_key": secretUpayWrongKey,
		"paypro secret": secretPayproKey, "vborder sign_key": secretVborderKey,
	}
	for name, pem := range map[string]string{"vborder merchant_private_key": vb["merchant_private_key"],
		"edgeros merchant_private_key": eg["merchant_private_key"]} {
		lines := pemBody(pem)
		if len(lines) < 5 {
			t.Fatalf("%s: %d base64 lines; not a private key PEM?", name, len(lines))
		}
		for i, l := range lines {
			secrets[name+" line "+strconv.Itoa(i+1)] = l
		}
	}
	// The needles are real: each is in what the test handed recon.
	var given strings.Builder
	given.WriteString(strings.Join(env, "\n"))
	for path := range mine {
		b, _ := os.ReadFile(path)
		given.Write(b)
	}
	for name, s := range secrets {
		if !strings.Contains(given.String(), s) {
			t.Fatalf("%s is not among the credentials given to recon", name)
		}
	}

	stdout, stderr, code := runRecon(t, env, "run", "--config", filepath.Join(dir, "c.yaml"),
		"--ledger", filepath.Join(dir, "l.csv"), "--report", filepath.Join(dir, "r.json"), "--csv", filepath.Join(dir, "r.csv"),
		"--log-level", "debug", "--log-format", "json", "--no-progress")
	if code != exitDiscrepancies {
		t.Fatalf("exit %d; want %d\nstdout:\n%s\nstderr:\n%s", code, exitDiscrepancies, stdout, stderr)
	}

	// Every path ran: answers (credentials read right), unknown orders,
	// failures, the wrong key, tampered and badly signed answers.
	rep := readReport(t, filepath.Join(dir, "r.json"))
	if len(rep.Results) != len(secretsLedger) {
		t.Fatalf("%d results; want %d", len(rep.Results), len(secretsLedger))
	}
	for i, r := range rep.Results {
		want := secretsLedger[i]
		if r.OrderNo != want.order || r.Verdict != want.verdict {
			t.Errorf("line %d %s %s: verdict %s; want %s (%s)", r.Line, want.account, r.OrderNo, r.Verdict, want.verdict, r.Detail)
		}
	}
	if d := rep.Results[3].Detail; !strings.Contains(d, "ILLEGAL_SIGN") {
		t.Errorf("the wrong key's row says %q; want upay's ILLEGAL_SIGN", d)
	}
	// The logs are JSON, at debug level.
	debug := 0
	sc := bufio.NewScanner(strings.NewReader(stderr))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Errorf("a log line is not JSON: %q", sc.Text())
			continue
		}
		if line["level"] == "DEBUG" {
			debug++
		}
	}
	if debug == 0 {
		t.Errorf("--log-level debug logged nothing at debug:\n%s", stderr)
	}

	// Everything recon wrote.
	outputs := map[string][]byte{"stdout": []byte(stdout), "stderr": []byte(stderr)}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || mine[path] {
			return err
		}
		b, err := os.ReadFile(path)
		outputs[strings.TrimPrefix(path, dir+string(filepath.Separator))] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"recon.db", "r.json", "r.csv"} {
		if len(outputs[f]) == 0 {
			t.Fatalf("recon wrote no %s (it wrote %v)", f, fileNames(outputs))
		}
	}
	for where, content := range outputs {
		for name, s := range secrets {
			if bytes.Contains(content, []byte(s)) {
				t.Errorf("the %s appears in %s", name, where)
			}
		}
	}

	st, err := os.Stat(filepath.Join(dir, "recon.db"))
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Errorf("the store has mode %#o; want 0600", perm)
	}
}

// pemBody returns the base64 lines of a PEM block.
func pemBody(pem string) []string {
	var out []string
	for _, l := range strings.Split(pem, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return out
}

func fileNames(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestReadersWithAKeyFileMoved (review, defect 9): the commands that start
// no plugin read a config whose credential file cannot be read, as they do
// one whose ${VAR} is not set; run, which starts plugins, still refuses it.
func TestReadersWithAKeyFileMoved(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	writeText(t, cfg, "store: ./recon.db\naccounts:\n  shop-upay:\n    plugin: upay\n    endpoint: http://127.0.0.1:1\n"+
		"    credentials:\n      terminal_sn: \"100111220054361978\"\n      terminal_key_file: keys/moved.pem\n")
	storedRuns(t, filepath.Join(dir, "recon.db"), "r1")
	for _, args := range [][]string{
		{"runs"}, {"report", "--run", "r1"}, {"rules", "check"}, {"diff", "r1", "r1"}, {"show", "O2"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, stderr, code := runRecon(t, nil, append(args, "--config", cfg)...)
			if code != exitOK || strings.Contains(stderr, "cannot read") {
				t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
		})
	}
	stdout, stderr, code := runRecon(t, nil, "run", "--config", cfg, "--ledger", filepath.Join(dir, "l.csv"))
	if code != exitFailed || !strings.Contains(stderr, "cannot read "+filepath.Join(dir, "keys", "moved.pem")) {
		t.Fatalf("run: exit %d, want 1 for the key file\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
