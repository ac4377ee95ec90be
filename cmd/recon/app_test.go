package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The global flags are global wherever they are written: before the
// command, after it, or before a subcommand; written after, they win.
// Until recon gave each command its own copy, a flag written before the
// command was silently dropped (`recon --store X runs` read ./recon.db).
func TestGlobalFlagsAnywhere(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, bytes.Repeat([]byte("not bbolt "), 2000), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	missing := filepath.Join(dir, "missing.yaml")
	tests := []struct {
		args []string
		want int
		says string // on stderr
	}{
		{[]string{"--store", a, "runs"}, exitFailed, a},
		{[]string{"runs", "--store", a}, exitFailed, a},
		{[]string{"--store", a, "runs", "--store", b}, exitFailed, b},
		{[]string{"--store", a, "show", "A1"}, exitFailed, a},
		{[]string{"--config", missing, "run", "--ledger", "x.csv"}, exitFailed, "missing.yaml"},
		{[]string{"--config", missing, "rules", "check"}, exitFailed, "missing.yaml"},
		{[]string{"rules", "--config", missing, "check"}, exitFailed, "missing.yaml"},
		{[]string{"--log-level", "loud", "demo", "--orders", "1"}, exitUsage, `--log-level "loud"`},
		// Taken where unused, and said to be ignored: rules check reads no store.
		{[]string{"rules", "check", "--config", missing, "--store", a}, exitFailed, `ignored" flag=--store command="recon rules check"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := Main(context.Background(), append([]string{"recon"}, tt.args...), &stdout, &stderr)
			if got != tt.want || !strings.Contains(stderr.String(), tt.says) {
				t.Fatalf("exit %d, stderr %q; want %d saying %q", got, stderr.String(), tt.want, tt.says)
			}
		})
	}
}

// An empty ledger is what a failed export looks like: exit 1 unless the
// night says it expects one (the contract's --allow-empty).
func TestEmptyLedger(t *testing.T) {
	dir := t.TempDir()
	cfg, ledger := filepath.Join(dir, "c.yaml"), filepath.Join(dir, "l.csv")
	writeText(t, cfg, "accounts:\n  a:\n    plugin: upay\n    endpoint: http://127.0.0.1:9\n"+
		"    credentials: {terminal_sn: \"1001\", terminal_key: k-1234}\n")
	writeText(t, ledger, "account,order_no,amount,status\n")
	if _, stderr, code := runRecon(t, nil, "run", "--config", cfg, "--ledger", ledger); code != exitFailed || !strings.Contains(stderr, "--allow-empty") {
		t.Errorf("empty ledger: exit %d, stderr %q; want %d naming --allow-empty", code, stderr, exitFailed)
	}
	if _, stderr, code := runRecon(t, nil, "run", "--config", cfg, "--ledger", ledger, "--allow-empty"); code != exitOK {
		t.Errorf("empty ledger with --allow-empty: exit %d; want %d\n%s", code, exitOK, stderr)
	}
}

// TestDemoOrdersBounded (operator review): demo and sandbox plant every
// order in the simulators' memory, and planting does not stop for a signal:
// `demo --orders 3000000` ran on past SIGINT at 5 GB. --orders is bounded,
// a usage error naming the bound, before anything is planted.
func TestDemoOrdersBounded(t *testing.T) {
	for _, args := range [][]string{{"demo", "--orders", "3000000"}, {"sandbox", "--orders", "100001"}, {"demo", "--orders", "0"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := Main(context.Background(), append([]string{"recon"}, args...), &stdout, &stderr); got != exitUsage ||
				!strings.Contains(stderr.String(), "between 1 and 100000") {
				t.Fatalf("exit %d, stderr %q; want 2 naming the bound", got, stderr.String())
			}
		})
	}
}
