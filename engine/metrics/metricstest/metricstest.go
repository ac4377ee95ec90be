// Package metricstest runs a real Prometheus Pushgateway for tests and
// reads back what it holds.
package metricstest

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// pushgatewayBin is where Debian's prometheus-pushgateway installs it
// (.ci/run installs the package).
const pushgatewayBin = "/usr/bin/prometheus-pushgateway"

// StartPushgateway runs a real Pushgateway on a free loopback port with
// its storage in a temporary folder, and returns its URL. Without the
// binary the test is skipped on a developer's machine and fails in CI,
// where .ci/run must have installed it.
func StartPushgateway(t *testing.T) string {
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

// Scrape reads the Pushgateway's own /metrics, as Prometheus would.
func Scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// Value is the value of name's series with the labels given (others may
// be there too), and whether there is one.
func Value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
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
		if g := m.GetGauge(); g != nil {
			return g.GetValue(), true
		}
		return m.GetUntyped().GetValue(), true
	}
	return 0, false
}
