package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon/engine/demo"
	"github.com/reconhq/recon/plugins/builtin"
	"github.com/reconhq/recon/plugins/simkit"
)

var chaosFull = flag.Bool("chaos", false, "run the full chaos test: 20,000 rows, recon SIGKILLed 5 times and a plugin twice")

// TestChaos runs a night against simulators that fail (10% 5xx, 2% timeouts,
// 1% malformed bodies) while recon is SIGKILLed at random points and plugin
// processes are killed under it, resuming each time; the final report's
// verdicts must equal those of a fault-free run. By default it runs a short
// form (CI); -chaos runs the full one: go test ./cmd/recon -run TestChaos -chaos -v
func TestChaos(t *testing.T) {
	rows, reconKills, pluginKills := 2000, 2, 1
	if *chaosFull {
		rows, reconKills, pluginKills = 20000, 5, 2
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("chaos: %d rows, seed %d", rows, seed)

	sb, err := builtin.StartSandbox("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	plan, err := demo.Prepare(dir, sb, seed, rows)
	if err != nil {
		t.Fatal(err)
	}
	// Retries enough that a row fails only when its provider means it:
	// at 13% faults, 9 attempts all failing is one in ten million.
	// The rate limit paces a night to last twice as long as all the kill
	// points together, so that no attempt can finish before its kill.
	const maxKillAfter = 1500 * time.Millisecond
	night := 2*time.Duration(reconKills)*maxKillAfter + 2*time.Second
	perAccount := max(float64(rows)/4/night.Seconds(), 10)
	tuneAccounts(t, plan.ConfigPath, map[string]any{"retries": 8, "timeout": "500ms", "backoff": "5ms",
		"rate_limit": perAccount, "concurrency": 16})
	run := func(storeName string, env ...string) *exec.Cmd {
		cmd := exec.Command(reconBin, "run", "--config", plan.ConfigPath, "--ledger", plan.LedgerPath,
			"--store", filepath.Join(dir, storeName), "--report", filepath.Join(dir, storeName+".json"), "--no-progress")
		cmd.Env = append(os.Environ(), env...)
		return cmd
	}

	// The truth: a fault-free night.
	if out, err := run("calm.db").CombinedOutput(); exitOf(err) > exitDiscrepancies {
		t.Fatalf("fault-free run: %v\n%s", err, out)
	}
	calm := readReport(t, filepath.Join(dir, "calm.db.json"))

	for i, sim := range sortedSims(sb) {
		sim.Faults().Set(simkit.Faults{ErrorRate: 0.10, SlowRate: 0.02, SlowDelay: 2 * time.Second,
			MalformedRate: 0.01, Seed: seed + uint64(i)})
	}
	mark := newMark(t)
	kills, pkills := 0, 0
	for kills < reconKills {
		cmd := run("storm.db", mark)
		var out lockedBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// The kill points count from the run's start: before it (the
		// preflight, the ledger's index) a kill leaves no run to resume.
		for !strings.Contains(out.String(), "run started") && !strings.Contains(out.String(), "resuming an interrupted run") {
			select {
			case err := <-exited:
				t.Fatalf("recon ended before its run started (%v)\n%s", err, out.String())
			case <-time.After(5 * time.Millisecond):
			}
		}
		wait := 300*time.Millisecond + time.Duration(rng.Int64N(int64(maxKillAfter-300*time.Millisecond)))
		if pkills < pluginKills {
			// Kill a plugin under the running recon first; recon must replace it.
			time.Sleep(wait / 2)
			if p := pluginPIDs(mark); len(p) > 0 {
				_ = syscall.Kill(p[rng.IntN(len(p))], syscall.SIGKILL)
				pkills++
			}
			wait /= 2
		}
		select {
		case err := <-exited:
			t.Fatalf("recon ended before it could be killed (%v); the ledger is too small for the kill points\n%s", err, out.String())
		case <-time.After(wait):
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		kills++
		if orphans := waitNoPlugins(mark, 5*time.Second); len(orphans) > 0 {
			t.Fatalf("plugin processes %v outlived the SIGKILLed recon", orphans)
		}
	}
	if pkills < pluginKills {
		t.Fatalf("killed %d plugin processes; want %d", pkills, pluginKills)
	}
	stdout, stderr, _ := runRecon(t, nil, "runs", "--store", filepath.Join(dir, "storm.db"))
	if !strings.Contains(stdout, "interrupted (killed)") {
		t.Errorf("recon runs does not show the killed run as interrupted:\n%s%s", stdout, stderr)
	}

	// The last attempt runs to the end.
	out, err := run("storm.db", mark).CombinedOutput()
	if exitOf(err) > exitDiscrepancies {
		t.Fatalf("final attempt: %v\n%s", err, out)
	}
	storm := readReport(t, filepath.Join(dir, "storm.db.json"))
	if len(storm.Results) != len(calm.Results) || len(calm.Results) != len(plan.Want) {
		t.Fatalf("results: storm %d, calm %d, ledger %d", len(storm.Results), len(calm.Results), len(plan.Want))
	}
	equal, retried := 0, 0
	for i, r := range storm.Results {
		c := calm.Results[i]
		if r.Line != c.Line || r.Verdict != c.Verdict {
			t.Errorf("line %d: %s after the storm, %s when calm (%s)", r.Line, r.Verdict, c.Verdict, r.Detail)
			continue
		}
		equal++
		if r.Attempts > 1 {
			retried += r.Attempts - 1
		}
	}
	faults := map[string]int64{}
	for _, sim := range sb.Sims {
		for k, v := range sim.Faults().Counts() {
			faults[k] += v
		}
	}
	fmt.Printf("chaos: %d rows; faults injected %v; recon SIGKILLed %d times, plugins killed %d; "+
		"resumes %d; retries behind stored results %d (all attempts: %d); verdicts equal %d/%d\n",
		rows, faults, kills, pkills, storm.Resumes, retried, storm.Stats.Retries, equal, len(calm.Results))
	if storm.Resumes != reconKills {
		t.Errorf("the run was resumed %d times; want %d", storm.Resumes, reconKills)
	}
}

// tuneAccounts rewrites every account of a config with the given settings.
func tuneAccounts(t *testing.T, path string, set map[string]any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, a := range cfg["accounts"].(map[string]any) {
		for k, v := range set {
			a.(map[string]any)[k] = v
		}
	}
	if b, err = yaml.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	writeText(t, path, string(b))
}

func sortedSims(sb *builtin.Sandbox) []simkit.Simulator {
	var out []simkit.Simulator
	for _, p := range builtin.All() {
		out = append(out, sb.Sims[p.Name])
	}
	return out
}

// pluginPIDs lists the plugin processes started by the recon carrying mark.
func pluginPIDs(mark string) []int {
	var out []int
	for _, p := range builtin.All() {
		out = append(out, processesWithEnv(mark, builtin.EnvServe+"="+p.Name)...)
	}
	return out
}

// waitNoPlugins waits until no plugin of that recon is left, and returns
// those still alive at the deadline.
func waitNoPlugins(mark string, within time.Duration) []int {
	deadline := time.Now().Add(within)
	for {
		left := pluginPIDs(mark)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func exitOf(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return 99
	}
	return 0
}
