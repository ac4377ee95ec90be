package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon/engine/demo"
	"github.com/reconhq/recon/plugins/builtin"
	"github.com/reconhq/recon/store"
)

// TestStoreCommands runs the demo into a kept folder, then the commands an
// operator reads it with, and a second night on the same store.
func TestStoreCommands(t *testing.T) {
	dir := t.TempDir()
	sb, err := builtin.StartSandbox("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	plan, err := demo.Prepare(dir, sb, 3, 40)
	if err != nil {
		t.Fatal(err)
	}
	cfg := plan.ConfigPath
	stdout, stderr, code := runRecon(t, nil, "run", "--config", cfg, "--ledger", plan.LedgerPath)
	if code != exitDiscrepancies {
		t.Fatalf("first night: exit %d\n%s\n%s", code, stdout, stderr)
	}

	stdout, _, code = runRecon(t, nil, "runs", "--config", cfg)
	ids := regexp.MustCompile(`(?m)^(\d{8}-\d{4}-[0-9a-f]{4})\s+run\s+completed`).FindAllStringSubmatch(stdout, -1)
	if code != 0 || len(ids) != 1 {
		t.Fatalf("recon runs: exit %d, want one completed run:\n%s", code, stdout)
	}
	first := ids[0][1]

	for _, format := range []string{"json", "csv", "html", "text"} {
		out := filepath.Join(dir, "again."+format)
		if _, stderr, code := runRecon(t, nil, "report", "--config", cfg, "--run", first, "--format", format, "--out", out); code != 0 {
			t.Fatalf("report --format %s: exit %d: %s", format, code, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil || len(b) == 0 {
			t.Fatalf("report --format %s wrote nothing: %v", format, err)
		}
		if format == "json" && !json.Valid(b) {
			t.Fatalf("report --format json is not JSON")
		}
	}
	if _, stderr, code := runRecon(t, nil, "report", "--config", cfg, "--run", "nope"); code != exitFailed || !strings.Contains(stderr, `run "nope"`) {
		t.Fatalf("report of a missing run: exit %d, %s", code, stderr)
	}

	stdout, _, code = runRecon(t, nil, "show", "--config", cfg, "UP-000001")
	if code != 0 || !strings.Contains(stdout, first) || !strings.Contains(stdout, "demo-upay") {
		t.Fatalf("show: exit %d\n%s", code, stdout)
	}

	// A second night: same ledger, stored answers reused for what matched.
	_, stderr, code = runRecon(t, nil, "run", "--config", cfg, "--ledger", plan.LedgerPath,
		"--report", filepath.Join(dir, "night2.json"))
	if code != exitDiscrepancies {
		t.Fatalf("second night: exit %d\n%s", code, stderr)
	}
	night2 := readReport(t, filepath.Join(dir, "night2.json"))
	if night2.Stats.Reused == 0 || night2.Stats.Reused != night2.Totals["MATCHED"] {
		t.Fatalf("second night reused %d rows; want every MATCHED one (%d)", night2.Stats.Reused, night2.Totals["MATCHED"])
	}
	stdout, _, code = runRecon(t, nil, "diff", "--config", cfg, first, night2.RunID)
	if code != 0 || !strings.Contains(stdout, "0 verdicts changed, 0 severities changed, 0 actions changed; 0 rows only in") {
		t.Fatalf("diff: exit %d\n%s", code, stdout)
	}
	stdout, _, code = runRecon(t, nil, "show", "--config", cfg, "UP-000001", "--account", "demo-upay")
	if code != 0 || !strings.Contains(stdout, night2.RunID) {
		t.Fatalf("show after two nights: exit %d\n%s", code, stdout)
	}
}

func TestSecondRunFailsFastOnALockedStore(t *testing.T) {
	dir := t.TempDir()
	writeText(t, filepath.Join(dir, "c.yaml"), "accounts:\n  a:\n    plugin: upay\n    endpoint: http://127.0.0.1:9\n")
	writeText(t, filepath.Join(dir, "l.csv"), "account,order_no,amount,status\na,A1,1.00,PAID\n")
	db, err := store.Open(filepath.Join(dir, "recon.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, stderr, code := runRecon(t, nil, "run", "--config", filepath.Join(dir, "c.yaml"), "--ledger", filepath.Join(dir, "l.csv"))
	if code != exitFailed || !strings.Contains(stderr, "in use by another recon process") {
		t.Fatalf("exit %d, stderr %q; want 1 and the store named as in use", code, stderr)
	}
}

func TestPinnedPluginChanged(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "plugins", "minimal")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/minimalplugin").CombinedOutput(); err != nil {
		t.Fatalf("building the plugin: %v\n%s", err, out)
	}
	const pin = "0000000000000000000000000000000000000000000000000000000000000000"
	writeText(t, filepath.Join(dir, "c.yaml"), `
plugin_dir: ./plugins
plugins:
  minimal: "`+pin+`"
accounts:
  shop-min:
    plugin: minimal
    endpoint: http://127.0.0.1:9
`)
	writeText(t, filepath.Join(dir, "l.csv"), "account,order_no,amount,status\nshop-min,A1,1.00,PAID\n")
	_, stderr, code := runRecon(t, nil, "plugins", "--config", filepath.Join(dir, "c.yaml"))
	if code != exitFailed || !strings.Contains(stderr, "does not match its pinned sha256") {
		t.Fatalf("recon plugins with a changed binary: exit %d, %s", code, stderr)
	}
	_, stderr, code = runRecon(t, nil, "run", "--config", filepath.Join(dir, "c.yaml"), "--ledger", filepath.Join(dir, "l.csv"),
		"--report", filepath.Join(dir, "r.json"))
	// A pin that does not hold is a bad config: found before the night,
	// naming the pin's line, with no run and no report.
	if code != exitFailed || !strings.Contains(stderr, "c.yaml:4: plugins.minimal:") || !strings.Contains(stderr, "pinned") {
		t.Fatalf("run with a changed binary: exit %d; want 1 naming the pin\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a report was written for a run refused before its start: %v", err)
	}
}
