package host

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/builtin"
)

// BenchmarkHop measures what the plugin hop costs: the same queries to the
// same simulators (in a process of their own, so that their CPU is counted
// on neither side), once with the provider called in this process and once
// through a real plugin process. cpu-ms/5kq is CPU-seconds (user+system)
// of recon's side per 5,000 queries: this process, plus the plugin process.
//
//	go test -run '^$' -bench Hop -benchtime 5000x ./engine/host/
//
// RECON_HOP_PROFILE=dir writes CPU profiles of both sides there (the
// plugin's as dir/<name>-plugin.pprof.<name>.<pid>).
func BenchmarkHop(b *testing.B) {
	sb := startSandboxProcess(b)
	for _, name := range []string{"upay", "paypro", "vborder", "edgeros"} {
		for _, mode := range []string{"inprocess", "plugin"} {
			b.Run(name+"/"+mode, func(b *testing.B) { benchHop(b, sb, name, mode) })
		}
	}
}

const benchConcurrency = 8 // an account's default

func benchHop(b *testing.B, sb *sandboxProcess, name, mode string) {
	ctx := context.Background()
	acct := plugins.Account{Name: "bench-" + name, Endpoint: sb.URL + "/" + name, Currency: sb.Accounts[name].Currency,
		Location: time.UTC, Credentials: sb.Accounts[name].Credentials}
	if tz := sb.Accounts[name].Timezone; tz != "" {
		acct.Location, _ = time.LoadLocation(tz)
	}
	queries := sb.Queries[name]
	var (
		query    func(q recon.Query) (recon.Reply, error)
		childCPU func() time.Duration
		stop     func()
	)
	profile := os.Getenv("RECON_HOP_PROFILE")
	switch mode {
	case "inprocess":
		bp, _ := builtin.Lookup(name)
		p := bp.New()
		if err := p.Configure(ctx, acct); err != nil {
			b.Fatal(err)
		}
		query = func(q recon.Query) (recon.Reply, error) { return plugins.Guard(ctx, p, q, 10*time.Second), nil }
		childCPU = func() time.Duration { return 0 }
		stop = func() {}
	case "plugin":
		h, err := New("", nil, discardLog())
		if err != nil {
			b.Fatal(err)
		}
		if profile != "" {
			b.Setenv(plugins.EnvCPUProfile, fmt.Sprintf("%s/%s-plugin.pprof", profile, name))
		}
		spec, err := h.Resolve(name)
		if err != nil {
			b.Fatal(err)
		}
		p, err := h.Start(ctx, spec, acct)
		if err != nil {
			b.Fatal(err)
		}
		pid := p.(*process).PID()
		query = func(q recon.Query) (recon.Reply, error) { return p.Query(ctx, q, 10*time.Second) }
		childCPU = func() time.Duration { return procCPU(b, pid) }
		stop = func() { p.Stop(); h.Close() }
	}
	defer stop()
	// Warm up: connections, TLS of the hop, the provider's first parse.
	for _, q := range queries[:min(len(queries), 50)] {
		if _, err := query(q); err != nil {
			b.Fatal(err)
		}
	}
	if profile != "" {
		f, err := os.Create(fmt.Sprintf("%s/%s-%s-host.pprof", profile, name, mode))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	var (
		next   atomic.Int64
		failed atomic.Int64
		wg     sync.WaitGroup
	)
	self0, child0 := selfCPU(), childCPU()
	start := time.Now()
	b.ResetTimer()
	for range benchConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				res, err := query(queries[i%int64(len(queries))])
				if err != nil || res.Outcome == recon.OutcomeTransient || res.Outcome == recon.OutcomePermanent {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	wall := time.Since(start)
	self, child := selfCPU()-self0, childCPU()-child0
	per5k := func(d time.Duration) float64 { return float64(d.Milliseconds()) * 5000 / float64(b.N) }
	b.ReportMetric(per5k(self+child), "cpu-ms/5kq")
	b.ReportMetric(per5k(self), "host-ms/5kq")
	b.ReportMetric(per5k(child), "plugin-ms/5kq")
	b.ReportMetric(float64(b.N)/wall.Seconds(), "q/s")
	if f := failed.Load(); f > int64(b.N)/20 {
		b.Errorf("%d of %d queries failed", f, b.N)
	}
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU reads utime+stime of a live process from /proc/<pid>/stat.
func procCPU(b *testing.B, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command name may hold spaces; the fields after it are fixed.
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / clkTck
}

const envSandbox = "RECON_HOP_SANDBOX"

// sandboxProcess is the simulators, served by this test binary started again.
type sandboxProcess struct {
	URL      string
	Accounts map[string]struct {
		Currency, Timezone string
		Credentials        map[string]string
	}
	Queries map[string][]recon.Query
}

func startSandboxProcess(b *testing.B) *sandboxProcess {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envSandbox+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	tieToParent(cmd)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var sb sandboxProcess
	line, err := bufio.NewReader(out).ReadBytes('\n')
	if err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(line, &sb); err != nil {
		b.Fatal(err)
	}
	return &sb
}

// serveSandbox serves every simulator with planted orders and says where
// on stdout, when this process was started by startSandboxProcess.
func serveSandbox() {
	if os.Getenv(envSandbox) == "" {
		return
	}
	sb, err := builtin.StartSandbox("127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := sandboxProcess{URL: sb.URL, Queries: map[string][]recon.Query{}}
	out.Accounts = map[string]struct {
		Currency, Timezone string
		Credentials        map[string]string
	}{}
	for name, sim := range sb.Sims {
		a := sim.Account()
		out.Accounts[name] = struct {
			Currency, Timezone string
			Credentials        map[string]string
		}{a.Currency, a.Timezone, a.Credentials}
		for _, c := range sim.Plant(rand.New(rand.NewPCG(1, 1)), 400) {
			if c.Kind == recon.Payment && c.Status == recon.StatePaid && c.Want == recon.VerdictMatched {
				out.Queries[name] = append(out.Queries[name], recon.Query{Kind: c.Kind, OrderNo: c.OrderNo, ProviderTradeNo: c.ProviderTradeNo, Attempt: 2})
			}
		}
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
	select {}
}
