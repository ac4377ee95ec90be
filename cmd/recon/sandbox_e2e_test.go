package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reconhq/recon/engine/statement"
	"github.com/reconhq/recon/plugins/simkit"
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

// TestSandboxStatements: --statement-dir writes each provider's statement
// of every day it billed something, in the "recon" format the engine
// reads; the plant day's statement of each provider holds the sample
// ledger's paid orders and at least two the ledger lacks.
func TestSandboxStatements(t *testing.T) {
	dir := t.TempDir()
	sdir := filepath.Join(dir, "statements")
	printed := startSandbox(t, dir, "--orders", "20", "--statement-dir", sdir)
	entries, err := os.ReadDir(sdir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("statement dir: %d files, %v", len(entries), err)
	}
	if last := filepath.Join(sdir, entries[len(entries)-1].Name()); printed["statement"] != last {
		t.Errorf("sandbox printed statement %q last; want %q", printed["statement"], last)
	}
	ledger := map[string]bool{}
	b, err := os.ReadFile(printed["ledger"])
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		if f := strings.Split(line, ","); len(f) > 2 {
			ledger[f[1]] = true
		}
	}
	files := map[string]bool{}
	for _, e := range entries {
		files[e.Name()] = true
	}
	m, _ := statement.Preset("recon")
	for _, c := range []struct{ provider, zone string }{
		{"upay", "Asia/Shanghai"}, {"vborder", "Asia/Shanghai"}, {"edgeros", "Asia/Shanghai"}, {"paypro", "Asia/Jakarta"},
	} {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		// The sandbox planted "yesterday" when it started; around midnight
		// that may be the day before this test's yesterday.
		name := ""
		for _, now := range []time.Time{time.Now(), time.Now().Add(-time.Hour)} {
			if n := c.provider + "-" + simkit.PlantDay(now, loc).Format(time.DateOnly) + ".csv"; files[n] {
				name = n
				break
			}
		}
		if name == "" {
			t.Errorf("%s: no statement of the plant day among %v", c.provider, files)
			continue
		}
		r, err := statement.Open(filepath.Join(sdir, name), m)
		if err != nil {
			t.Fatal(err)
		}
		rows, missing := 0, 0
		for {
			row, bad, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil || bad != nil {
				t.Fatalf("%s: %v %v", name, err, bad)
			}
			rows++
			if !ledger[row.OrderNo] {
				missing++
			}
		}
		r.Close()
		if rows < 10 || missing < 2 {
			t.Errorf("%s: %d rows, %d of orders the ledger lacks; want a day's bill with at least 2 of those", name, rows, missing)
		}
	}
}
