package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon/engine"
)

// TestOutputThatIsAnInputIsRefused (review, defect 1): an output flag that
// names the ledger, the config, the store, a statement or another output
// is a usage error before anything is opened, and the file is left whole.
func TestOutputThatIsAnInputIsRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	writeText(t, cfg, upayConfig("http://127.0.0.1:1"))
	ledger := filepath.Join(dir, "l.csv")
	writeText(t, ledger, upayLedgerCSV())
	writeText(t, filepath.Join(dir, "merchant.lua"), "")
	stmt := filepath.Join(dir, "upay.csv")
	writeText(t, stmt, "statement\n")
	db := filepath.Join(dir, "recon.db")
	writeText(t, db, "") // an empty file is a new store
	if err := os.Symlink(ledger, filepath.Join(dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	run := []string{"run", "--config", cfg, "--ledger", ledger, "--statement", "shop-upay=" + stmt}
	for _, tt := range []struct {
		name      string
		args      []string
		flag, was string // the message names both
	}{
		{"run --csv the ledger", append(run, "--csv", ledger), "--csv", "--ledger"},
		{"run --csv the ledger through a link", append(run, "--csv", filepath.Join(dir, "link.csv")), "--csv", "--ledger"},
		{"run --report the config", append(run, "--report", cfg), "--report", "--config"},
		{"run --report the store", append(run, "--report", db), "--report", "--store"},
		{"run --csv a statement", append(run, "--csv", stmt), "--csv", "--statement"},
		{"run --report a rule file of the config", append(run, "--report", filepath.Join(dir, "merchant.lua")), "--report", "rules:"},
		{"replay --csv a --rules file", []string{"replay", "--config", cfg, "--run", "latest", "--rules", stmt, "--csv", stmt},
			"--csv", "--rules"},
		{"run --metrics-file the config", append(run, "--metrics-file", cfg), "--metrics-file", "--config"},
		{"run --report and --csv one file", append(run, "--report", filepath.Join(dir, "same.out"), "--csv",
			filepath.Join(dir, "same.out")), "--csv", "--report"},
		{"replay --report the config", []string{"replay", "--config", cfg, "--run", "latest", "--report", cfg}, "--report", "--config"},
		{"report --out the store", []string{"report", "--store", db, "--run", "latest", "--out", db}, "--out", "--store"},
		{"merge --html the config", []string{"merge", "--shards", "1", "--from", dir, "--config", cfg, "--html", cfg}, "--html", "--config"},
		{"merge --report and --csv one file", []string{"merge", "--shards", "1", "--from", dir, "--report",
			filepath.Join(dir, "m.out"), "--csv", filepath.Join(dir, "m.out")}, "--csv", "--report"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantRefused(t, tt.args, tt.flag, tt.was, cfg, ledger, stmt, db)
			if _, err := os.Stat(filepath.Join(dir, "same.out")); err == nil {
				t.Errorf("same.out was written")
			}
		})
	}
}

// TestOutputThatIsAFileOfTheConfigIsRefused: an output that names a file
// the config has recon read, a credential's X_file (a private key) or the
// night's statement: file, is refused as the config itself is, and the
// file is left whole.
func TestOutputThatIsAFileOfTheConfigIsRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	conf := strings.Replace(upayConfig("http://127.0.0.1:1"), "terminal_key: ${E2E_UPAY_KEY}", "terminal_key_file: ./keys/upay.key", 1) +
		"    statement: ./bills/upay-{date}.csv\n"
	writeText(t, cfg, conf)
	ledger := filepath.Join(dir, "l.csv")
	writeText(t, ledger, upayLedgerCSV())
	writeText(t, filepath.Join(dir, "merchant.lua"), "")
	key := filepath.Join(dir, "keys", "upay.key")
	stmt := filepath.Join(dir, "bills", "upay-2026-11-30.csv")
	for _, p := range []string{key, stmt} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeText(t, key, upaySecret+"\n")
	writeText(t, stmt, "statement\n")
	// check has no --statement-date: it checks what run would read
	// tonight, yesterday's statement in the account's zone.
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	yesterday := filepath.Join(dir, "bills", "upay-"+engine.StatementDay(time.Time{}, shanghai).Format(time.DateOnly)+".csv")
	writeText(t, yesterday, "statement\n")
	run := []string{"run", "--config", cfg, "--ledger", ledger, "--statement-date", "2026-11-30"}
	for _, tt := range []struct {
		name      string
		args      []string
		flag, was string
	}{
		{"run --report a credential's file", append(run, "--report", key), "--report", "credentials.terminal_key_file:"},
		{"check --csv a credential's file", []string{"check", "--config", cfg, "--csv", key}, "--csv", "credentials.terminal_key_file:"},
		{"run --csv the night's statement", append(run, "--csv", stmt), "--csv", "shop-upay.statement:"},
		{"check --report tonight's statement", []string{"check", "--config", cfg, "--report", yesterday}, "--report", "shop-upay.statement:"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantRefused(t, tt.args, tt.flag, tt.was, cfg, ledger, key, stmt, yesterday) })
	}
}

// wantRefused runs recon with args and wants a usage error naming flag and
// was, with files unchanged.
func wantRefused(t *testing.T, args []string, flag, was string, files ...string) {
	t.Helper()
	before := map[string]string{}
	for _, p := range files {
		b, _ := os.ReadFile(p)
		before[p] = string(b)
	}
	stdout, stderr, code := runRecon(t, []string{"E2E_UPAY_KEY=" + upaySecret}, args...)
	if code != exitUsage || !strings.Contains(stderr, flag+" ") || !strings.Contains(stderr, was+" ") {
		t.Fatalf("exit %d, want 2 naming %s and %s\nstdout:\n%s\nstderr:\n%s", code, flag, was, stdout, stderr)
	}
	for p, was := range before {
		if b, _ := os.ReadFile(p); string(b) != was {
			t.Errorf("%s was changed", p)
		}
	}
}
