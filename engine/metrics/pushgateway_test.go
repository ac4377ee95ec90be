package metrics

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// pushgatewayBin is where Debian's prometheus-pushgateway installs it
// (.ci/run installs the package).
const pushgatewayBin = "/usr/bin/prometheus-pushgateway"

// startPushgateway runs a real Pushgateway on a free loopback port with
// its storage in a temporary folder, and returns its URL. Without the
// binary the test is skipped on a developer's machine and fails in CI,
// where .ci/run must have installed it.
func startPushgateway(t *testing.T) string {
	t.Helper()
	bin := pushgatewayBin
	if p := os.Getenv("RECON_PUSHGATEWAY_BIN"); p != "" {
		bin = p
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s: %v (.ci/run installs prometheus-pushgateway)", bin, err)
		}
		t.Skipf("%s: %v (apt-get install prometheus-pushgateway)", bin, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin, "--web.listen-address="+addr, "--persistence.file="+filepath.Join(dir, "metrics"),
		"--log.level=warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	url := "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if i == 100 {
			t.Fatalf("the pushgateway at %s is not ready after 10 s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// scrape reads the Pushgateway's own /metrics, as Prometheus would.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	fams, err := parseText(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// value is the value of name's series with the labels given (others may
// be there too), and whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	fam := fams[name]
	if fam == nil {
		return 0, false
	}
next:
	for _, m := range fam.GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		return gaugeValue(m), true
	}
	return 0, false
}

func TestPushToPushgateway(t *testing.T) {
	url := startPushgateway(t)
	ctx := context.Background()
	grouping := Grouping([]string{"shop-upay", "shop-paypro"})
	group := map[string]string{"job": Job, "accounts": "shop-paypro,shop-upay"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for gk, gv := range group {
			m[gk] = gv
		}
		return m
	}

	ok := completed()
	if err := Push(ctx, url, ok, grouping, nil); err != nil {
		t.Fatal(err)
	}
	fams := scrape(t, url)
	wantLast := float64(ok.FinishedAt.Unix())
	if v, found := value(fams, LastSuccess, group); !found || v != wantLast {
		t.Fatalf("%s = %v (found %v); want %v", LastSuccess, v, found, wantLast)
	}
	for verdict, want := range map[string]float64{"MATCHED": 40, "MISSED_PAYMENT": 2, "AMOUNT_MISMATCH": 1, "NOT_FOUND": 0} {
		if v, found := value(fams, "recon_run_results", with("verdict", verdict)); !found || v != want {
			t.Errorf("recon_run_results{verdict=%q} = %v (found %v); want %v", verdict, v, found, want)
		}
	}
	for name, want := range map[string]float64{"recon_run_exit_status": 3, "recon_run_findings": 3, "recon_run_completed": 1,
		"recon_run_duration_seconds": 95} {
		if v, found := value(fams, name, group); !found || v != want {
			t.Errorf("%s = %v (found %v); want %v", name, v, found, want)
		}
	}
	if v, _ := value(fams, "recon_run_results_by_severity", with("severity", "critical")); v != 1 {
		t.Errorf("critical results = %v; want 1", v)
	}
	if v, _ := value(fams, "recon_run_money_at_risk_minor_units", with("currency", "CNY")); v != 2468 {
		t.Errorf("money at risk = %v; want 2468", v)
	}
	if v, _ := value(fams, "recon_account_retries", with("account", "shop-upay")); v != 4 {
		t.Errorf("shop-upay retries = %v; want 4", v)
	}

	// A night that failed: its figures replace the last run's, and the
	// last success stays the completed run's.
	bad := failed(ok.FinishedAt.Add(24 * time.Hour))
	if err := Push(ctx, url, bad, grouping, nil); err != nil {
		t.Fatal(err)
	}
	fams = scrape(t, url)
	if v, found := value(fams, LastSuccess, group); !found || v != wantLast {
		t.Fatalf("after a failed run %s = %v (found %v); want it untouched at %v", LastSuccess, v, found, wantLast)
	}
	if v, _ := value(fams, "recon_run_exit_status", group); v != 1 {
		t.Errorf("exit status after the failed run = %v; want 1", v)
	}
	if v, _ := value(fams, "recon_run_completed", group); v != 0 {
		t.Errorf("completed after the failed run = %v; want 0", v)
	}
	if v, _ := value(fams, "recon_run_results", with("verdict", "MATCHED")); v != 0 {
		t.Errorf("MATCHED after the failed run = %v; want 0 (its own count)", v)
	}
	if v, found := value(fams, "recon_account_errors", with("account", "shop-upay")); !found || v != 30 {
		t.Errorf("shop-upay errors = %v; want 30", v)
	}

	// Another account set is another group, with its own last success.
	other := Grouping([]string{"shop-vborder"})
	if err := Push(ctx, url, failed(ok.FinishedAt), other, nil); err != nil {
		t.Fatal(err)
	}
	fams = scrape(t, url)
	if _, found := value(fams, LastSuccess, map[string]string{"accounts": "shop-vborder"}); found {
		t.Errorf("a group that never completed has a last success")
	}
	if v, _ := value(fams, LastSuccess, group); v != wantLast {
		t.Errorf("the first group's last success moved to %v", v)
	}
}

func TestPushErrorNamesHostOnly(t *testing.T) {
	url := startPushgateway(t)
	// A path the Pushgateway does not serve: the error must not quote it
	// (a gateway behind a proxy may carry a token in the path).
	err := Push(context.Background(), url+"/secret-token-path", completed(), Grouping([]string{"a"}), nil)
	if err == nil {
		t.Fatal("push to a wrong path: no error")
	}
	if msg := err.Error(); contains(msg, "secret-token-path") || !contains(msg, url) {
		t.Errorf("error %q: want the host, not the path", msg)
	}
}

func contains(s, sub string) bool { return stringsContains(s, sub) }
