package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
)

// TestMain lets the test binary play the bench's child processes: the
// bench re-executes itself (os.Executable) in sims and plain mode.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && (os.Args[1] == "sims" || os.Args[1] == "plain") {
		if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
			os.Stderr.WriteString("recon-bench: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// reconBin builds recon once for the tests of this package.
func reconBin(t *testing.T) string {
	t.Helper()
	b, err := newBench(context.Background(), options{keep: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return b.bin
}

func runJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), append(args, "--json"), &out); err != nil {
		t.Fatalf("recon-bench %v: %v\n%s", args, err, out.String())
	}
	if err := json.Unmarshal(out.Bytes(), v); err != nil {
		t.Fatalf("recon-bench %v: output is not the report: %v\n%s", args, err, out.String())
	}
}

// The smoke test runs the modes small and checks that every answer came
// back and was counted, never how fast: timings on a shared machine are no
// test's business.
func TestCPUAndHOLModes(t *testing.T) {
	bin := reconBin(t)
	const orders = 200

	t.Run("cpu", func(t *testing.T) {
		var rep cpuReport
		runJSON(t, &rep, "cpu", "--orders", "200", "--recon", bin)
		if len(rep.Rows) != len(allProviders) {
			t.Fatalf("got %d providers, want %d", len(rep.Rows), len(allProviders))
		}
		for _, r := range rep.Rows {
			if r.Plain.Errors != 0 {
				t.Errorf("%s: plain client: %d failed answers", r.Provider, r.Plain.Errors)
			}
			for _, p := range []*phase{r.Plain, r.Recon} {
				if p.Orders != orders || p.Requests < orders {
					t.Errorf("%s %s: %d orders, %d answered by the simulator; want %d and at least as many", r.Provider, p.Client, p.Orders, p.Requests, orders)
				}
				if p.Proc.CPUS <= 0 || p.OrdersPS <= 0 {
					t.Errorf("%s %s: no CPU (%v s) or no throughput (%v/s) measured", r.Provider, p.Client, p.Proc.CPUS, p.OrdersPS)
				}
			}
			if r.Recon.Exit != "0" {
				t.Errorf("%s: recon exit %s: the planted ledger should reconcile clean", r.Provider, r.Recon.Exit)
			}
			if r.Recon.Proc.Children < 1 || r.Recon.Proc.ChildCPUS <= 0 {
				t.Errorf("%s: recon's plugin process was not seen (%d children, %v s)", r.Provider, r.Recon.Proc.Children, r.Recon.Proc.ChildCPUS)
			}
		}
	})

	t.Run("cpu --base", func(t *testing.T) {
		var rep cpuReport
		runJSON(t, &rep, "cpu", "--orders", "200", "--providers", "upay", "--recon", bin, "--base", bin)
		if len(rep.Rows) != 1 || rep.Rows[0].Base == nil {
			t.Fatalf("no base figures: %+v", rep.Rows)
		}
		r := rep.Rows[0]
		if r.Base.Orders != orders || r.Base.Requests < orders || r.Base.Proc.CPUS <= 0 || r.BaseCPURatio <= 0 {
			t.Errorf("base: %d orders, %d answered, %v CPU-s, ratio %v", r.Base.Orders, r.Base.Requests, r.Base.Proc.CPUS, r.BaseCPURatio)
		}
	})

	t.Run("hol", func(t *testing.T) {
		var rep holReport
		runJSON(t, &rep, "hol", "--orders", "200", "--slow", "edgeros=20ms", "--recon", bin)
		if len(rep.Rows) != len(allProviders)-1 {
			t.Fatalf("got %d accounts, want the %d not slowed", len(rep.Rows), len(allProviders)-1)
		}
		for _, r := range rep.Rows {
			if r.Provider == "edgeros" {
				t.Errorf("the slowed provider is among the compared accounts")
			}
			if r.Requests < orders || r.AloneOPS <= 0 || r.RestOPS <= 0 || r.WithOPS <= 0 {
				t.Errorf("%s: %d answers with the slow provider, rates %v/%v/%v", r.Provider, r.Requests, r.AloneOPS, r.RestOPS, r.WithOPS)
			}
		}
		if rep.SlowOPS <= 0 {
			t.Errorf("the slowed provider answered nothing")
		}
	})
}

// The shard mode runs one shard-process over several accounts, publishes
// and merges it, and sizes the platform from what it measured.
func TestShardMode(t *testing.T) {
	var rep shardReport
	runJSON(t, &rep, "shard", "--accounts", "6", "--orders", "40", "--rate", "1000", "--recon", reconBin(t))
	if rep.Orders != 240 || rep.Run.Children < 6 || rep.Run.CPUS <= 0 || rep.CPUMsPerOrder <= 0 || rep.PluginMB <= 0 {
		t.Errorf("run: %d orders, %d plugin processes, %v CPU-s, %v ms/order, plugin %v MB; want 240 orders over 6 accounts' plugins",
			rep.Orders, rep.Run.Children, rep.Run.CPUS, rep.CPUMsPerOrder, rep.PluginMB)
	}
	if rep.Run.ExitCode != 0 || rep.Merge.ExitCode != 0 {
		t.Errorf("exit: run %d, merge %d; the planted ledger reconciles clean", rep.Run.ExitCode, rep.Merge.ExitCode)
	}
	p := rep.Plan
	if p.Shards < 1 || p.Shards < p.ByCPU || p.Shards < p.ByMemory || p.AccountsPerShard*p.Shards < p.Accounts {
		t.Errorf("platform sizing %+v: the shards do not cover the bounds or the accounts", p)
	}
}

func TestParseSlow(t *testing.T) {
	for _, c := range []struct {
		in   string
		name string
		ok   bool
	}{{"", "", true}, {"edgeros=200ms", "edgeros", true}, {"edgeros", "", false}, {"edgeros=fast", "", false}, {"upay=-1s", "", false}} {
		name, _, err := parseSlow(c.in)
		if (err == nil) != c.ok || name != c.name {
			t.Errorf("parseSlow(%q) = %q, %v; want %q, ok %v", c.in, name, err, c.name, c.ok)
		}
	}
}
