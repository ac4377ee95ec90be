package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// bench holds what the modes share: a folder, the recon binary, the
// simulators' process once started.
type bench struct {
	o    options
	dir  string
	tmp  bool
	bin  string
	self string
	sims *sims
}

func newBench(ctx context.Context, o options) (*bench, error) {
	b := &bench{o: o, dir: o.keep}
	var err error
	if b.dir == "" {
		if b.dir, err = os.MkdirTemp("", "recon-bench-"); err != nil {
			return nil, err
		}
		b.tmp = true
	} else if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return nil, err
	}
	if b.self, err = os.Executable(); err != nil {
		return nil, err
	}
	b.bin = o.reconBin
	if b.bin == "" {
		root, err := moduleRoot()
		if err != nil {
			b.close()
			return nil, err
		}
		b.bin = filepath.Join(b.dir, "recon")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", b.bin, "./cmd/recon")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			b.close()
			return nil, fmt.Errorf("go build ./cmd/recon in %s: %v\n%s", root, err, out)
		}
	}
	return b, nil
}

func (b *bench) close() {
	if b.sims != nil {
		b.sims.stop()
	}
	if b.tmp {
		os.RemoveAll(b.dir)
	}
}

// moduleRoot is the nearest folder up from here whose go.mod is recon's.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			strings.Contains(string(b), "module github.com/reconhq/recon\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the recon module: run from its checkout, or pass --recon BIN")
		}
		dir = parent
	}
}

// sims is the simulators' child process.
type sims struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
	dir   string
}

// startSims starts the sims mode of this binary and waits until it serves.
func (b *bench) startSims(ctx context.Context, sub string, providers []string, orders int, slow string) (*sims, error) {
	dir := filepath.Join(b.dir, sub)
	cmd := exec.CommandContext(ctx, b.self, "sims", "--dir", dir, "--orders", strconv.Itoa(orders),
		"--providers", strings.Join(providers, ","), "--slow", slow, "--seed", strconv.FormatUint(b.o.seed, 10),
		"--concurrency", strconv.Itoa(b.o.concurrency), "--rate", strconv.FormatFloat(b.o.rate, 'g', -1, 64))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &sims{cmd: cmd, stdin: stdin, dir: dir}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	var ready simsReady
	if err == nil {
		err = json.Unmarshal([]byte(line), &ready)
	}
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("simulators did not start: %v", err)
	}
	s.url = ready.URL
	b.sims = s
	return s, nil
}

