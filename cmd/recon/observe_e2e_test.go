package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/reconhq/recon/engine/metrics/metricstest"
)

// webhook is a real loopback webhook that keeps every payload and
// answers with status, so that a refusing hook is tried too.
type webhook struct {
	*httptest.Server
	mu       sync.Mutex
	payloads []map[string]any
}

func newWebhook(t *testing.T, status int) *webhook {
	h := &webhook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var p map[string]any
		if err := json.Unmarshal(b, &p); err != nil {
			t.Errorf("the webhook got no JSON: %v\n%s", err, b)
		}
		h.mu.Lock()
		h.payloads = append(h.payloads, p)
		h.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *webhook) got() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.payloads...)
}

// TestRunMetricsAndAlerts runs two nights through the built binary: one
// with findings, pushed to a real Pushgateway, written as a textfile and
// posted to a webhook that refuses it; then an outage, which moves the
// exit status and leaves the last success where the first night put it.
func TestRunMetricsAndAlerts(t *testing.T) {
	gw := metricstest.StartPushgateway(t)
	hook := newWebhook(t, http.StatusInternalServerError)
	srv, _ := upayServer(t)
	dir := t.TempDir()
	config, ledger, prom := filepath.Join(dir, "c.yaml"), filepath.Join(dir, "l.csv"), filepath.Join(dir, "recon.prom")
	writeText(t, config, upayConfig(srv.URL)+"notify:\n  url: "+hook.URL+"/hooks/T0\n  on: findings\n")
	writeText(t, ledger, upayLedgerCSV())
	writeText(t, filepath.Join(dir, "merchant.lua"), "-- none\n")
	env := []string{"E2E_UPAY_KEY=" + upaySecret}

	report := filepath.Join(dir, "night.json")
	stdout, stderr, code := runRecon(t, env, "run", "--config", config, "--ledger", ledger, "--report", report,
		"--pushgateway", gw, "--metrics-file", prom)
	if code != exitDiscrepancies {
		t.Fatalf("the night: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "notification not sent") || !strings.Contains(stderr, "HTTP 500") {
		t.Errorf("a refusing webhook is not a warning in the log:\n%s", stderr)
	}
	night := readReport(t, report)
	findings := 0
	for _, r := range night.Results {
		if r.Severity == "warn" || r.Severity == "critical" {
			findings++
		}
	}

	group := map[string]string{"job": "recon", "accounts": "shop-upay"}
	with := func(k, v string) map[string]string { return map[string]string{"accounts": "shop-upay", k: v} }
	fams := metricstest.Scrape(t, gw)
	last, found := metricstest.Value(fams, "recon_last_success_timestamp_seconds", group)
	if !found || last <= 0 {
		t.Fatalf("no last success after a completed night")
	}
	for verdict, n := range night.Totals {
		if v, _ := metricstest.Value(fams, "recon_run_results", with("verdict", verdict)); v != float64(n) {
			t.Errorf("recon_run_results{verdict=%q} = %v; the report says %d", verdict, v, n)
		}
	}
	for name, want := range map[string]float64{"recon_run_exit_status": 3, "recon_run_findings": float64(findings),
		"recon_run_completed": 1} {
		if v, _ := metricstest.Value(fams, name, group); v != want {
			t.Errorf("%s = %v; want %v", name, v, want)
		}
	}
	if v, found := metricstest.Value(fams, "recon_account_queries", with("account", "shop-upay")); !found || v == 0 {
		t.Errorf("recon_account_queries{account=shop-upay} = %v (found %v); want the night's queries", v, found)
	}
	if text, err := os.ReadFile(prom); err != nil || !strings.Contains(string(text), `recon_run_exit_status{accounts="shop-upay"} 3`) {
		t.Errorf("the textfile: %v\n%s", err, text)
	}
	got := hook.got()
	if len(got) != 1 {
		t.Fatalf("the webhook got %d posts; want 1", len(got))
	}
	if p := got[0]; p["findings"] != float64(findings) || p["exit_status"] != 3.0 || p["report"] != report ||
		!strings.Contains(p["text"].(string), "at or above warn (exit 3)") {
		t.Errorf("payload %v", p)
	}

	// The outage: the provider is gone, every query fails.
	srv.Close()
	stdout, stderr, code = runRecon(t, append(env, "RECON_PUSHGATEWAY="+gw, "RECON_METRICS_FILE="+prom),
		"run", "--config", config, "--ledger", ledger, "--full")
	if code != exitFailed {
		t.Fatalf("the outage: exit %d; want 1\n%s\n%s", code, stdout, stderr)
	}
	fams = metricstest.Scrape(t, gw)
	if v, _ := metricstest.Value(fams, "recon_last_success_timestamp_seconds", group); v != last {
		t.Errorf("after the outage the last success is %v; want it untouched at %v", v, last)
	}
	for name, want := range map[string]float64{"recon_run_exit_status": 1, "recon_run_completed": 0} {
		if v, _ := metricstest.Value(fams, name, group); v != want {
			t.Errorf("after the outage %s = %v; want %v", name, v, want)
		}
	}
	if v, _ := metricstest.Value(fams, "recon_account_errors", with("account", "shop-upay")); v == 0 {
		t.Errorf("after the outage recon_account_errors{account=shop-upay} = 0; every query failed")
	}
	if text, _ := os.ReadFile(prom); !strings.Contains(string(text), "recon_last_success_timestamp_seconds") ||
		!strings.Contains(string(text), `recon_run_exit_status{accounts="shop-upay"} 1`) {
		t.Errorf("after the outage the textfile lost the last success or kept the old status:\n%s", text)
	}
	if got = hook.got(); len(got) != 2 || !strings.Contains(got[1]["text"].(string), "FAILED (exit 1") {
		t.Errorf("the outage's post: %v", got[len(got)-1])
	}
}

// A --metrics-file that cannot be written stops the run before its
// first query, as every output path does.
func TestMetricsFileCheckedFirst(t *testing.T) {
	srv, requests := upayServer(t)
	dir := t.TempDir()
	config, ledger := filepath.Join(dir, "c.yaml"), filepath.Join(dir, "l.csv")
	writeText(t, config, upayConfig(srv.URL))
	writeText(t, ledger, upayLedgerCSV())
	writeText(t, filepath.Join(dir, "merchant.lua"), "-- none\n")
	bad := filepath.Join(dir, "no-such-folder", "recon.prom")
	_, stderr, code := runRecon(t, []string{"E2E_UPAY_KEY=" + upaySecret}, "run", "--config", config, "--ledger", ledger,
		"--metrics-file", bad)
	if code != exitFailed || !strings.Contains(stderr, "--metrics-file "+bad) {
		t.Errorf("exit %d; want 1 naming the file:\n%s", code, stderr)
	}
	if *requests != 0 {
		t.Errorf("%d queries before the bad path was noticed", *requests)
	}
	_, stderr, code = runRecon(t, []string{"E2E_UPAY_KEY=" + upaySecret}, "run", "--config", config, "--ledger", ledger, "--pushgateway", "pgw:9091")
	if code != exitUsage || !strings.Contains(stderr, "--pushgateway is not an http(s) URL") {
		t.Errorf("a bad --pushgateway: exit %d\n%s", code, stderr)
	}
}
