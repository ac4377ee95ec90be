package host

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/builtin"
)

// The test binary doubles as every built-in plugin, so these tests run real
// plugin processes.
func TestMain(m *testing.M) {
	builtin.ServeIfChild()
	serveSandbox() // BenchmarkHop's simulators
	os.Exit(m.Run())
}

// hangLimit is how long a test waits for a call that must be bounded
// before it calls it hung. It is no performance assertion: the old code
// blocked until the plugin was resumed, which the tests do only after this.
const hangLimit = StopBound + 8*time.Second

// startStopped starts a real upay plugin for an account of a sandbox and
// freezes it with SIGSTOP, as an operator's test or a wedged process does.
func startStopped(t *testing.T, h *Host) *process {
	t.Helper()
	sb, err := builtin.StartSandbox("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	spec, err := h.Resolve("upay")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := h.Start(ctx, spec, plugins.Account{Name: "shop", Endpoint: sb.BaseURL("upay"), Currency: "CNY",
		Location: time.UTC, Credentials: sb.Sims["upay"].Account().Credentials})
	if err != nil {
		t.Fatal(err)
	}
	proc := p.(*process)
	if res, err := proc.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: "NOPE", Attempt: 1}, 5*time.Second); err != nil ||
		res.Outcome != recon.OutcomeNotFound {
		t.Fatalf("live plugin: %v %q, %v", res.Outcome, res.Err, err)
	}
	pid := proc.PID()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// Whatever happens, never leave a stopped process behind, and let the
	// old code's wait end so that the test fails rather than hangs.
	resume := time.AfterFunc(hangLimit+2*time.Second, func() { _ = syscall.Kill(pid, syscall.SIGCONT) })
	t.Cleanup(func() { resume.Stop(); _ = syscall.Kill(pid, syscall.SIGCONT); _ = syscall.Kill(pid, syscall.SIGKILL) })
	return proc
}

func newHost(t *testing.T) *Host {
	t.Helper()
	h, err := New("", nil, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// within runs f and fails the test if it has not returned after hangLimit.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() { f(); close(done) }()
	select {
	case <-done:
		t.Logf("%s returned after %v", what, time.Since(start).Round(time.Millisecond))
	case <-time.After(hangLimit):
		t.Fatalf("%s still blocked after %v on a stopped plugin", what, hangLimit)
	}
}

// gone waits until the process has exited and been reaped (kill -0 fails).
func gone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("plugin process %d still exists", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStopStoppedPlugin (ISSUE 12): ending a plugin that no longer answers
// must not wait for its cooperation, neither through Stop, Kill nor Close,
// and must leave no process behind.
func TestStopStoppedPlugin(t *testing.T) {
	for _, tt := range []struct {
		name string
		end  func(h *Host, p *process)
	}{
		{"Stop", func(_ *Host, p *process) { p.Stop() }},
		{"Kill", func(_ *Host, p *process) { p.Kill() }},
		{"Close", func(h *Host, _ *process) { h.Close() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t)
			p := startStopped(t, h)
			pid := p.PID()
			within(t, tt.name, func() { tt.end(h, p) })
			gone(t, pid)
			if !p.Exited() {
				t.Error("Exited() = false after the process was killed")
			}
			if _, err := p.Query(context.Background(), recon.Query{Kind: recon.Payment, OrderNo: "A1"}, time.Second); !errors.Is(err, plugins.ErrPluginGone) {
				t.Errorf("query after %s: %v; want ErrPluginGone", tt.name, err)
			}
		})
	}
}

// TestQueryStoppedPlugin: a query to a plugin that stopped answering ends
// with the caller's context, also when many are in flight.
func TestQueryStoppedPlugin(t *testing.T) {
	h := newHost(t)
	p := startStopped(t, h)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	errs := make(chan error, 2000)
	within(t, "2000 queries", func() {
		for i := range 2000 {
			go func() {
				_, err := p.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: "ORDER-NUMBER-PADDED-TO-SOME-LENGTH-" + string(rune('A'+i%26))}, time.Second)
				errs <- err
			}()
		}
		for range 2000 {
			if err := <-errs; !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("query to a stopped plugin: %v; want the caller's deadline", err)
				return
			}
		}
	})
	within(t, "Stop", p.Stop)
}

// TestStopLivePlugin: a plugin that answers shuts down cleanly.
func TestStopLivePlugin(t *testing.T) {
	h := newHost(t)
	p := startStopped(t, h)
	pid := p.PID()
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	within(t, "Stop", p.Stop)
	gone(t, pid)
	p.Stop() // twice is harmless
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestPluginCPUProfile: with plugins.EnvCPUProfile set, a plugin stopped
// the ordinary way leaves a complete CPU profile named after it.
func TestPluginCPUProfile(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "plugin.prof")
	t.Setenv(plugins.EnvCPUProfile, prefix)
	h := newHost(t)
	p := startStopped(t, h)
	pid := p.PID()
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	p.Stop()
	gone(t, pid)
	data, err := os.ReadFile(fmt.Sprintf("%s.upay.%d", prefix, pid))
	if err != nil {
		t.Fatal(err)
	}
	// A profile is gzipped protobuf; StopCPUProfile writes it whole at the end.
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("profile of %d bytes is not gzip: %v", len(data), err)
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		t.Fatalf("profile is truncated: %v", err)
	}
}

// TestRefusedAccountIsNoCrash (operator review): a plugin that refuses its
// account (a credential missing) answered, so it is shut down as any
// other, not SIGKILLed: the operator's log then says why the account did
// not start, and not also, at ERROR, that a plugin process died of
// "signal: killed", with plugin= twice.
func TestRefusedAccountIsNoCrash(t *testing.T) {
	var logs bytes.Buffer
	h, err := New("", nil, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	spec, err := h.Resolve("upay")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = h.Start(ctx, spec, plugins.Account{Name: "shop", Endpoint: "http://127.0.0.1:1", Currency: "CNY",
		Location: time.UTC, Credentials: map[string]string{"terminal_sn": "1001"}})
	if err == nil || !strings.Contains(err.Error(), "terminal_key") {
		t.Fatalf("Start: %v; want the plugin's refusal naming terminal_key", err)
	}
	h.Close() // and its logs are in
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "level=ERROR") || strings.Count(line, " plugin=") > 1 ||
			line != "" && !strings.Contains(line+" ", " account=shop ") {
			t.Errorf("log line: %s", line)
		}
	}
}