func (s *sims) stop() {
	s.stdin.Close()
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

func (s *sims) reset() error {
	resp, err := http.Post(s.url+"/_bench/reset", "text/plain", nil)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func (s *sims) stats() (*simsStats, error) {
	resp, err := http.Get(s.url + "/_bench/stats")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out simsStats
	return &out, json.NewDecoder(resp.Body).Decode(&out)
}

// cpuS is the simulators' CPU so far: how busy the shared machine was.
func (s *sims) cpuS() float64 {
	c, _ := procCPU(s.cmd.Process.Pid)
	return c
}

// rate is answers per second at one simulator: first request to last answer.
func rate(st simStat) float64 {
	if st.Requests == 0 || st.LastNS <= st.FirstNS {
		return 0
	}
	return float64(st.Requests) / (float64(st.LastNS-st.FirstNS) / 1e9)
}

// phase is one measured client run.
type phase struct {
	Client   string    `json:"client"` // plain or recon
	Orders   int       `json:"orders"`
	Requests int64     `json:"requests"`    // answered, as the simulator counted
	Conns    int64     `json:"connections"` // TCP connections the simulators accepted
	OrdersPS float64   `json:"orders_per_s"`
	CPUPerK  float64   `json:"cpu_s_per_1000_orders"`
	SimsCPUS float64   `json:"sims_cpu_s"`
	Proc     measured  `json:"process"`
	Errors   int64     `json:"errors,omitempty"` // plain: failed answers
	Exit     string    `json:"exit,omitempty"`
	RunsCPU  []float64 `json:"runs_cpu_s,omitempty"` // with --repeat: every run's
	RunsOPS  []float64 `json:"runs_orders_per_s,omitempty"`
}

// runPlainPhase runs the plain client over one provider's ledger.
func (b *bench) runPlainPhase(ctx context.Context, s *sims, provider string) (*phase, error) {
	if err := s.reset(); err != nil {
		return nil, err
	}
	c0 := s.cpuS()
	m, err := runMeasured(ctx, b.self, "plain", "--accounts", filepath.Join(s.dir, "accounts.json"),
		"--provider", provider, "--ledger", filepath.Join(s.dir, "ledger-"+provider+".csv"),
		"--concurrency", strconv.Itoa(b.o.concurrency))
	if err != nil {
		return nil, err
	}
	if m.ExitCode != 0 {
		return nil, fmt.Errorf("plain client %s: exit %d\n%s", provider, m.ExitCode, m.stderr)
	}
	var res plainResult
	if err := json.Unmarshal(m.stdout, &res); err != nil {
		return nil, fmt.Errorf("plain client %s: output: %v", provider, err)
	}
	p, err := b.finish(s, provider, "plain", res.Orders, m, c0)
	if err != nil {
		return nil, err
	}
	p.Errors = res.Errors
	if float64(res.Errors) > b.o.maxErr*float64(res.Orders) {
		return p, fmt.Errorf("plain client %s: %d of %d answers failed (more than %.1f%%): %s",
			provider, res.Errors, res.Orders, 100*b.o.maxErr, strings.Join(res.Samples, "; "))
	}
	return p, nil
}

// runReconPhase runs `recon run` over a ledger into a store.
func (b *bench) runReconPhase(ctx context.Context, s *sims, provider, config, ledger, store, runID string, orders int) (*phase, error) {
	return b.runBinPhase(ctx, b.bin, s, provider, config, ledger, store, runID, orders)
}

// runBinPhase is runReconPhase with the recon binary bin.
func (b *bench) runBinPhase(ctx context.Context, bin string, s *sims, provider, config, ledger, store, runID string, orders int) (*phase, error) {
	if err := s.reset(); err != nil {
		return nil, err
	}
	c0 := s.cpuS()
	m, err := b.runBin(ctx, bin, "run", "--config", config, "--ledger", ledger, "--store", store, "--run-id", runID)
	if err != nil {
		return nil, err
	}
	p, err := b.finish(s, provider, "recon", orders, m, c0)
	if err != nil {
		return nil, err
	}
	p.Exit = reconExit(m)
	return p, nil
}

// recon runs the recon binary, measured; exit 3 (findings) counts as done.
func (b *bench) recon(ctx context.Context, args ...string) (*measured, error) {
	return b.runBin(ctx, b.bin, args...)
}

// runBin is recon with the recon binary bin.
func (b *bench) runBin(ctx context.Context, bin string, args ...string) (*measured, error) {
	args = append([]string{"--no-progress", "--log-level", "warn"}, args...)
	m, err := runMeasured(ctx, bin, args...)
	if err != nil {
		return nil, err
	}
	if m.ExitCode != 0 && m.ExitCode != 3 {
		return nil, fmt.Errorf("recon %s: exit %d\n%s%s", strings.Join(args, " "), m.ExitCode, tail(m.stdout), tail(m.stderr))
	}
	return m, nil
}

func reconExit(m *measured) string {
	if m.ExitCode == 3 {
		return "3 (findings at or above fail_on)"
	}
	return "0"
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// finish reads the simulator's counter of provider ("" sums them all).
func (b *bench) finish(s *sims, provider, client string, orders int, m *measured, simsCPU0 float64) (*phase, error) {
	st, err := s.stats()
	if err != nil {
		return nil, err
	}
	p := &phase{Client: client, Orders: orders, Proc: *m, SimsCPUS: s.cpuS() - simsCPU0}
	p.Requests = st.Providers[provider].Requests
	p.OrdersPS = rate(st.Providers[provider])
	p.Conns = st.Connections - 1 // less the bench's own reset
	p.CPUPerK = 1000 * m.CPUS / float64(orders)
	return p, nil
}

func (b *bench) providers() []string { return splitList(b.o.providers) }

func (b *bench) emit(v any, table func(w io.Writer)) error {
	if b.o.json {
		enc := json.NewEncoder(b.o.out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	table(b.o.out)
	return nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
