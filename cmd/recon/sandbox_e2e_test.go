package main

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSandbox serves the simulators from a separate recon process, as a
// trial user would, and reconciles the sample ledger it writes against it.
func TestSandbox(t *testing.T) {
	dir := t.TempDir()
	sandbox := exec.Command(reconBin, "sandbox", "--listen", "127.0.0.1:0", "--out", dir, "--orders", "30")
	stdout, err := sandbox.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sandbox.Start(); err != nil {
		t.Fatal(err)
	}
	defer sandbox.Process.Kill()
	urls := map[string]string{}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "serving") {
		if f := strings.Fields(lines.Text()); len(f) == 2 {
			urls[f[0]] = f[1]
		}
	}
	for _, p := range []string{"upay", "vborder", "paypro", "edgeros"} {
		if !strings.HasPrefix(urls[p], "http://127.0.0.1:") || !strings.HasSuffix(urls[p], "/"+p) {
			t.Errorf("sandbox printed %q for %s; want its base URL", urls[p], p)
		}
	}
	if urls["config"] != filepath.Join(dir, "config.yaml") {
		t.Fatalf("sandbox printed config %q", urls["config"])
	}
	out, errOut, code := runRecon(t, nil, "run", "--config", urls["config"], "--ledger", urls["ledger"],
		"--report", filepath.Join(dir, "r.json"))
	if code != exitDiscrepancies {
		t.Fatalf("run against the sandbox: exit %d\n%s\n%s", code, out, errOut)
	}
	rep := readReport(t, filepath.Join(dir, "r.json"))
	if rep.Totals["MATCHED"] == 0 || rep.Totals["ERROR"] > 4 {
		t.Fatalf("totals %v: want matches, and ERROR only where planted", rep.Totals)
	}
	_ = sandbox.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- sandbox.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("sandbox on SIGINT: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not stop on SIGINT")
	}
}
